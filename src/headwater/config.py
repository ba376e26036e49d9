"""Configuration: ``headwater.toml`` in ``$HEADWATER_HOME``, overridden by ``HEADWATER__SECTION__KEY``.

Only the surfaces (CLI, API) read files and the environment; everything below receives a
``Settings`` object.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headwater.errors import ConfigError
from headwater.model.ids import DEFAULT_RUN_ID_PATTERN


@dataclass(frozen=True)
class SmtpSettings:
    """Airflow's ``[smtp]`` section, with its defaults: where task alerts and ``EmailOperator`` send mail."""

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = True
    """As in Airflow, STARTTLS is asked for by default; a local relay without TLS needs ``false``."""
    smtp_ssl: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_mail_from: str = "airflow@example.com"
    smtp_timeout: int = 30
    smtp_retry_limit: int = 5
    """Connection attempts when the server hangs up at once (Airflow retries only that case)."""


@dataclass(frozen=True)
class EmailSettings:
    """Airflow's ``[email]`` section: the alert's defaults and template files."""

    subject_template: str | None = None
    """A file holding a Jinja template for the alert's subject (Airflow's default when unset)."""
    html_content_template: str | None = None
    """A file holding a Jinja template for the alert's HTML body (Airflow's default when unset)."""
    from_email: str | None = None
    ssl_context: str = "default"
    """``default`` (verify the server's certificate) or ``none``, for ``smtp_ssl``."""


