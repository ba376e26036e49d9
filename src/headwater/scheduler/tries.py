"""What the scheduler does with the tries it handed out: the events its executor reports (ends, losses,
refusals, a worker's DAG file that differs), and the tries a previous scheduler left running, watched
until they end or their lease runs out. What a lost try becomes is asked of ``headwater.planning``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pendulum

from headwater import planning
from headwater.config import Settings
from headwater.dagbag import file_digest
from headwater.executors.base import EventKind, Executor, ExecutorEvent, WorkItem
from headwater.model.dag import DAG
from headwater.model.states import TaskState
from headwater.model.timetables import to_utc
from headwater.scheduler.dag_callbacks import DagCallbackThreads
from headwater.scheduler.dag_folder import DagFolder
from headwater.scheduler.run_driver import RunDriver
from headwater.store.records import TaskInstanceRecord
from headwater.store.sql import SqlStore

log = logging.getLogger("headwater.scheduler")

InstanceKey = tuple[str, str, str, int]


@dataclass
class Orphan:
    """A try a previous scheduler queued or started, watched until it ends or its lease runs out."""

    record: TaskInstanceRecord
    since: float = field(default_factory=time.monotonic)


class TryKeeping:
    """The scheduler's part that takes in what its executor reports and watches tries left running."""

    settings: Settings
    store: SqlStore
    executor: Executor
    clock: Callable[[], pendulum.DateTime]
    hostname: str
    folder: DagFolder
    dags: dict[str, DAG]
    drivers: dict[tuple[str, str], RunDriver]
    orphans: dict[InstanceKey, Orphan]
    dag_callbacks: DagCallbackThreads
    held: dict[InstanceKey, WorkItem]
    """Tries a worker refused for a DAG file changed since it was parsed, until it is parsed again."""
    _next_poll: float
    _next_listing: float

    def _take(self, event: ExecutorEvent) -> None:
        item = event.item
        driver = self.drivers.get((item.dag_id, item.run_id))
        if event.kind is EventKind.ENDED:
            if driver is not None:
                driver.apply_event(event)
            return
        if event.kind is EventKind.FILE_CHANGED:
            self._take_changed_file(item, event.detail)
            return
        if event.kind is EventKind.REFUSED:  # a worker will never run this message: the try fails or retries
            self._adopt(item.ti_key, self._declare_lost(item, event.detail, verb="not run"))
            return
        if event.kind is EventKind.UNSTARTED:  # nothing ran: decided again, no retry used
            log.warning("%s try %d was given back: %s.", item.ti_key, item.try_number, event.detail)
            self._give_back(item)
            return
        if event.kind is EventKind.UNREPORTED:  # the worker recorded more than its report could carry
            if driver is not None:
                driver.refresh(self.store.task_instances(item.dag_id, item.run_id))
            return
        if event.kind is EventKind.LOST:
            stored = self._declare_lost(item, event.detail)
        else:
            stored = self.store.instance(*item.ti_key)
            log.info("%s try %d was not run: %s.", item.ti_key, item.try_number, event.detail)
        if driver is not None and stored is not None:
            driver.adopt(stored)

    def _take_changed_file(self, item: WorkItem, theirs: str) -> None:
        """A worker refused a try because its copy of the DAG file is not the one the try was sent with.
        Once this scheduler has parsed the file now on disk, the try is decided again and sent with the new
        digest; if the file here is the one that was sent, the worker's copy is the odd one out and the try
        fails (or is retried), saying so."""
        fileloc = self._local_file(item.fileloc)
        parsed = self.folder.digest(fileloc)
        if parsed != item.file_hash:
            self._give_back(item)
            return
        try:
            here = file_digest(fileloc)
        except OSError:
            here = None
        if here != parsed:  # changed here too: given back once the new version is parsed, which starts now
            log.info("DAG file %s changed since it was parsed; %s waits for the new version.", fileloc, item.ti_key)
            self.held[item.ti_key] = item
            self._next_listing = self._next_poll = 0.0
            return
        detail = (
            f"DAG file {fileloc} on the worker differs from the scheduler's (scheduler: sha256 {(parsed or '?')[:12]}, "
            f"worker: sha256 {theirs[:12]}), so it did not run code the scheduler has not seen; deploy the same "
            "DAGs folder to every machine"
        )
        self._adopt(item.ti_key, self._declare_lost(item, detail, verb="not run"))

    def _local_file(self, fileloc: str) -> str:
        """A DAG file path as this scheduler's DAGs folder has it (remote executors send it relative)."""
        return fileloc if Path(fileloc).is_absolute() else str(self.folder.bag.path / fileloc)

    def _give_back(self, item: WorkItem) -> None:
        """Undo the queuing of a try no worker started: the instance is decided again (no retry used)."""
        self.store.requeue_unstarted(item.ti_key, try_number=item.try_number)
        self._adopt(item.ti_key, self.store.instance(*item.ti_key))

    def _release_held(self) -> None:
        for key, item in list(self.held.items()):
            if self.folder.digest(self._local_file(item.fileloc)) != item.file_hash:
                del self.held[key]
                self._give_back(item)

    def _declare_lost(self, item: WorkItem, detail: str, *, verb: str = "lost") -> TaskInstanceRecord | None:
        """Fail (or put up for retry) a try whose process died; an outcome it recorded first stands."""
        dag = self.dags.get(item.dag_id)
        task = dag.task_dict.get(item.task_id) if dag is not None else None
        retries = task.retries if task is not None else 0
        budget = (item.max_tries if item.max_tries is not None else retries) if retries else 0
        state = planning.state_after_failure(try_number=item.try_number, retries=budget, fail_fast=False)
        now = self.clock()
        retry_at = None
        if state is TaskState.UP_FOR_RETRY and task is not None:
            retry_at = now + planning.retry_delay(
                base=task.retry_delay,
                try_number=item.try_number,
                exponential=task.retry_exponential_backoff,
                max_delay=task.max_retry_delay,
                seed=f"{item.dag_id}#{item.task_id}#{item.run_id}",
            )
        then = "it will be retried" if retry_at is not None else "no retries left"
        reason = f"{verb}: {detail} during try {item.try_number}; {then}"
        stored = self.store.end_lost_try(
            item.ti_key, try_number=item.try_number, state=state, reason=reason, now=now, next_retry_at=retry_at
        )
        if stored is not None and stored.reason == reason:  # not when the try had ended or moved on already
            log.warning("%s of %s in %s: %s", item.task_id, item.dag_id, item.run_id, reason)
            if task is not None:
                self.dag_callbacks.submit_lost_try(self.drivers.get((item.dag_id, item.run_id)), task, stored)
        return stored

    def _check_orphans(self) -> None:
        if not self.orphans:
            return
        timeout = self.settings.task_instance_heartbeat_timeout
        now = self.clock()
        for key, orphan in list(self.orphans.items()):
            stored = self.store.instance(*key)
            if stored is None or stored.state is not TaskState.RUNNING or stored.try_number != orphan.record.try_number:
                del self.orphans[key]
                self._adopt(key, stored)
                continue
            if self.executor.running_here(key, stored.try_number):
                del self.orphans[key]  # one of our own workers runs it: it reports like any other try
                continue
            here = self.executor.on_this_machine and stored.hostname == self.hostname
            gone = here and stored.pid is not None and not _alive(stored.pid)
            lease = stored.heartbeat_at
            expired = lease is None or (now - to_utc(lease)).total_seconds() > timeout
            if gone or expired:
                why = (
                    f"its process {stored.pid} on {stored.hostname} is gone"
                    if gone
                    else f"its lease expired (no heartbeat for more than {timeout:g} s)"
                )
                item = WorkItem(
                    key[2], key[3], stored.try_number, dag_id=key[0], run_id=key[1], max_tries=stored.max_tries
                )
                del self.orphans[key]
                self._adopt(key, self._declare_lost(item, why))

    def _adopt(self, key: tuple[str, str, str, int], stored: TaskInstanceRecord | None) -> None:
        driver = self.drivers.get((key[0], key[1]))
        if driver is not None and stored is not None:
            driver.adopt(stored)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
