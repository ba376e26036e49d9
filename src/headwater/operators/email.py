"""``EmailOperator``: send one e-mail through ``[smtp]`` (Airflow's ``airflow.operators.email``, and the
SMTP provider's operator of the same name, which adds ``from_email``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from headwater.model.baseoperator import BaseOperator


class EmailOperator(BaseOperator):
    """Sends an e-mail; ``to``, ``subject``, ``html_content`` and ``files`` are templated (and an
    ``html_content`` ending in ``.html`` is read from that template file)."""

    template_fields: ClassVar[Sequence[str]] = ("to", "subject", "html_content", "files")
    template_fields_renderers: ClassVar[dict[str, str]] = {"html_content": "html"}
    template_ext: ClassVar[Sequence[str]] = (".html",)
    ui_color = "#e6faf9"

    def __init__(
        self,
        *,
        to: list[str] | str | None = None,
        subject: str | None = None,
        html_content: str | None = None,
        files: list[str] | None = None,
        cc: list[str] | str | None = None,
        bcc: list[str] | str | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        conn_id: str | None = None,
        custom_headers: dict[str, Any] | None = None,
        from_email: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value, what in (
            ("to", to, "the address(es) to send to: a list, or a string separated by ',' or ';'"),
            ("subject", subject, "the subject line"),
            ("html_content", html_content, "the body (HTML), or the name of a .html template file"),
        ):
            if value is None:
                raise TypeError(f"EmailOperator (task_id: {self.task_id!r}) needs {name}=..., {what}.")
        self.to = to
        self.subject = subject
        self.html_content = html_content
        self.files = files or []
        self.cc = cc
        self.bcc = bcc
        self.mime_subtype = mime_subtype
        self.mime_charset = mime_charset
        self.conn_id = conn_id
        self.custom_headers = custom_headers
        self.from_email = from_email

    def execute(self, context: Any) -> None:
        from headwater.runtime.alerts import send_email  # the runtime's mail path; operators sit below it

        assert self.to is not None and self.subject is not None and self.html_content is not None  # checked above
        send_email(
            self.to,
            self.subject,
            self.html_content,
            files=self.files,
            cc=self.cc,
            bcc=self.bcc,
            mime_subtype=self.mime_subtype,
            mime_charset=self.mime_charset,
            conn_id=self.conn_id,
            custom_headers=self.custom_headers,
            from_email=self.from_email,
        )
