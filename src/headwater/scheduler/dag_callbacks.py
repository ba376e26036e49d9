"""DAG run callbacks under the scheduler: called away from its loop, so a slow or raising callback can
neither stall the scheduling of other runs nor end the scheduler.

Airflow hands them to its DAG processor, another process; here each finished run with a callback gets
a daemon thread of the scheduler process, which already holds the parsed DAG objects. A thread cannot be
killed, so a callback still running after ``WARN_AFTER`` seconds is reported in the scheduler's log (once)
and left to finish; at shutdown the scheduler waits a little for running callbacks, then leaves them.
XComs a callback pushes are written when it returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from headwater.model.states import DagRunState
from headwater.scheduler.run_driver import RunDriver
from headwater.store.records import RunChanges, Store

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
        cleared, added = driver.env.xcoms.take_pending()
        if cleared or added:
            try:
                self.store.record(
                    RunChanges(driver.run.dag_id, driver.run.run_id, xcoms_cleared=cleared, xcoms_added=added)
                )
            except Exception:
                log.exception("Could not record the XComs the DAG callbacks of %s pushed.", label)

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
