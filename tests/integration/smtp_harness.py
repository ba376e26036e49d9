"""A real SMTP server on loopback (aiosmtpd), started by a test, that keeps every message it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One delivered message: the envelope's sender and recipients and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, self.message
        return str(part.get_content())

    def attachments(self) -> dict[str, bytes]:
        return {
            str(part.get_filename()): bytes(part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        }


@dataclass
class _Keeper:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class MailServer:
    host: str
    port: int
    keeper: _Keeper

    @property
    def received(self) -> list[Received]:
        return self.keeper.received

    def env(self) -> dict[str, str]:
        """The settings that point headwater at this server (it offers no STARTTLS)."""
        return {
            "HEADWATER__SMTP__SMTP_HOST": self.host,
            "HEADWATER__SMTP__SMTP_PORT": str(self.port),
            "HEADWATER__SMTP__SMTP_STARTTLS": "false",
        }

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} messages arrived, {count} expected"
        return self.received


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mail_server() -> Iterator[MailServer]:
    """An SMTP server on a free loopback port for the duration of the block."""
    keeper = _Keeper()
    controller = Controller(keeper, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield MailServer("127.0.0.1", controller.port, keeper)
    finally:
        controller.stop()
