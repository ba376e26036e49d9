"""The scheduler's loop survives what goes wrong inside it: a failed iteration is logged with its
traceback and the loop goes on from what the store has recorded; a fault that keeps coming back ends
the scheduler (its job recorded failed, the error raised for the command to exit non-zero). Driven in
this process with an executor that fails on demand and a pause that does not sleep."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from headwater.config import Settings
from headwater.executors.base import ExecutorEvent, WorkItem
from headwater.scheduler.failures import GIVE_UP_AFTER
from headwater.scheduler.scheduler import Scheduler
from headwater.store.jobs import SCHEDULER_JOB, JobState
from headwater.store.sql import SqlStore


class FlakyExecutor:
    """Runs nothing; its wait for events raises for the first ``failures`` calls."""

    records_queued = False
    on_this_machine = True
    open_slots = 1

    def __init__(self, failures: float) -> None:
        self.failures = failures
        self.calls = 0
        self.shut_down = False

    def events(self, timeout: float, wake: Sequence[Any] = ()) -> Iterator[ExecutorEvent]:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError(f"flaky wait #{self.calls}")
        return iter(())

    def submit(self, work: WorkItem) -> None:
        raise AssertionError("nothing is due")

    def warm(self, files: Sequence[str]) -> None:
        return None

    def terminate(self, keys: Iterable[tuple[str, str, str, int]]) -> None:
        return None

    def running_here(self, key: tuple[str, str, str, int], try_number: int) -> bool:
        return False

    def shutdown(self, *, wait: bool = True) -> None:
        self.shut_down = True


def _scheduler(tmp_path: Path, executor: FlakyExecutor, pauses: list[float]) -> Scheduler:
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    settings = Settings(home=home, dags_folder=home / "dags", sql_alchemy_conn=f"sqlite:///{home / 'hw.db'}")
    scheduler = Scheduler(settings, SqlStore(settings.sql_alchemy_conn), executor)
    scheduler.failures.sleep = pauses.append
    return scheduler


def _job_states(scheduler: Scheduler) -> list[JobState]:
    return [job.state for job in scheduler.store.latest_jobs(job_type=SCHEDULER_JOB, state=None, limit=0)]


def test_a_failed_iteration_is_logged_with_its_traceback_and_the_loop_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    executor = FlakyExecutor(failures=2)
    pauses: list[float] = []
    scheduler = _scheduler(tmp_path, executor, pauses)

    with caplog.at_level(logging.ERROR, logger="headwater.scheduler"):
        scheduler.run(until=lambda: executor.calls >= 5)

    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [str(r.exc_info[1]) for r in failed if r.exc_info] == ["flaky wait #1", "flaky wait #2"]
    assert pauses == [0.5, 1.0]
    assert executor.calls >= 5 and executor.shut_down
    assert _job_states(scheduler) == [JobState.SUCCESS]
    scheduler.store.close()


def test_a_fault_that_keeps_coming_back_ends_the_scheduler_with_its_job_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    executor = FlakyExecutor(failures=float("inf"))
    pauses: list[float] = []
    scheduler = _scheduler(tmp_path, executor, pauses)

    with caplog.at_level(logging.ERROR, logger="headwater.scheduler"), pytest.raises(RuntimeError, match="flaky"):
        scheduler.run()

    assert executor.calls == GIVE_UP_AFTER
    assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert "failed 8 times in a row" in caplog.records[-1].getMessage()
    assert executor.shut_down
    assert _job_states(scheduler) == [JobState.FAILED]
    scheduler.store.close()
