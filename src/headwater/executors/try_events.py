"""Tries' ends, told to the scheduler through PostgreSQL ``LISTEN``/``NOTIFY``.

A worker sends the notification inside the transaction that records the end, so the scheduler hears
of an end exactly when it is committed. The scheduler waits on the listening connection's socket with
its other wake-ups: no task instance is polled on the task-to-task path.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from sqlalchemy import make_url

from headwater.executors.base import EventKind, ExecutorEvent, event_from_message, event_to_message

log = logging.getLogger("headwater.executor")

CHANNEL = "headwater_try_events"
MAX_PAYLOAD = 7900
"""PostgreSQL refuses a notification payload of 8000 bytes or more."""


def payload_of(event: ExecutorEvent) -> str:
    """The notification for an event; one too large to send whole says only which try to read back."""
    text = json.dumps(event_to_message(event), separators=(",", ":"))
    if len(text.encode()) <= MAX_PAYLOAD:
        return text
    return json.dumps(event_to_message(ExecutorEvent(event.item, EventKind.UNREPORTED, recorded=True)))


def event_of(payload: str) -> ExecutorEvent | None:
    try:
        return event_from_message(json.loads(payload))
    except (ValueError, KeyError, TypeError, AssertionError) as err:
        log.error("Ignored a malformed try notification (%s): %.200s", err, payload)
        return None


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` as libpq spells it."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class TryEventListener:
    """A connection of its own that listens on ``CHANNEL``; it reconnects after the database drops it,
    and says so, because notifications sent while it was away are gone."""

    def __init__(self, sqlalchemy_url: str, *, retry_every: float = 1.0) -> None:
        self.url = libpq_url(sqlalchemy_url)
        self.retry_every = retry_every
        self._conn: Any = None
        self._next_attempt = 0.0
        self.reconnected = False
        """Set when the connection was (re)made: what was sent before then must be read from the store."""

    def fileno(self) -> int | None:
        """The socket to wait on, connecting first if need be (None while the database is unreachable)."""
        import psycopg

        if self._conn is None and time.monotonic() >= self._next_attempt:
            self._connect()
        if self._conn is None:
            return None
        try:
            return int(self._conn.fileno())
        except psycopg.Error as err:  # closed under us: the next call connects again
            self.lost(err)
            return None

    def drain(self) -> list[ExecutorEvent]:
        """Every notification received so far."""
        import psycopg

        if self._conn is None:
            return []
        try:
            payloads = [n.payload for n in self._conn.notifies(timeout=0)]
        except psycopg.Error as err:
            self.lost(err)
            return []
        return [e for e in map(event_of, payloads) if e is not None]

    def lost(self, err: BaseException) -> None:
        """The listening connection failed (the database restarted, a proxy cut it): drop it; the next
        ``fileno`` connects again and sets ``reconnected``."""
        log.warning("The connection that hears tries' ends was lost (%s); reconnecting.", " ".join(str(err).split()))
        self._drop()

    def close(self) -> None:
        self._drop()

    def _connect(self) -> None:
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as err:
            log.warning("Cannot listen for tries' ends (%s); trying again in %g s.", err, self.retry_every)
            self._next_attempt = time.monotonic() + self.retry_every
            return
        self._conn = conn
        self.reconnected = True

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError as err:
                log.debug("Closing a dropped listening connection: %s", err)
            self._conn = None
        self._next_attempt = time.monotonic()
