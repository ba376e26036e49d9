"""``CeleryExecutor``: tries published to a Celery broker (Redis or RabbitMQ), run by ``headwater celery
worker`` processes on any machine that reaches the broker and the PostgreSQL metadata database.

The scheduler still decides everything; workers only claim, run and record tries. Ends come back as
PostgreSQL notifications sent in the transaction that records them. Every ``heartbeat_interval`` the
executor reads the rows of its in-flight tries (never the whole table) to catch what no message
reports: a try whose lease ran out (its worker died), an end whose notification was missed while the
listening connection was down, and tries that were queued but never started when the broker forgot
its messages (a restarted Redis keeps nothing), which are published again. Every claim is guarded in
the store, so a try delivered twice still runs once.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy.exc import DBAPIError

from headwater.config import Settings
from headwater.executors.base import EventKind, ExecutorEvent, WorkItem
from headwater.executors.celery_app import TASK_NAME, make_app
from headwater.executors.message_trust import message_secret, sign
from headwater.executors.try_events import TryEventListener
from headwater.model.states import TaskState
from headwater.model.timetables import to_utc
from headwater.store.sql import SqlStore
from headwater.store.sql_scheduling import TryLease

log = logging.getLogger("headwater.executor")

Key = tuple[str, str, str, int]
MARKER_QUEUE = "headwater.broker-memory"
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def celery_task_id(item: WorkItem) -> str:
    """One Celery task id per try, so a try can be revoked by its key."""
    return f"{item.dag_id}|{item.run_id}|{item.task_id}|{item.map_index}|{item.try_number}"


def broker_errors(app: Any) -> tuple[type[BaseException], ...]:
    """What a broker that is down or restarting raises, whichever transport it is."""
    from kombu.exceptions import OperationalError

    connection = app.connection_for_write()
    try:
        return (OperationalError, OSError, *connection.connection_errors, *connection.channel_errors)
    finally:
        connection.release()


class BrokerMemory:
    """A marker message in a queue of its own, durable like the tries' messages: when the marker is gone,
    the broker has forgotten its queued messages (a Redis that keeps nothing on disk was restarted)."""

    def __init__(self, app: Any) -> None:
        from kombu.entity import Exchange, Queue

        self.app = app
        exchange = Exchange(MARKER_QUEUE, type="direct")  # type: ignore[no-untyped-call]
        self.queue = Queue(MARKER_QUEUE, exchange, MARKER_QUEUE, durable=True)  # type: ignore[no-untyped-call]
        self._conn: Any = None
        self.errors = broker_errors(app)

    def forgot(self) -> bool:
        """True when a marker placed earlier is gone (a new one is placed); raises when the broker is down."""
        try:
            if self.depth(MARKER_QUEUE):
                return False
            with self._conn.channel() as channel:
                producer = self._conn.Producer(channel)
                producer.publish(
                    {"placed": time.time()},
                    exchange=self.queue.exchange,
                    routing_key=MARKER_QUEUE,
                    declare=[self.queue],
                    delivery_mode=2,
                    serializer="json",
                )
            return True
        except self.errors:
            self.close()
            raise

    def depth(self, queue: str) -> int:
        """Messages waiting in a queue (not those a worker has taken); raises when the broker is down."""
        from kombu.exceptions import ChannelError

        try:
            if self._conn is None:
                self._conn = self.app.connection_for_write()
            self._conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            with self._conn.channel() as channel:
                try:
                    _, count, _ = channel.queue_declare(queue, passive=True)
                except ChannelError:  # no such queue: nothing waits in it
                    return 0
            return int(count)
        except self.errors:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.release()
            self._conn = None


class CeleryExecutor:
    """Publishes tries to Celery queues; hears their ends from PostgreSQL; checks their leases."""

    records_queued = True
    on_this_machine = False
    """Workers may share this host's name from other machines' or containers' PID namespaces."""
    """Messages wait in a broker that may lose them: a try is recorded queued before it is published."""

    def __init__(self, settings: Settings, store: SqlStore, *, app: Any = None) -> None:
        self.settings, self.store = settings, store
        self.app = app if app is not None else make_app(settings)
        self.secret = message_secret(settings)
        """What every published message is signed with: workers refuse a message without its signature."""
        self.parallelism = settings.parallelism
        self.dags_folder = settings.dags_folder.resolve()
        self.inflight: dict[Key, WorkItem] = {}
        self.sent: dict[Key, tuple[float, float]] = {}
        """When each in-flight try was first published, and last."""
        self.unsent: dict[Key, WorkItem] = {}
        self.listener = TryEventListener(settings.sql_alchemy_conn)
        self.memory = BrokerMemory(self.app)
        self.check_every = settings.heartbeat_interval
        self._next_check = 0.0
        self._next_send = 0.0
        self._send_backoff = 0.5
        self._watching_since: float | None = None
        """Since when the leases could be read without a break (None: not since the database failed)."""
        self._marker_seen = False
        self._broker_up = True

    @property
    def open_slots(self) -> int:
        return self.parallelism - len(self.inflight)

    def running_here(self, key: Key, try_number: int) -> bool:
        item = self.inflight.get(key)
        return item is not None and item.try_number == try_number

    def submit(self, work: WorkItem) -> None:
        item = replace(work, fileloc=self._portable(work.fileloc), queue=self._queue_of(work.queue))
        self.inflight[item.ti_key] = item
        self._publish(item)

    def warm(self, files: Sequence[str]) -> None:
        """Workers import DAG files on their first try; here, only the listening connection is opened."""
        self.listener.fileno()

    def terminate(self, keys: Iterable[Key]) -> None:
        """Revoke the tries of these instances on whichever worker runs them (their heartbeats would stop
        them too, a beat later)."""
        ids = [celery_task_id(self.inflight[k]) for k in keys if k in self.inflight]
        if not ids:
            return
        try:
            self.app.control.revoke(ids, terminate=True, signal="SIGTERM")
        except self.memory.errors as err:
            log.warning("Could not revoke %d tries (%s); their heartbeats stop them.", len(ids), err)

    def events(self, timeout: float, wake: Sequence[Any] = ()) -> Iterator[ExecutorEvent]:
        """Wait up to ``timeout`` seconds for a try's end (or a ``wake`` handle); yield what is known."""
        now = time.monotonic()
        if self.unsent and now >= self._next_send:
            for item in list(self.unsent.values()):
                if not self._publish(item):
                    break
        if now >= self._next_check:
            self._next_check = now + self.check_every
            yield from self._take(self.listener.drain())
            yield from self._check()
        handle = self.listener.fileno()
        if self.listener.reconnected:  # ends sent while nobody listened are read from the store
            self.listener.reconnected = False
            yield from self._check()
        handles: list[Any] = [*wake, handle] if handle is not None else list(wake)
        wait = max(0.0, min(timeout, self._next_check - time.monotonic()))
        if self.unsent:
            wait = min(wait, 0.5)
        if handles:
            try:
                select.select(handles, [], [], wait)
            except (OSError, ValueError) as err:  # the listening connection's socket went away under us
                self.listener.lost(err)
        elif wait:
            time.sleep(wait)
        yield from self._take(self.listener.drain())

    def shutdown(self, *, wait: bool = True) -> None:
        """Tries in flight go on on their workers; a scheduler started later adopts them."""
        self.listener.close()
        self.memory.close()

    # -- internals --------------------------------------------------------------------------------------

    def _portable(self, fileloc: str) -> str:
        """A DAG file under the DAGs folder travels as a path relative to it, for workers whose DAGs folder
        is mounted elsewhere."""
        try:
            return str(Path(fileloc).relative_to(self.dags_folder))
        except ValueError:
            return fileloc

    def _queue_of(self, queue: str) -> str:
        return self.settings.celery_default_queue if queue == "default" else queue

    def _publish(self, item: WorkItem) -> bool:
        """Send a try's message; one that cannot be sent now is kept and sent again (True when sent)."""
        if self.unsent and time.monotonic() < self._next_send:
            self.unsent[item.ti_key] = item  # the broker was down a moment ago: keep the order, try later
            return False
        try:
            self.app.send_task(
                TASK_NAME,
                args=[sign(item.to_message(), self.secret)],
                queue=item.queue,
                task_id=celery_task_id(item),
                retry=True,
                retry_policy=_PUBLISH_RETRY,
            )
        except self.memory.errors as err:
            if not self.unsent:
                log.warning(
                    "Could not publish %s try %d (%s); tries are sent when the broker is back.",
                    item.ti_key,
                    item.try_number,
                    err,
                )
            self.unsent[item.ti_key] = item
            self._next_send = time.monotonic() + self._send_backoff
            self._send_backoff = min(self._send_backoff * 2, 10.0)
            return False
        now = time.monotonic()
        first, _ = self.sent.get(item.ti_key, (now, now))
        self.sent[item.ti_key] = (first, now)
        self.unsent.pop(item.ti_key, None)
        self._send_backoff = 0.5
        return True

    def _take(self, events: list[ExecutorEvent]) -> Iterator[ExecutorEvent]:
        for event in events:
            key, mine = event.item.ti_key, self.inflight.get(event.item.ti_key)
            if mine is not None and mine.try_number != event.item.try_number:
                continue  # a message about an earlier try of an instance now in flight again
            if event.kind is EventKind.REFUSED and (mine is None or event.item.queued_by != mine.queued_by):
                log.warning("A worker refused a message for %s that is not in flight here: %s", key, event.detail)
                continue  # not a try of ours (a replayed message): it changes nothing
            if event.kind is EventKind.DISCARDED and mine is not None:
                if event.item.queued_by != mine.queued_by:
                    continue  # a message an earlier scheduler published: ours is still on its way
                lease = self.store.try_leases([key]).get(key)
                if _verdict(mine, lease, pendulum.now("UTC"), float("inf")) is None:
                    continue  # a second delivery refused while ours waits or runs: that one reports
            self._forget(key)
            yield event

    def _forget(self, key: Key) -> None:
        self.inflight.pop(key, None)
        self.sent.pop(key, None)
        self.unsent.pop(key, None)

    def _check(self) -> Iterator[ExecutorEvent]:
        """What no notification reports: lost tries, missed ends, and tries the broker forgot."""
        forgot = self._broker_forgot()
        if not self.inflight:
            return
        try:
            leases = self.store.try_leases(self.inflight)
        except DBAPIError:
            self._watching_since = None  # workers could not renew their leases either
            raise
        limit = self.settings.task_instance_heartbeat_timeout
        now, clock = pendulum.now("UTC"), time.monotonic()
        if self._watching_since is None:
            self._watching_since = clock
        settled = clock - self._watching_since >= limit
        republish = []
        for key, item in list(self.inflight.items()):
            lease = leases.get(key)
            verdict = _verdict(item, lease, now, limit)
            if verdict is not None and verdict[0] is EventKind.LOST and not settled:
                continue  # after an outage, every lease gets a full timeout to be renewed first
            if verdict is None and lease is not None and lease.state is TaskState.QUEUED:
                first, last = self.sent.get(key, (clock, clock))
                waited = self.settings.task_queued_timeout
                if clock - first > waited:
                    why = (
                        f"it stayed queued for more than {waited:g} s: no worker took it from queue {item.queue!r}"
                        " (if workers listen on it, look in their logs for 'Refused': a worker whose [celery]"
                        " message_secret differs from the scheduler's refuses every message)"
                    )
                    verdict = EventKind.LOST, f"{why} ([scheduler] task_queued_timeout)"
                elif key not in self.unsent and (forgot or clock - last > limit):
                    republish.append(item)
            if verdict is None:
                continue
            kind, detail = verdict
            self._forget(key)
            if kind is EventKind.LOST:
                log.error("%s try %d: %s.", key, item.try_number, detail)
            yield ExecutorEvent(item, kind, detail=detail)
        if not forgot:  # a long wait is no loss while messages still wait in the queue
            depths = {queue: self._queue_depth(queue) for queue in {item.queue for item in republish}}
            republish = [item for item in republish if not depths[item.queue]]
        if republish:
            why = (
                "the broker lost its queued messages (restarted without persistence?)"
                if forgot
                else "their queue is empty, so their messages were lost (a worker died before starting them?)"
            )
            log.warning("Publishing %d queued tries again: %s.", len(republish), why)
            for item in republish:
                self._publish(item)

    def _queue_depth(self, queue: str) -> int:
        try:
            return self.memory.depth(queue)
        except self.memory.errors:
            return 1  # the broker is down: publish nothing now

    def _broker_forgot(self) -> bool:
        try:
            placed = self.memory.forgot()
        except self.memory.errors as err:
            if self._broker_up:
                log.warning("The broker is unreachable (%s); tries are published when it is back.", err)
            self._broker_up = False
            return False
        self._broker_up = True
        forgot, self._marker_seen = placed and self._marker_seen, True
        return forgot


def _verdict(
    item: WorkItem, lease: TryLease | None, now: pendulum.DateTime, limit: float
) -> tuple[EventKind, str] | None:
    """What the row says of an in-flight try: None while it is queued or running with a live lease."""
    if lease is None:
        return EventKind.DISCARDED, "its task instance is gone"
    if lease.try_number != item.try_number or lease.state is None or lease.state is TaskState.SCHEDULED:
        return EventKind.DISCARDED, "its task instance was reset"
    if lease.state is TaskState.QUEUED:
        return None
    if lease.state is TaskState.RUNNING:
        beat = lease.heartbeat_at
        if beat is not None and (now - to_utc(beat)).total_seconds() <= limit:
            return None
        where = f"{lease.hostname or 'an unknown host'} (pid {lease.pid})"
        return EventKind.LOST, f"its lease expired: no heartbeat from {where} for more than {limit:g} s"
    return EventKind.UNREPORTED, "its end is recorded but was not heard"
