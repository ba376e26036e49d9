"""Callbacks the scheduler calls: the DAG's when a run ends, and a task's (with its alert e-mail) when a
try is declared lost (its process died or its lease ran out: Airflow's zombies), called away from the
loop, so a slow or raising callback can neither stall the scheduling of other runs nor end the scheduler.

Airflow hands them to its DAG processor, another process; here each finished run with a callback gets
a daemon thread of the scheduler process, which already holds the parsed DAG objects. A thread cannot be
killed, so a callback still running after ``WARN_AFTER`` seconds is reported in the scheduler's log (once)
and left to finish; at shutdown the scheduler waits a little for running callbacks, then leaves them.
XComs a callback pushes are written when it returns.

A lost try's ``on_failure_callback`` / ``on_retry_callback`` get ``context["exception"]`` as Airflow's
DAG processor gives it for a zombie: a string, here the reason recorded for the try.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headwater.model.states import DagRunState, TaskState
from headwater.runtime.callbacks import finish_try
from headwater.runtime.context import RunEnvironment, task_context
from headwater.runtime.task_instance import RuntimeTaskInstance
from headwater.runtime.xcom_access import RunXComs
from headwater.scheduler.run_driver import RunDriver
from headwater.store.records import RunChanges, Store, TaskInstanceRecord, XComRow

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator

log = logging.getLogger("headwater.scheduler")

WARN_AFTER = 60.0
"""Seconds after which a DAG callback still running is reported (Airflow's DAG processor gives up on
a file after ``dag_file_processor_timeout``, 50 s)."""


@dataclass
class _Running:
    thread: threading.Thread
    label: str
    started: float
    warned: bool = False


class DagCallbackThreads:
    """Starts the DAG callbacks of finished runs in threads and watches how long they take."""

    def __init__(
        self, store: Store, *, warn_after: float = WARN_AFTER, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store, self.warn_after, self.clock = store, warn_after, clock
        self.running: list[_Running] = []

    def submit(self, driver: RunDriver) -> None:
        """Call the callbacks of ``driver``'s run, which has just ended, in a thread of their own."""
        dag = driver.env.dag
        success = driver.run.state is DagRunState.SUCCESS
        if not (dag.on_success_callback if success else dag.on_failure_callback):
            return
        label = f"DAG {dag.dag_id!r}, run {driver.run.run_id!r} ({driver.ended_because})"
        thread = threading.Thread(
            target=self._call, args=(driver, label), name=f"dag-callback-{dag.dag_id}", daemon=True
        )
        self.running.append(_Running(thread, label, self.clock()))
        thread.start()

    def _call(self, driver: RunDriver, label: str) -> None:
        try:
            driver.run_end_callbacks()
        except Exception:  # building the callback's context failed: the callback never ran
            log.exception("Could not call the DAG callbacks of %s.", label)
        self._record_xcoms(driver.env, label)

    def submit_lost_try(self, driver: RunDriver | None, task: BaseOperator, stored: TaskInstanceRecord) -> None:
        """Send the alert and call the failure or retry callbacks of a try the scheduler declared lost."""
        if driver is None or stored.state not in (TaskState.FAILED, TaskState.UP_FOR_RETRY):
            return
        failed = stored.state is TaskState.FAILED
        callbacks = task.on_failure_callback if failed else task.on_retry_callback
        if not callbacks and not (task.email and getattr(task, "email_on_failure" if failed else "email_on_retry")):
            return
        env = driver.env  # its own XComs: the driver goes on writing the run's
        dag_id, run_id = env.dag.dag_id, env.dag_run.run_id

        def rows_of(task_id: str | None) -> list[XComRow]:
            return [row for row in self.store.xcoms(dag_id, run_id) if task_id is None or row.task_id == task_id]

        xcoms = RunXComs(dag_id, run_id, env.xcoms.backend, loader=rows_of)
        env = dataclasses.replace(env, xcoms=xcoms, _base={})  # pulls read what the run's tasks stored
        label = f"task {task.task_id!r} of DAG {env.dag.dag_id!r}, run {env.dag_run.run_id!r} (try {stored.try_number})"
        thread = threading.Thread(
            target=self._call_lost, args=(env, task, stored, label), name=f"task-callback-{task.task_id}", daemon=True
        )
        self.running.append(_Running(thread, label, self.clock()))
        thread.start()

    def _call_lost(self, env: RunEnvironment, task: BaseOperator, stored: TaskInstanceRecord, label: str) -> None:
        state = stored.state
        assert state is not None  # checked by submit_lost_try
        try:
            ti = RuntimeTaskInstance(env, task, stored.map_index, stored.try_number, stored.max_tries)
            ti.state = state.value
            context = task_context(env, task, ti)
            ti.context = context
            finish_try(task, context, state, stored.reason, env.settings)
        except Exception:  # building the context failed: the callbacks never ran
            log.exception("Could not call the callbacks of %s.", label)
        self._record_xcoms(env, label)

    def _record_xcoms(self, env: RunEnvironment, label: str) -> None:
        cleared, added = env.xcoms.take_pending()
        if cleared or added:
            try:
                self.store.record(
                    RunChanges(env.dag.dag_id, env.dag_run.run_id, xcoms_cleared=cleared, xcoms_added=added)
                )
            except Exception:
                log.exception("Could not record the XComs the callbacks of %s pushed.", label)

    def check(self) -> None:
        """Forget finished callbacks; report (once) each one running longer than ``warn_after``."""
        now = self.clock()
        still: list[_Running] = []
        for entry in self.running:
            if not entry.thread.is_alive():
                continue
            if not entry.warned and now - entry.started > self.warn_after:
                entry.warned = True
                log.warning(
                    "The DAG callback of %s has been running for more than %.0f s; the scheduler goes on without it.",
                    entry.label,
                    self.warn_after,
                )
            still.append(entry)
        self.running = still

    def wait(self, timeout: float) -> None:
        """Give running callbacks up to ``timeout`` seconds in all to finish (at shutdown)."""
        deadline = self.clock() + timeout
        for entry in self.running:
            entry.thread.join(max(0.0, deadline - self.clock()))
            if entry.thread.is_alive():
                log.warning("The DAG callback of %s was still running when the scheduler stopped.", entry.label)
        self.running = []
