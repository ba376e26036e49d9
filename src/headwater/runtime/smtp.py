"""Sending e-mail through SMTP with the standard library, as Airflow's ``airflow.utils.email`` does:
the same MIME layout (an HTML part, files attached by base name, ``CC`` in the headers and ``BCC`` only
in the envelope), the same ``[smtp]`` settings and the same retries (only a server that hangs up at once
is tried again). What differs is the error: a failure names the server and the ``[smtp]`` setting to fix.
"""

from __future__ import annotations

import collections.abc
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Iterable
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from typing import Any

from headwater.config import EmailSettings, SmtpSettings
from headwater.errors import EmailError

log = logging.getLogger("headwater.email")


def get_email_address_list(addresses: str | Iterable[str]) -> list[str]:
    """The addresses of a string separated by ``,`` or ``;``, or of an iterable of strings."""
    if isinstance(addresses, str):
        return [a for a in re.split(r"\s*[,;]\s*", addresses.strip()) if a]
    if isinstance(addresses, collections.abc.Iterable):
        items = list(addresses)
        if not all(isinstance(item, str) for item in items):
            raise TypeError("The items in your iterable must be strings.")
        return items
    raise TypeError(f"Unexpected argument type: Received '{type(addresses).__name__}'.")


def build_mime_message(
    mail_from: str | None,
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    custom_headers: dict[str, Any] | None = None,
) -> tuple[MIMEMultipart, list[str]]:
    """The message and every envelope recipient (``to``, ``cc`` and ``bcc``)."""
    recipients = get_email_address_list(to)
    msg = MIMEMultipart(mime_subtype)
    msg["Subject"] = subject
    if mail_from:
        msg["From"] = mail_from
    msg["To"] = ", ".join(recipients)
    recipients = list(recipients)
    if cc:
        copied = get_email_address_list(cc)
        msg["CC"] = ", ".join(copied)
        recipients += copied
    if bcc:
        recipients += get_email_address_list(bcc)
    msg["Date"] = formatdate(localtime=True)
    msg.attach(MIMEText(html_content, "html", mime_charset))
    for name in files or []:
        base = os.path.basename(name)
        try:
            with open(name, "rb") as handle:
                part = MIMEApplication(handle.read(), Name=base)
        except OSError as err:
            raise EmailError(f"Cannot attach {name!r} to the e-mail {subject!r}: {err.strerror or err}.") from None
        part["Content-Disposition"] = f'attachment; filename="{base}"'
        part["Content-ID"] = f"<{base}>"
        msg.attach(part)
    for key, value in (custom_headers or {}).items():
        msg[key] = value
    return msg, recipients


def send_mime_email(
    e_from: str, e_to: str | list[str], mime_msg: MIMEMultipart, smtp: SmtpSettings, *, ssl_context: str = "default"
) -> None:
    """Deliver ``mime_msg``; raises ``EmailError`` naming the server and the setting to change."""
    where = f"{smtp.smtp_host}:{smtp.smtp_port}"
    for attempt in range(1, smtp.smtp_retry_limit + 1):
        log.info("Email alerting: attempt %d", attempt)
        try:
            conn = _connect(smtp, ssl_context)
        except smtplib.SMTPServerDisconnected:
            if attempt == smtp.smtp_retry_limit:
                raise EmailError(
                    f"The SMTP server {where} closed the connection {attempt} times in a row; check that it is an "
                    "SMTP server and whether it wants SSL ([smtp] smtp_ssl)."
                ) from None
            continue
        except (OSError, ssl.SSLError) as err:
            raise EmailError(
                f"Could not reach the SMTP server {where} ({_text(err)}); set [smtp] smtp_host and smtp_port "
                "(HEADWATER__SMTP__SMTP_HOST, HEADWATER__SMTP__SMTP_PORT) to your mail server."
            ) from None
        try:
            _deliver(conn, smtp, where, e_from, e_to, mime_msg)
        finally:
            conn.close()
        return


def _connect(smtp: SmtpSettings, ssl_context: str) -> smtplib.SMTP:
    if not smtp.smtp_ssl:
        return smtplib.SMTP(host=smtp.smtp_host, port=smtp.smtp_port, timeout=smtp.smtp_timeout)
    context = ssl.create_default_context() if ssl_context == "default" else None
    return smtplib.SMTP_SSL(host=smtp.smtp_host, port=smtp.smtp_port, timeout=smtp.smtp_timeout, context=context)


def _deliver(
    conn: smtplib.SMTP, smtp: SmtpSettings, where: str, e_from: str, e_to: str | list[str], msg: MIMEMultipart
) -> None:
    if smtp.smtp_starttls:
        try:
            conn.starttls()
        except smtplib.SMTPNotSupportedError:
            raise EmailError(
                f"The SMTP server {where} does not offer STARTTLS, which [smtp] smtp_starttls asks for (Airflow's "
                "default); set smtp_starttls = false (HEADWATER__SMTP__SMTP_STARTTLS=false) for a server without TLS."
            ) from None
    if smtp.smtp_user and smtp.smtp_password:
        try:
            conn.login(smtp.smtp_user, smtp.smtp_password)
        except smtplib.SMTPException as err:
            raise EmailError(
                f"The SMTP server {where} refused the login of {smtp.smtp_user!r} ({_text(err)}); check [smtp] "
                "smtp_user and smtp_password."
            ) from None
    try:
        conn.sendmail(e_from, e_to, msg.as_string())
        conn.quit()
    except smtplib.SMTPException as err:
        raise EmailError(f"The SMTP server {where} refused the e-mail to {e_to} ({_text(err)}).") from None
    log.info("Sent an alert email to %s", e_to)


def _text(err: BaseException) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        message = err.smtp_error.decode(errors="replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
        return f"{err.smtp_code} {message}"
    return str(err) or type(err).__name__


def send_email_smtp(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    dryrun: bool = False,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    custom_headers: dict[str, Any] | None = None,
    *,
    smtp: SmtpSettings | None = None,
    email: EmailSettings | None = None,
    from_email: str | None = None,
) -> None:
    """Build and send one e-mail with the given settings (Airflow's defaults when none are given).
    The sender is ``[smtp] smtp_mail_from``, as in Airflow, which lets it win over ``from_email``."""
    smtp = smtp or SmtpSettings()
    email = email or EmailSettings()
    mail_from = smtp.smtp_mail_from or from_email or email.from_email
    if not mail_from:
        raise EmailError("No sender address: set [smtp] smtp_mail_from or pass from_email.")
    msg, recipients = build_mime_message(
        mail_from, to, subject, html_content, files, cc, bcc, mime_subtype, mime_charset, custom_headers
    )
    if not dryrun:
        send_mime_email(mail_from, recipients, msg, smtp, ssl_context=email.ssl_context)
