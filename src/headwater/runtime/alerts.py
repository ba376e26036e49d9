"""E-mail from a running task: the alert a failed or retried try sends to the task's ``email`` (as
``email_on_failure`` / ``email_on_retry`` ask), and ``send_email`` for ``EmailOperator`` and task code.

Settings come from the run (``[smtp]`` and ``[email]`` of the ``Settings`` the worker or ``dags test``
loaded); code running outside any headwater process (``python my_dag.py``) reads them from
``$HEADWATER_HOME`` and the environment, as the CLI would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from headwater.config import Settings
from headwater.errors import EmailError
from headwater.runtime.current import get_current_context

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator

log = logging.getLogger("headwater.task")

# The subject keeps Airflow's words: mail filters and on-call rules match on "Airflow alert:".
DEFAULT_SUBJECT = "Airflow alert: {{ti}}"
DEFAULT_HTML = (
    "Try {{try_number}} out of {{max_tries + 1}}<br>"
    "Exception:<br>{{exception_html}}<br>"
    "Log: {{log_location}}<br>"
    "Host: {{ti.hostname}}<br>"
)
DEFAULT_HTML_NO_EXCEPTION = (
    "Try {{try_number}} out of {{max_tries + 1}}<br>"
    "Exception:<br>Failed attempt to attach error logs<br>"
    "Log: {{log_location}}<br>"
    "Host: {{ti.hostname}}<br>"
)


def settings_in_use(settings: Any) -> Settings:
    """The run's settings, or (outside any headwater process) the ones ``$HEADWATER_HOME`` gives."""
    return settings if isinstance(settings, Settings) else Settings.load()


def send_email(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    dryrun: bool = False,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    conn_id: str | None = None,
    custom_headers: dict[str, Any] | None = None,
    *,
    from_email: str | None = None,
    **kwargs: Any,
) -> None:
    """Airflow's ``airflow.utils.email.send_email``, through ``[smtp]``. ``conn_id`` names a Connection,
    which headwater does not serve yet: as in Airflow when that Connection does not exist, the login comes
    from ``[smtp] smtp_user`` / ``smtp_password``."""
    from headwater.runtime.smtp import send_email_smtp  # lazy: smtplib and ssl only for a task that mails

    try:
        settings = settings_in_use(get_current_context().get("conf"))
    except RuntimeError:  # not inside a task
        settings = settings_in_use(None)
    send_email_smtp(
        to,
        subject,
        html_content,
        files,
        dryrun,
        cc,
        bcc,
        mime_subtype,
        mime_charset,
        custom_headers,
        smtp=settings.smtp,
        email=settings.email,
        from_email=from_email,
    )


def _template(path: str | None, default: str) -> str:
    if not path:
        return default
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        log.warning("Could not find email template file '%s'. Using defaults...", path)
    except OSError:
        log.exception("Error while using email template %s. Using defaults...", path)
    return default


def alert_content(
    context: dict[str, Any], exception: BaseException | str | None, settings: Settings, log_location: str
) -> tuple[str, str, str]:
    """(subject, body, body without the exception) of a try's alert, rendered over the task's context."""
    import jinja2.sandbox

    ti = context["ti"]
    values = {
        **context,
        "exception": exception,
        "exception_html": str(exception).replace("\n", "<br>"),
        "try_number": ti.try_number,
        "max_tries": ti.max_tries,
        "log_location": log_location,
    }
    env = jinja2.sandbox.SandboxedEnvironment(cache_size=0)

    def render(text: str) -> str:
        return env.from_string(text).render(**values)

    email = settings.email
    return (
        render(_template(email.subject_template, DEFAULT_SUBJECT)),
        render(_template(email.html_content_template, DEFAULT_HTML)),
        render(_template(email.html_content_template, DEFAULT_HTML_NO_EXCEPTION)),
    )


def email_alert(
    task: BaseOperator, context: dict[str, Any], exception: BaseException | str | None, settings_given: Any
) -> None:
    """Send the alert of a failed or retried try; a failure to send is logged and changes nothing."""
    addresses = task.email
    if not addresses:
        return
    ti = context["ti"]
    from headwater.runtime.smtp import send_email_smtp

    location = f"headwater tasks logs {ti.dag_id} {ti.run_id} {ti.task_id} --try {ti.try_number}"
    try:
        settings = settings_in_use(settings_given)
        subject, body, plain = alert_content(context, exception, settings, location)
        try:
            send_email_smtp(addresses, subject, body, smtp=settings.smtp, email=settings.email)
        except Exception:  # noqa: BLE001 - Airflow tries once more, without the exception in the body
            send_email_smtp(addresses, subject, plain, smtp=settings.smtp, email=settings.email)
    except EmailError as err:
        log.error("Failed to send email to: %s: %s The task's state is unchanged.", addresses, err)
    except Exception:
        log.exception("Failed to send email to: %s; the task's state is unchanged.", addresses)
