"""``LocalExecutor``: a pool of long-lived worker processes on this machine.

Workers are started on demand up to ``parallelism`` and kept: each caches the DAG files it has
imported and its database connection, so a task starts in milliseconds. Work goes out and results
come back as small JSON messages over pipes; the scheduler wakes the moment a result arrives.

A worker may die at any moment (an OOM kill, a segfault in a library, a person's ``kill``). One that
dies mid-try is reported as ``LOST`` with its exit status, for the scheduler to retry or fail the try.
One found dead when a try is handed to it (idle, or between a check and the send) is buried and the
try goes to a fresh worker: the failed send proves it never read the message. Nothing here raises
because a worker died. A worker that hangs (stopped, deadlocked) stops renewing its try's lease: once
the lease is older than the timeout it is killed, and its try reported lost saying so.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import pendulum
from sqlalchemy.exc import DBAPIError

from headwater.executors.base import (
    EventKind,
    ExecutorEvent,
    WorkItem,
    event_from_message,
    event_to_message,
)
from headwater.model.states import TaskState
from headwater.model.timetables import to_utc
from headwater.store.sql_scheduling import TryLease

Key = tuple[str, str, str, int]

log = logging.getLogger("headwater.executor")

_DELIVERY_ATTEMPTS = 3
"""Workers a try is offered to before it is reported lost (each failed send buries a dead worker)."""
_SPAWN_BACKOFF = 1.0
"""Seconds without counting on a new worker after the machine refused one."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    item: WorkItem | None = None
    killed_because: str | None = None
    """Why this executor killed it (a hung try), for the lost try's reason."""


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "the worker process vanished"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process was killed by {name}"
    return f"the worker process exited with status {code}"


def _ours_running(lease: TryLease | None, worker: _Worker) -> bool:
    """Whether the row shows the worker's own try running, claimed by that very process."""
    item = worker.item
    return (
        lease is not None
        and item is not None
        and lease.state is TaskState.RUNNING
        and lease.try_number == item.try_number
        and lease.pid == worker.process.pid
    )


