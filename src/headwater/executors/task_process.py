"""What a worker does with one work item: claim the try, run it, record how it ended.

The worker, not the scheduler, writes the try's end, its XComs and the skips it caused, in one
transaction: once a try has succeeded the record says so, whatever happens to the scheduler next.
Each step is guarded (see ``store.sql_scheduling``), so a message delivered twice runs a try once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pendulum
from sqlalchemy.exc import DBAPIError

from headwater import planning
from headwater.config import Settings
from headwater.errors import HeadwaterError, UnsafePath
from headwater.executors.base import EventKind, ExecutorEvent, WorkItem
from headwater.executors.dag_file_cache import DagFileCache
from headwater.executors.message_trust import RefusedMessage, confined_dag_file
from headwater.executors.try_events import payload_of
from headwater.model.mapping import MissingMapInput
from headwater.model.states import TaskState
from headwater.planning import RunSnapshot
from headwater.runtime.environment import run_environment
from headwater.runtime.logs import log_path, output_to
from headwater.runtime.runner import TaskOutcome, run_task
from headwater.runtime.xcom_access import ExpansionPuller, RunXComs
from headwater.store.records import DagRunRecord
from headwater.store.sql import SqlStore
from headwater.store.sql_scheduling import TryEnd
from headwater.store.xcom.base import BaseXCom, purge_rows, purges

log = logging.getLogger("headwater.worker")


T = TypeVar("T")


class TaskTerminated(BaseException):
    """Raised in the task's code when the try must stop; not an ``Exception``, so user code that catches
    every error does not swallow it."""


def _persist(write: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A write that must happen (a try's claim or its outcome): retried, with a growing pause, while the
    database is locked or unreachable, so that a busy or restarting database never loses a result."""
    pause = 0.05
    while True:
        try:
            return write(*args, **kwargs)
        except DBAPIError as err:
            log.warning("Recording the try failed (%s); retrying in %.2f s.", " ".join(str(err.orig).split()), pause)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