@dataclass(frozen=True)
class Settings:
    """Every setting headwater reads, typed, with its default."""

    home: Path
    dags_folder: Path
    sql_alchemy_conn: str
    xcom_backend: str | None = None
    executor: str = "LocalExecutor"
    parallelism: int = 32
    """Task instances running at once on this scheduler's executor (Airflow's default)."""
    dags_are_paused_at_creation: bool = True
    catchup_by_default: bool = True
    """As in Airflow 2, whose DAG files headwater runs unchanged: a DAG without ``catchup`` catches up."""
    dagbag_import_timeout: float = 30.0
    poll_interval: float = 1.0
    """How often the scheduler looks for work that arrives from outside it (triggers, pauses, clears,
    due schedules). Finished tasks wake it at once; this is not on the task-to-task path."""
    dag_dir_list_interval: float = 2.0
    """How often the DAGs folder is checked for new, changed and deleted files."""
    heartbeat_interval: float = 5.0
    """How often a running try renews its lease."""
    task_instance_heartbeat_timeout: float = 60.0
    """A running try whose lease is older than this is declared lost."""
    task_queued_timeout: float = 600.0
    """A try queued in a broker this long without a worker taking it is declared lost (Airflow's default)."""
    allowed_run_id_pattern: str = DEFAULT_RUN_ID_PATTERN
    """A regular expression every run id given by a person must match in full (Airflow's default; the
    ids headwater makes, ``manual__<date>``..., always pass). A looser pattern cannot let an id leave its
    folder: every path built from an id is checked as well."""
    scheduler_heartbeat_sec: float = 5.0
    """How often the scheduler records its heartbeat in the ``job`` table while its loop makes progress."""
    scheduler_health_check_threshold: float = 30.0
    """A scheduler whose heartbeat is older than this is not alive (``headwater jobs check``)."""
    enable_xcom_pickling: bool = False
    """Pickle XCom values the typed-JSON codec cannot store (unsafe: see the warning it logs)."""
    max_conf_bytes: int = 1_048_576
    """The largest run conf (its JSON) a trigger, ``dags test`` or backfill accepts; a conf is held in the
    scheduler's memory and in every try's context, so large data belongs in storage, passed by reference."""
    xcom_max_db_value_bytes: int = 16_777_216
    """The largest serialized XCom value written to the metadata DB; larger ones fail before the write
    (``ObjectStorageXCom`` stores only a reference there, so offloaded values are not limited by it)."""
    xcom_objectstorage_path: str = ""
    """Where ObjectStorageXCom puts large values (an fsspec URL); default ``file://$HEADWATER_HOME/xcom``."""
    xcom_objectstorage_threshold: int = 1_048_576
    xcom_objectstorage_compression: str | None = None
    xcom_objectstorage_options: Mapping[str, Any] = field(default_factory=dict)
    max_log_line_bytes: int = 65_536
    """Task-log readers (``tasks logs``; the API, when it comes) split longer lines, with a visible marker, so one
    newline-less megabyte-long line cannot make a reader hold it whole."""
    lint_import_budget: float = 1.0
    """Seconds a DAG file's import may take before the lint flags it (HW005)."""
    celery_broker_url: str = "redis://127.0.0.1:6379/0"
    celery_default_queue: str = "default"
    """The broker queue of tasks whose ``queue`` is left at ``"default"``."""
    celery_worker_concurrency: int = 16
    """Tries one ``headwater celery worker`` runs at once (Airflow's default)."""
    celery_visibility_timeout: float = 21600.0
    """Seconds Redis waits for an unacknowledged message before delivering it again; keep it longer than
    any ``execution_timeout`` (a second delivery of a running try is refused, but costs a round trip)."""
    celery_message_secret: str = field(default="", repr=False)
    """The key the scheduler signs Celery messages with and workers check them against (HMAC-SHA256); the
    same on every machine. Empty: a random one kept in ``$HEADWATER_HOME/celery_message_secret``."""
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    raw: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Short and secret-free: the settings reach task contexts as ``conf``, where ``{{ conf }}`` or a
        printed context would otherwise write passwords (SMTP, the database URL) into task logs."""
        return f"<headwater Settings from {self.home}>"

    def get(self, section: str, key: str, fallback: Any = None) -> Any:
        """A raw value, as Airflow's ``conf.get(section, key)`` reads it."""
        return self.raw.get(section.lower(), {}).get(key.lower(), fallback)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("HEADWATER_HOME") or Path.home() / ".headwater").expanduser()
        raw: dict[str, dict[str, Any]] = {}
        path = home / "headwater.toml"
        if path.is_file():
            try:
                parsed = tomllib.loads(path.read_text())
            except tomllib.TOMLDecodeError as err:
                raise ConfigError(f"{path} is not valid TOML: {err}. Fix the file or remove it.") from None
            raw = {str(s).lower(): {str(k).lower(): v for k, v in dict(vals).items()} for s, vals in parsed.items()}
        for name, value in env.items():
            if name.startswith("HEADWATER__") and name.count("__") >= 2:
                _, section, key = name.split("__", 2)
                raw.setdefault(section.lower(), {})[key.lower()] = value
        core = raw.get("core", {})
        database = raw.get("database", {})
        xcom_backend = (
            env.get("HEADWATER__CORE__XCOM_BACKEND")
            or env.get("AIRFLOW__CORE__XCOM_BACKEND")
            or core.get("xcom_backend")
        )
        scheduler = raw.get("scheduler", {})
        xcom = raw.get("xcom", {})
        celery = raw.get("celery", {})
        return cls(
            home=home,
            dags_folder=Path(core.get("dags_folder") or home / "dags").expanduser(),
            sql_alchemy_conn=database.get("sql_alchemy_conn") or f"sqlite:///{home / 'headwater.db'}",
            xcom_backend=xcom_backend or None,
            executor=str(core.get("executor") or "LocalExecutor"),
            parallelism=_typed(core, "core", "parallelism", int, 32),
            dags_are_paused_at_creation=_typed(core, "core", "dags_are_paused_at_creation", _boolean, True),
            catchup_by_default=_typed(scheduler, "scheduler", "catchup_by_default", _boolean, True),
            dagbag_import_timeout=_typed(core, "core", "dagbag_import_timeout", float, 30.0),
            poll_interval=_typed(scheduler, "scheduler", "poll_interval", float, 1.0),
            dag_dir_list_interval=_typed(scheduler, "scheduler", "dag_dir_list_interval", float, 2.0),
            heartbeat_interval=_typed(scheduler, "scheduler", "heartbeat_interval", float, 5.0),
            task_instance_heartbeat_timeout=_typed(
                scheduler, "scheduler", "task_instance_heartbeat_timeout", float, 60.0
            ),
            task_queued_timeout=_typed(scheduler, "scheduler", "task_queued_timeout", float, 600.0),
            allowed_run_id_pattern=_typed(
                scheduler, "scheduler", "allowed_run_id_pattern", _pattern, DEFAULT_RUN_ID_PATTERN
            ),
            scheduler_heartbeat_sec=_typed(scheduler, "scheduler", "scheduler_heartbeat_sec", float, 5.0),
            scheduler_health_check_threshold=_typed(
                scheduler, "scheduler", "scheduler_health_check_threshold", float, 30.0
            ),
            enable_xcom_pickling=_typed(core, "core", "enable_xcom_pickling", _boolean, False),
            max_conf_bytes=_typed(core, "core", "max_conf_bytes", _positive, 1_048_576),
            xcom_max_db_value_bytes=_typed(xcom, "xcom", "max_db_value_bytes", _positive, 16_777_216),
            xcom_objectstorage_path=str(xcom.get("objectstorage_path") or f"file://{home / 'xcom'}"),
            xcom_objectstorage_threshold=_typed(xcom, "xcom", "objectstorage_threshold", int, 1_048_576),
            xcom_objectstorage_compression=_typed(xcom, "xcom", "objectstorage_compression", _compression, None),
            xcom_objectstorage_options=_typed(xcom, "xcom", "objectstorage_options", _table, {}),
            max_log_line_bytes=_typed(raw.get("logging", {}), "logging", "max_log_line_bytes", _positive, 65_536),
            lint_import_budget=_typed(raw.get("lint", {}), "lint", "import_time_budget", float, 1.0),
            celery_broker_url=str(celery.get("broker_url") or "redis://127.0.0.1:6379/0"),
            celery_default_queue=str(celery.get("default_queue") or "default"),
            celery_worker_concurrency=_typed(celery, "celery", "worker_concurrency", int, 16),
            celery_visibility_timeout=_typed(celery, "celery", "visibility_timeout", float, 21600.0),
            celery_message_secret=str(celery.get("message_secret") or ""),
            smtp=_smtp(raw.get("smtp", {})),
            email=_email(raw.get("email", {})),
            raw=raw,
        )


