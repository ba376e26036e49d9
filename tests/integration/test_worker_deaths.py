"""LocalExecutor workers that die at any moment: a try handed to a dead worker goes to a fresh one
instead of raising (a dead idle worker once made the scheduler exit without a word)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headwater.executors.base import EventKind, ExecutorEvent, WorkItem
from headwater.executors.local import LocalExecutor
from headwater.model.states import DagRunState, TaskState
from headwater.store.records import DagRunRecord, TaskInstanceRecord
from headwater.store.sql import SqlStore

DAG_FILE = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def mark(ti):
        with open({marks!r}, "a") as f:
            f.write(f"{{ti.try_number}}\\n")

    with DAG("survivor", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="mark", python_callable=mark)
"""


@pytest.fixture
def executor() -> Iterator[LocalExecutor]:
    pool = LocalExecutor(1, heartbeat_interval=0.5)
    try:
        yield pool
    finally:
        pool.shutdown(wait=False)


def _one_try(headwater_home: Path, tmp_path: Path) -> tuple[WorkItem, Path]:
    """A run of a one-task DAG recorded in the store the workers open, and the try to hand over."""
    marks = tmp_path / "marks"
    dags = headwater_home / "dags"
    dags.mkdir(parents=True)
    path = dags / "survivor.py"
    path.write_text(textwrap.dedent(DAG_FILE.format(marks=str(marks))))
    logical = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    run = DagRunRecord("survivor", "manual__1", "manual", logical, logical, logical, state=DagRunState.RUNNING)
    store = SqlStore(f"sqlite:///{headwater_home / 'headwater.db'}")
    try:
        store.start_run(run, [TaskInstanceRecord("survivor", "manual__1", "mark")], replace=False)
    finally:
        store.close()
    return WorkItem("mark", -1, 1, dag_id="survivor", run_id="manual__1", fileloc=str(path), max_tries=0), marks