class Heartbeat:
    """Renews the lease of the try this worker is running, every ``interval`` seconds, from one thread
    that lives as long as the worker."""

    def __init__(self, store: SqlStore, pid: int, interval: float) -> None:
        self.store, self.pid, self.interval = store, pid, interval
        self._current: WorkItem | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def beating(self, item: WorkItem) -> Iterator[None]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="headwater-heartbeat", daemon=True)
            self._thread.start()
        with self._lock:
            self._current = item
        try:
            yield
        finally:
            with self._lock:
                self._current = None

    def _beat(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                item = self._current
                if item is None:
                    continue
                now = pendulum.now("UTC")
                try:
                    renewed = self.store.heartbeat(item.ti_key, try_number=item.try_number, pid=self.pid, now=now)
                except DBAPIError as err:  # the next beat tries again; the lease has slack for this
                    log.warning("Could not renew the lease of %s: %s", item.ti_key, " ".join(str(err.orig).split()))
                    continue
                if not renewed and self._current is item:
                    log.warning("%s try %d is no longer running here; stopping it.", item.ti_key, item.try_number)
                    os.kill(self.pid, signal.SIGTERM)


@dataclass
class TaskProcess:
    """The state a worker keeps between work items: settings, the store, parsed DAG files."""

    settings: Settings
    store: SqlStore
    dags: DagFileCache = field(default_factory=DagFileCache)
    hostname: str = field(default_factory=socket.gethostname)
    heartbeat_interval: float = 5.0
    notify_channel: str | None = None
    """Where to announce each try's end (a PostgreSQL channel), for a scheduler that is not our parent."""
    confined: bool = False
    """Whether work items come from outside this machine's trust (a broker): then a DAG file must be named
    inside the DAGs folder and come with its digest, or the item is refused."""
    _runs: dict[tuple[str, str], tuple[DagRunRecord, Any]] = field(default_factory=dict)
    _base_context: tuple[Any, dict[str, Any]] = (None, {})
    """Runs seen recently, with their previous successful run: both are fixed while a run is running."""
    _heartbeat: Heartbeat | None = None
    running: bool = False
    _xcoms: RunXComs | None = None
    """The XComs of the try running now, until it ends."""
    """Whether a task's code is running now: only then does SIGTERM stop it."""

    def __post_init__(self) -> None:
        if self.dags.root is None:
            self.dags.root = self.settings.dags_folder

    def on_sigterm(self, _signum: int, _frame: object) -> None:
        """SIGTERM stops the running task's code (the executor sends it when the try must end)."""
        if self.running:
            raise TaskTerminated("its process was sent SIGTERM (its state was changed, or its worker was stopped)")
        raise SystemExit(0)  # an idle worker told to stop just stops

    def _discard_unwritten(self) -> list[Any]:
        """A try stopped before it ended: what it pushed is never written, so data offloaded for it goes."""
        xcoms, self._xcoms = self._xcoms, None
        if xcoms is not None:
            purge_rows(xcoms.backend, xcoms.pending_added)
        return []

    def warm(self, files: list[str]) -> None:
        """Import DAG files ahead of their first task (errors surface when a task needs the file)."""
        for fileloc in files:
            try:
                self.dags.load(fileloc)
            except OSError as err:
                log.warning("Could not read %s ahead of time: %s", fileloc, err)

    @property
    def backend(self) -> type[BaseXCom]:
        return self.store.xcom_backend or BaseXCom

    def execute(self, item: WorkItem) -> ExecutorEvent:
        pid = os.getpid()
        try:
            fileloc = self._dag_file(item)
        except RefusedMessage as refusal:
            log.error("Refused %s try %d: %s. Nothing was imported or run.", item.ti_key, item.try_number, refusal)
            return self._announce(ExecutorEvent(item, EventKind.REFUSED, detail=f"the worker refused it: {refusal}"))
        if item.file_hash is not None:
            theirs = self.dags.differs(fileloc, item.file_hash)
            if theirs is not None:  # never run code the scheduler has not parsed: it decides what happens
                return self._announce(ExecutorEvent(item, EventKind.FILE_CHANGED, detail=theirs))
        now = pendulum.now("UTC")

        def claim() -> bool:
            nonlocal now
            now = pendulum.now("UTC")  # the lease starts when the claim is written, however long that took
            return self.store.begin_try(
                item.ti_key,
                try_number=item.try_number,
                queued_by=item.queued_by,
                hostname=self.hostname,
                pid=pid,
                now=now,
            )

        claimed = _persist(claim)
        if not claimed:
            return self._announce(
                ExecutorEvent(item, EventKind.DISCARDED, detail="the try is no longer the one queued")
            )
        unsafe: UnsafePath | None = None
        try:
            path: Path | None = log_path(
                self.settings.home / "logs", item.dag_id, item.run_id, item.task_id, item.map_index, item.try_number
            )
        except UnsafePath as err:  # ids stored unchecked: the try fails, its output written nowhere
            path, unsafe = None, err
        if self._heartbeat is None:
            self._heartbeat = Heartbeat(self.store, pid, self.heartbeat_interval)
        with output_to(path) if path is not None else nullcontext(), self._heartbeat.beating(item):
            try:
                self.running = True
                if unsafe is not None:
                    raise unsafe
                outcome, pushed = self._run(item, fileloc, now)
            except HeadwaterError as err:  # the DAG or its run cannot be loaded: the try fails, with why
                log.error("%s", err)
                outcome = TaskOutcome(
                    item.task_id, item.map_index, TaskState.FAILED, item.try_number, now, pendulum.now("UTC"), str(err)
                )
                pushed = self._discard_unwritten()
            except TaskTerminated as stop:
                log.warning("Task %r was stopped: %s", item.task_id, stop)
                self._discard_unwritten()
                # Nothing is recorded: the scheduler decides, from the row, what a stopped try becomes (its
                # state was changed from outside, or its retries decide if the worker was being shut down).
                return self._announce(ExecutorEvent(item, EventKind.LOST, detail=str(stop)))
            finally:
                self.running = False
                self._xcoms = None
        skipped = _persist(self._skips_of, item, outcome)
        end = TryEnd(
            state=outcome.state,
            reason=outcome.reason,
            end_date=outcome.end,
            duration=(outcome.end - outcome.start).total_seconds(),
            next_retry_at=outcome.retry_at,
            xcoms=pushed,
            skipped=skipped,
        )
        ended = ExecutorEvent(item, EventKind.ENDED, outcome, recorded=True, skipped=skipped)
        notify = (self.notify_channel, payload_of(ended)) if self.notify_channel else None
        if not _persist(self.store.end_try, item.ti_key, try_number=item.try_number, pid=pid, end=end, notify=notify):
            backend = self.backend
            if pushed and purges(backend):  # nothing references what this try offloaded: it goes
                purge_rows(backend, pushed)
            return self._announce(
                ExecutorEvent(item, EventKind.DISCARDED, detail="the try was taken away while it ran")
            )
        return ended

    def _announce(self, event: ExecutorEvent) -> ExecutorEvent:
        """Tell a listening scheduler about a try that was not run or not recorded here."""
        if self.notify_channel:
            _persist(self.store.notify, self.notify_channel, payload_of(event))
        return event

    def _run(self, item: WorkItem, fileloc: str, started: pendulum.DateTime) -> tuple[TaskOutcome, list[Any]]:
        dag = self.dags.dag(fileloc, item.dag_id, item.file_hash)
        run, previous_success = self._run_of(item)
        task = dag.task_dict.get(item.task_id)
        if task is None:
            raise HeadwaterError(f"DAG {item.dag_id!r} has no task {item.task_id!r} any more ({item.fileloc}).")
        env = run_environment(
            dag,
            run,
            backend=self.backend,
            now=lambda: pendulum.now("UTC"),
            previous_success=previous_success,
            settings=self.settings,
            xcom_loader=lambda task_id: self.store.xcoms_of(item.dag_id, item.run_id, task_id),
            history=self.store,
        )
        self._xcoms = env.xcoms
        base_key = (id(dag), item.dag_id, item.run_id)
        if self._base_context[0] == base_key:  # the run's part of the context is the same for all its tasks
            env._base = self._base_context[1]
        else:
            self._base_context = (base_key, env.base_context())
        mapped_kwargs: dict[str, Any] | None = None
        unrendered: frozenset[str] | None = None
        if task.is_mapped and item.map_index >= 0:
            try:
                rows, unrendered = task.expansion({"ti": ExpansionPuller(env.xcoms)})
            except MissingMapInput as err:
                raise HeadwaterError(f"Task {item.task_id!r} cannot read its mapped input: {err}") from None
            if item.map_index >= len(rows):
                raise HeadwaterError(
                    f"Task {item.task_id!r} has {len(rows)} mapped inputs now, none for map index {item.map_index}."
                )
            mapped_kwargs = rows[item.map_index]
        outcome = run_task(
            env,
            task,
            map_index=item.map_index,
            try_number=item.try_number,
            mapped_kwargs=mapped_kwargs,
            unrendered=unrendered,
            max_tries=item.max_tries,
        )
        return outcome, list(env.xcoms.pending_added)

    def _dag_file(self, item: WorkItem) -> str:
        """A DAG file named relative to the DAGs folder (as remote workers receive it) is found in ours. A
        confined worker takes nothing else, and only with the digest of the file the scheduler parsed."""
        if self.confined:
            if item.file_hash is None:
                raise RefusedMessage("it carries no SHA-256 of its DAG file, so the file cannot be checked")
            return str(confined_dag_file(self.settings.dags_folder, item.fileloc))
        path = Path(item.fileloc)
        return item.fileloc if path.is_absolute() else str(self.settings.dags_folder / path)

    def _run_of(self, item: WorkItem) -> tuple[DagRunRecord, Any]:
        key = (item.dag_id, item.run_id)
        cached = self._runs.get(key)
        if cached is None or cached[0].start_date is None or item.try_number > 1:
            run = _persist(self.store.get_run, item.dag_id, item.run_id)
            if run is None:
                raise HeadwaterError(f"DAG {item.dag_id!r} has no run {item.run_id!r} any more.")
            if len(self._runs) > 64:
                self._runs.clear()
            cached = self._runs[key] = (run, _persist(self.store.last_successful_run, item.dag_id, run.logical_date))
        return cached

    def _skips_of(self, item: WorkItem, outcome: TaskOutcome) -> list[tuple[str, int, str, dict[str, Any] | None]]:
        if not outcome.skips:
            return []
        states = {(i.task_id, i.map_index): i.state for i in self.store.task_instances(item.dag_id, item.run_id)}
        states[(item.task_id, item.map_index)] = outcome.state
        found = planning.skipped_instances(RunSnapshot(states), outcome.skips, map_index=item.map_index)
        return [(key[0], key[1], reason, explained) for key, reason, explained in found]