class LocalExecutor:
    """Runs tries in worker processes; reports ``ENDED`` (recorded by the worker) or ``LOST``."""

    records_queued = False
    on_this_machine = True
    """A try goes straight to a worker: nothing waits where it could be lost."""

    def __init__(
        self,
        parallelism: int,
        *,
        heartbeat_interval: float = 5.0,
        leases: Callable[[Iterable[Key]], dict[Key, TryLease]] | None = None,
        lease_timeout: float = 60.0,
    ) -> None:
        if parallelism < 1:
            raise ValueError(f"[core] parallelism must be at least 1; got {parallelism}.")
        self.parallelism = parallelism
        self.heartbeat_interval = heartbeat_interval
        self.leases, self.lease_timeout = leases, lease_timeout
        """Where running tries' leases are read (the store), and how old one may grow before its worker is
        taken for hung; without ``leases``, hung workers are not looked for."""
        self._next_lease_check = 0.0
        self._leases_read_since: float | None = None
        """Since when lease reads have succeeded without a break (after one fails, workers could not renew
        theirs either: every lease gets a full timeout again)."""
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._undelivered: list[ExecutorEvent] = []
        """Tries no worker could take, reported ``UNSTARTED`` by the next ``events`` call."""
        self._no_spawn_until = 0.0
        """Until when no new worker is counted on (starting one failed): the scheduler waits, not spins."""

    @property
    def open_slots(self) -> int:
        free = self.parallelism - sum(1 for w in self._workers if w.item is not None)
        if time.monotonic() < self._no_spawn_until:  # the machine refused a process a moment ago: idle ones only
            free = min(free, sum(1 for w in self._workers if w.item is None))
        return free

    def running_here(self, key: tuple[str, str, str, int], try_number: int) -> bool:
        return any(
            w.item is not None and w.item.ti_key == key and w.item.try_number == try_number for w in self._workers
        )

    @property
    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def submit(self, work: WorkItem) -> None:
        """Hand a try to an idle worker, started if need be. A worker found dead is buried and the try goes
        to another; a try no worker could take is reported ``UNSTARTED`` by the next ``events`` call."""
        message = json.dumps(work.to_message()).encode()
        for _ in range(_DELIVERY_ATTEMPTS):
            worker = self._idle_worker()
            if worker is None:
                break
            if self._send(worker, message, work):
                worker.item = work
                return
        detail = "no worker process could be started to take it"
        log.error("%s try %d: %s.", work.ti_key, work.try_number, detail)
        self._undelivered.append(ExecutorEvent(work, EventKind.UNSTARTED, detail=detail))

    def warm(self, files: Sequence[str]) -> None:
        """Start the workers a machine this size keeps busy, and have each import ``files`` now, so the
        first tasks of a run do not wait for their DAG file to be parsed."""
        wanted = min(self.parallelism, os.cpu_count() or 1)
        while len(self._workers) < wanted and self._spawn() is not None:
            pass
        message = json.dumps({"warm": list(files)}).encode()
        for worker in list(self._workers):
            if worker.item is None:
                self._send(worker, message, None)

    def terminate(self, keys: Iterable[tuple[str, str, str, int]]) -> None:
        """Stop the tries running these task instances (their state was changed from outside)."""
        wanted = set(keys)
        for worker in self._workers:
            if worker.item is not None and worker.item.ti_key in wanted:
                worker.process.terminate()  # SIGTERM, unless the process was reaped already (no stray pid)

    def _idle_worker(self) -> _Worker | None:
        """An idle worker that is alive (dead ones are buried on the way), or a new one; None when a new
        one cannot be started."""
        for worker in list(self._workers):
            if worker.item is None and not worker.process.is_alive():
                self._remove(worker)
                log.warning("An idle worker died (%s); it is replaced.", _describe_exit(worker.process.exitcode))
        idle = next((w for w in self._workers if w.item is None), None)
        if idle is not None:
            return idle
        if len(self._workers) >= self.parallelism:
            raise RuntimeError("LocalExecutor.submit called with no open slot; check open_slots first.")
        return self._spawn()

    def _send(self, worker: _Worker, message: bytes, work: WorkItem | None) -> bool:
        """Send to a worker; False (the worker buried) when it is gone. A send that fails was not read."""
        try:
            worker.conn.send_bytes(message)
        except (OSError, ValueError) as err:  # EPIPE, ECONNRESET; ValueError: the pipe was closed already
            self._remove(worker)
            what = f"{work.ti_key} try {work.try_number}" if work is not None else "DAG files to import"
            log.warning(
                "A worker process died before taking %s (%s; %s); it is replaced.",
                what,
                err,
                _describe_exit(worker.process.exitcode),
            )
            return False
        return True

    def _spawn(self) -> _Worker | None:
        """Start a worker; None (logged) when the machine refuses a new process."""
        try:
            ours, theirs = self._context.Pipe(duplex=True)
        except OSError as err:  # EMFILE: out of file descriptors
            self._cannot_spawn(err)
            return None
        process = self._context.Process(
            target=worker_main,
            args=(theirs, self.heartbeat_interval),
            name="headwater-worker",
            daemon=False,
        )
        try:
            process.start()
        except OSError as err:  # EAGAIN, ENOMEM: out of processes or memory
            ours.close()
            theirs.close()
            self._cannot_spawn(err)
            return None
        theirs.close()
        worker = _Worker(process, ours)
        self._workers.append(worker)
        return worker

    def _cannot_spawn(self, err: OSError) -> None:
        log.error("Could not start a worker process (%s); trying again in %g s.", err, _SPAWN_BACKOFF)
        self._no_spawn_until = time.monotonic() + _SPAWN_BACKOFF

    def events(self, timeout: float, wake: Sequence[Any] = ()) -> Iterator[ExecutorEvent]:
        """Wait up to ``timeout`` seconds for results (or a ``wake`` handle); yield every result ready."""
        if self._undelivered:
            timeout = 0.0
        while self._undelivered:
            yield self._undelivered.pop(0)
        watched: dict[Any, _Worker] = {}
        for worker in self._workers:
            watched[worker.conn] = worker
            watched[worker.process.sentinel] = worker
        if not watched and not wake:
            if timeout > 0:
                time.sleep(timeout)
            return
        ready = wait([*watched, *wake], timeout=max(timeout, 0.0))
        dead: list[_Worker] = []
        for handle in ready:
            owner = watched.get(handle)
            if owner is None:  # a wake handle: the caller drains it
                continue
            if handle is owner.conn:
                try:
                    event = event_from_message(json.loads(owner.conn.recv_bytes()))
                except (EOFError, OSError):  # it died, maybe mid-report: its try is reported lost
                    event = None
                except (ValueError, KeyError, TypeError, AssertionError) as err:
                    log.error("A worker sent a report that cannot be read (%s); it is replaced.", err)
                    event = None
                if event is None:
                    if owner not in dead:
                        dead.append(owner)
                    continue
                owner.item = None
                yield event
            elif owner not in dead:
                dead.append(owner)
        for gone in dead:
            yield from self._bury(gone)
        self._kill_hung()

    def _kill_hung(self) -> None:
        """Kill the workers whose running try's lease has expired: stopped or deadlocked, they would hold their
        try (and slot) forever. The process's death is then reported as the try's loss, saying why."""
        if self.leases is None or time.monotonic() < self._next_lease_check:
            return
        self._next_lease_check = time.monotonic() + self.heartbeat_interval
        busy = {w.item.ti_key: w for w in self._workers if w.item is not None and w.killed_because is None}
        if not busy:
            return
        try:
            leases = self.leases(busy)
        except DBAPIError as err:
            self._leases_read_since = None
            log.warning("Could not read the leases of running tries (%s); hung workers are looked for later.", err)
            return
        if self._leases_read_since is None:
            self._leases_read_since = time.monotonic()
        if time.monotonic() - self._leases_read_since < self.lease_timeout:
            return
        now = pendulum.now("UTC")
        for key, worker in busy.items():
            lease = leases.get(key)
            if not _ours_running(lease, worker) or lease is None or lease.heartbeat_at is None:
                continue
            silent = (now - to_utc(lease.heartbeat_at)).total_seconds()
            if silent > self.lease_timeout:
                worker.killed_because = (
                    f"its worker (pid {lease.pid}) hung: no heartbeat for {silent:.0f} s, more than "
                    f"[scheduler] task_instance_heartbeat_timeout ({self.lease_timeout:g} s), so it was killed"
                )
                log.warning("Killing worker %s: %s.", lease.pid, worker.killed_because)
                worker.process.kill()

    def _bury(self, worker: _Worker) -> Iterator[ExecutorEvent]:
        self._remove(worker)
        item, worker.item = worker.item, None
        if item is not None:
            detail = worker.killed_because or _describe_exit(worker.process.exitcode)
            log.info(  # the scheduler logs what becomes of the try, with this detail
                "Worker %s: %s while running task %s of %s, run %s, try %d.",
                worker.process.pid,
                detail,
                item.task_id,
                item.dag_id,
                item.run_id,
                item.try_number,
            )
            yield ExecutorEvent(item, EventKind.LOST, detail=detail)

    def _remove(self, worker: _Worker) -> None:
        """Forget a worker whose pipe or process is gone, reaping its process (killed if it lingers)."""
        if worker in self._workers:
            self._workers.remove(worker)
        worker.conn.close()
        worker.process.join(timeout=5)
        if worker.process.is_alive():  # its pipe broke but it lives on: it can take no more work
            worker.process.kill()
            worker.process.join(timeout=5)

    def shutdown(self, *, wait: bool = True) -> None:
        """Close the pipes: idle workers exit at once, busy ones after recording their try."""
        for worker in self._workers:
            worker.conn.close()
        for worker in self._workers:
            worker.process.join(timeout=None if wait else 1)
            if worker.process.is_alive():
                worker.process.terminate()
        self._workers.clear()


def worker_main(conn: Connection, heartbeat_interval: float) -> None:
    """A worker process: run each work item received until the scheduler goes away."""
    from headwater.config import Settings
    from headwater.executors.task_process import TaskProcess
    from headwater.store.sql import SqlStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the scheduler, which shuts workers down
    _log_to_stderr()
    settings = Settings.load()
    from headwater.store.xcom import configure

    store = SqlStore(settings.sql_alchemy_conn, xcom_backend=configure(settings))
    process = TaskProcess(settings, store, heartbeat_interval=heartbeat_interval)
    signal.signal(signal.SIGTERM, process.on_sigterm)
    try:
        while True:
            try:
                raw = conn.recv_bytes()
            except (EOFError, OSError):
                return
            message = json.loads(raw)
            if "warm" in message:
                process.warm(message["warm"])
                continue
            event = process.execute(WorkItem.from_message(message))
            try:
                conn.send_bytes(json.dumps(event_to_message(event)).encode())
            except OSError:
                return
    finally:
        store.close()


def _log_to_stderr() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"[%(asctime)s] {{{os.getpid()}}} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