def _killed_unreaped(pid: int) -> None:
    """SIGKILL a worker and wait until it is a zombie: dead, and not yet noticed by its parent."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline, f"worker {pid} did not die"
        time.sleep(0.01)


def _until_ended(executor: LocalExecutor) -> ExecutorEvent:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for event in executor.events(1.0):
            if event.kind is not EventKind.LOST or event.detail:
                return event
    raise AssertionError("the try never reported")


def test_a_try_handed_to_an_idle_worker_that_died_runs_on_a_fresh_one(
    headwater_home: Path, tmp_path: Path, executor: LocalExecutor
) -> None:
    item, marks = _one_try(headwater_home, tmp_path)
    executor.warm([])
    [dead] = executor.worker_pids
    _killed_unreaped(dead)

    executor.submit(item)
    event = _until_ended(executor)

    assert event.kind is EventKind.ENDED and event.outcome is not None
    assert event.outcome.state is TaskState.SUCCESS
    assert marks.read_text().split() == ["1"]
    assert executor.worker_pids and dead not in executor.worker_pids


def test_a_worker_that_dies_between_the_check_and_the_send_does_not_take_the_try_with_it(
    headwater_home: Path, tmp_path: Path, executor: LocalExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    item, marks = _one_try(headwater_home, tmp_path)
    executor.warm([])
    worker = executor._workers[0]
    _killed_unreaped(worker.process.pid or 0)
    monkeypatch.setattr(worker.process, "is_alive", lambda: True)  # it looked alive a moment before the send

    executor.submit(item)
    event = _until_ended(executor)

    assert event.kind is EventKind.ENDED and event.outcome is not None
    assert event.outcome.state is TaskState.SUCCESS
    assert marks.read_text().split() == ["1"]


def test_a_try_no_worker_can_be_started_for_is_given_back_unstarted_and_no_slot_is_offered(
    headwater_home: Path, tmp_path: Path, executor: LocalExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    item, marks = _one_try(headwater_home, tmp_path)

    def refused(self: Any) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # fork's EAGAIN: out of processes

    monkeypatch.setattr(executor._context.Process, "start", refused)

    executor.submit(item)
    slots = executor.open_slots
    events = list(executor.events(0.0))

    assert [(e.kind, e.item.ti_key, e.detail) for e in events] == [
        (EventKind.UNSTARTED, item.ti_key, "no worker process could be started to take it")
    ]
    assert slots == 0 and not marks.exists()


def test_a_scheduler_gives_an_unstarted_try_back_and_runs_it_once_a_worker_starts(
    headwater_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a task without retries and a machine that refuses the first worker process, when a run of it is
    triggered, then the try is given back (no retry used) and runs once a worker can be started: the run
    succeeds with the task on its first try."""
    from headwater.config import Settings
    from headwater.scheduler.control import trigger
    from headwater.scheduler.scheduler import Scheduler

    marks = tmp_path / "marks"
    dags = headwater_home / "dags"
    dags.mkdir(parents=True)
    (dags / "survivor.py").write_text(textwrap.dedent(DAG_FILE.format(marks=str(marks))))
    settings = Settings.load()
    executor = LocalExecutor(1, heartbeat_interval=0.5)
    real_start = executor._context.Process.start
    refusals = [1]

    def start_unless_refused(self: Any) -> None:
        if refusals:
            refusals.pop()
            raise BlockingIOError(11, "Resource temporarily unavailable")
        real_start(self)

    monkeypatch.setattr(executor._context.Process, "start", start_unless_refused)
    monkeypatch.setattr(executor, "warm", lambda files: None)  # the first worker is started for the try itself
    scheduler = Scheduler(settings, SqlStore(settings.sql_alchemy_conn), executor)
    run = trigger(settings, scheduler.store, "survivor")
    scheduler.store.set_paused("survivor", False)
    store = SqlStore(settings.sql_alchemy_conn)
    try:
        deadline = time.monotonic() + 60

        def finished() -> bool:
            assert time.monotonic() < deadline, "the run never finished"
            stored = store.get_run("survivor", run.run_id)
            return stored is not None and stored.state in (DagRunState.SUCCESS, DagRunState.FAILED)

        scheduler.run(until=finished)
        instance = store.instance("survivor", run.run_id, "mark", -1)
    finally:
        store.close()
        scheduler.store.close()

    assert not refusals, "the machine never refused a worker: the test did not test anything"
    assert instance is not None and instance.state is TaskState.SUCCESS and instance.try_number == 1
    assert marks.read_text().split() == ["1"]


HANGING_DAG = """
    import datetime as dt, os, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def work(ti):
        if ti.try_number == 1:
            Path({started!r}).write_text(str(os.getpid()))
            time.sleep(60)
        return ti.try_number

    with DAG("hangs", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="work", python_callable=work, retries=1, retry_delay=dt.timedelta(0))
"""


def test_a_hung_worker_is_killed_once_its_lease_expires_and_its_try_retried(site: Any, tmp_path: Path) -> None:
    """Given a worker that hangs mid-try (SIGSTOP: alive to the kernel, renewing nothing), when its lease grows
    older than [scheduler] task_instance_heartbeat_timeout, then the scheduler kills it, says why, and the
    try is retried on a fresh worker: the run succeeds on try 2 instead of waiting forever."""
    started = tmp_path / "started"
    site.extra_env["HEADWATER__SCHEDULER__HEARTBEAT_INTERVAL"] = "0.5"
    site.extra_env["HEADWATER__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] = "3"
    site.write_dag(textwrap.dedent(HANGING_DAG.format(started=str(started))))
    site.start_scheduler()
    site.wait_for_dags("hangs")
    run_id = site.trigger("hangs")
    site.cli("dags", "unpause", "hangs")
    site.wait_for("try 1 to start", lambda _: started.exists() and started.read_text())
    pid = int(started.read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        run = site.wait_for_run("hangs", run_id)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    assert run.state.value == "success", site.scheduler_log()
    instance = site.instances("hangs", run_id)["work"]
    assert instance.try_number == 2
    assert f"Killing worker {pid}: its worker (pid {pid}) hung: no heartbeat for" in site.scheduler_log()
