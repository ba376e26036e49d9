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


@dataclass(frozen=True)
class Settings:
    """Every setting headwater reads, typed, with its default."""

    home: Path
    dags_folder: Path
    sql_alchemy_conn: str
    xcom_backend: str | None = None
    raw: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

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
        return cls(
            home=home,
            dags_folder=Path(core.get("dags_folder") or home / "dags").expanduser(),
            sql_alchemy_conn=database.get("sql_alchemy_conn") or f"sqlite:///{home / 'headwater.db'}",
            xcom_backend=xcom_backend or None,
            raw=raw,
        )