def _smtp(section: Mapping[str, Any]) -> SmtpSettings:
    d = SmtpSettings()

    def text(key: str, default: str | None) -> str | None:
        value = section.get(key)
        return default if value is None or value == "" else str(value)

    return SmtpSettings(
        smtp_host=text("smtp_host", d.smtp_host) or d.smtp_host,
        smtp_port=_typed(section, "smtp", "smtp_port", _port, d.smtp_port),
        smtp_starttls=_typed(section, "smtp", "smtp_starttls", _boolean, d.smtp_starttls),
        smtp_ssl=_typed(section, "smtp", "smtp_ssl", _boolean, d.smtp_ssl),
        smtp_user=text("smtp_user", None),
        smtp_password=text("smtp_password", None),
        smtp_mail_from=text("smtp_mail_from", d.smtp_mail_from) or d.smtp_mail_from,
        smtp_timeout=_typed(section, "smtp", "smtp_timeout", int, d.smtp_timeout),
        smtp_retry_limit=_typed(section, "smtp", "smtp_retry_limit", _positive_count, d.smtp_retry_limit),
    )


def _email(section: Mapping[str, Any]) -> EmailSettings:
    d = EmailSettings()
    context = str(section.get("ssl_context") or d.ssl_context).strip().lower()
    if context not in ("default", "none"):
        raise ConfigError(
            f"[email] ssl_context = {context!r} is not valid; set HEADWATER__EMAIL__SSL_CONTEXT or headwater.toml "
            "to default or none."
        )
    return EmailSettings(
        subject_template=str(section["subject_template"]) if section.get("subject_template") else None,
        html_content_template=str(section["html_content_template"]) if section.get("html_content_template") else None,
        from_email=str(section["from_email"]) if section.get("from_email") else None,
        ssl_context=context,
    )


def _port(value: Any) -> int:
    number = int(value)
    if not 0 < number < 65536:
        raise ValueError(f"{number} is outside 1-65535")
    return number


_port.__name__ = "port number"


def _positive_count(value: Any) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{number} is less than 1")
    return number


_positive_count.__name__ = "positive integer"


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not a boolean (true or false)")


def _pattern(value: Any) -> str:
    import re

    try:
        re.compile(str(value))
    except re.error as err:
        raise ValueError(f"not a regular expression: {err}") from None
    return str(value)


def _positive(value: Any) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{number} is not a positive number of bytes")
    return number


_positive.__name__ = "positive integer"  # for the message "set ... to a positive integer"


def _compression(value: Any) -> str | None:
    text = str(value).strip().lower()
    if text in ("", "none"):
        return None
    if text not in ("gzip", "zstd"):
        raise ValueError(f"{value!r} is not a compression headwater knows (gzip, zstd, or none)")
    return text


def _table(value: Any) -> dict[str, Any]:
    """A TOML table, or (from an environment variable) the same as a JSON object."""
    if isinstance(value, Mapping):
        return dict(value)
    import json

    try:
        parsed = json.loads(str(value))
    except json.JSONDecodeError as err:
        raise ValueError(f"not a JSON object ({err})") from None
    if not isinstance(parsed, dict):
        raise ValueError("not a JSON object")
    return parsed


def _typed(section: Mapping[str, Any], name: str, key: str, kind: Any, default: Any) -> Any:
    value = section.get(key)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"[{name}] {key} = {value!r} is not valid ({err}); set HEADWATER__{name.upper()}__{key.upper()} "
            f"or headwater.toml to a {getattr(kind, '__name__', 'value').lstrip('_')}."
        ) from None
