"""The scheduler's PostgreSQL listening connection (``TryEventListener``) cut or closed under it: no
error escapes, it connects again, says so (ends sent meanwhile are read from the store), and hears
what is sent next."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import psycopg
import pytest

from headwater.executors.base import EventKind, ExecutorEvent, WorkItem, event_to_message
from headwater.executors.try_events import CHANNEL, TryEventListener, libpq_url


@pytest.fixture
def listener(postgres_database: str) -> Iterator[TryEventListener]:
    opened = TryEventListener(postgres_database, retry_every=0.1)
    yield opened
    opened.close()


def _notify(url: str, try_number: int) -> None:
    item = WorkItem("t", -1, try_number, dag_id="d", run_id="r")
    payload = json.dumps(event_to_message(ExecutorEvent(item, EventKind.DISCARDED, detail="x")))
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def _heard(listener: TryEventListener) -> list[int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listener.fileno()
        found = [e.item.try_number for e in listener.drain()]
        if found:
            return found
        time.sleep(0.05)
    return []


def test_a_listening_connection_terminated_by_the_server_is_reopened(
    listener: TryEventListener, postgres_database: str
) -> None:
    assert listener.fileno() is not None
    listener.reconnected = False
    with psycopg.connect(libpq_url(postgres_database), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (listener._conn.info.backend_pid,))

    deadline = time.monotonic() + 10  # the backend ends a moment after it is told to: read until it has
    while not listener.reconnected and time.monotonic() < deadline:
        listener.drain()
        listener.fileno()
        time.sleep(0.05)
    _notify(postgres_database, 2)

    assert listener.reconnected
    assert _heard(listener) == [2]


def test_a_listening_connection_closed_under_it_is_reopened(listener: TryEventListener, postgres_database: str) -> None:
    assert listener.fileno() is not None
    listener.reconnected = False
    listener._conn.close()

    first = listener.fileno()
    second = listener.fileno()
    _notify(postgres_database, 3)

    assert first is None and second is not None
    assert _heard(listener) == [3] and listener.reconnected
