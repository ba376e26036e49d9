"""Processes killed at the worst moment: nothing that succeeded runs twice, nothing is lost, and the
recorded states stay consistent."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from scheduler_harness import SchedulerHome

CHAIN = """
    import datetime as dt, os, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    MARKS = Path({marks!r})

    def mark(name, pause=0.0, die=None):
        def work(ti):
            with open(MARKS / name, "a") as f:
                f.write(f"{{ti.try_number}}\\n")
            if pause:
                (MARKS / f"{{name}}.started").write_text(str(os.getpid()))
                time.sleep(pause)
            if die is not None and ti.try_number == 1:
                os._exit(die)
            return name
        return work

    with DAG("chain", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        a = PythonOperator(task_id="a", python_callable=mark("a"))
        b = PythonOperator(task_id="b", python_callable=mark("b", pause={pause}, die={die}),
                           retries={retries}, retry_delay=dt.timedelta(seconds=0))
        c = PythonOperator(task_id="c", python_callable=mark("c"))
        a >> b >> c
"""


def _chain(
    site: SchedulerHome, tmp_path: Path, *, pause: float = 0.0, die: int | None = None, retries: int = 0
) -> Path:
    marks = tmp_path / "marks"
    marks.mkdir()
    site.write_dag(CHAIN.format(marks=str(marks), pause=pause, die=die, retries=retries))
    return marks


def _runs_of(marks: Path, name: str) -> list[int]:
    path = marks / name
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _wait_for_file(path: Path, site: SchedulerHome, timeout: float = 60) -> None:
    """Wait until ``path`` holds something: a marker is created empty, then written (a pid, say)."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.stat().st_size):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared\n{site.scheduler_log()}")
        time.sleep(0.05)


def test_a_task_that_kills_its_own_process_fails_with_the_exit_status(site: SchedulerHome, tmp_path: Path) -> None:
    marks = _chain(site, tmp_path, die=3)
    site.start_scheduler()
    run_id = site.cli("dags", "trigger", "chain").stdout.strip()

    run = site.wait_for_run("chain", run_id)

    assert run.state.value == "failed"
    assert site.states("chain", run_id) == {"a": "success", "b": "failed", "c": "upstream_failed"}
    b = site.instances("chain", run_id)["b"]
    assert "exited with status 3" in (b.reason or "") and b.try_number == 1
    assert _runs_of(marks, "a") == [1]


def test_a_task_that_segfaults_fails_with_the_signal_and_is_retried(site: SchedulerHome, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    site.write_dag(
        f"""
        import ctypes, datetime as dt
        from headwater import DAG
        from headwater.operators.python import PythonOperator

        def crash(ti):
            with open({str(marks / "tries")!r}, "a") as f:
                f.write(f"{{ti.try_number}}\\n")
            if ti.try_number == 1:
                ctypes.string_at(0)  # reads address 0: SIGSEGV

        with DAG("segv", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
            PythonOperator(task_id="crash", python_callable=crash, retries=1, retry_delay=dt.timedelta(0))
        """
    )
    site.start_scheduler()
    run_id = site.cli("dags", "trigger", "segv").stdout.strip()

    run = site.wait_for_run("segv", run_id)

    assert run.state.value == "success"
    assert (marks / "tries").read_text().split() == ["1", "2"]
    assert site.instances("segv", run_id)["crash"].try_number == 2


def test_a_lost_try_is_retried_when_retries_remain(site: SchedulerHome, tmp_path: Path) -> None:
    marks = _chain(site, tmp_path, die=9, retries=1)
    site.start_scheduler()
    run_id = site.cli("dags", "trigger", "chain").stdout.strip()

    run = site.wait_for_run("chain", run_id)

    assert run.state.value == "success", site.scheduler_log()
    assert _runs_of(marks, "b") == [1, 2]
    assert site.instances("chain", run_id)["b"].try_number == 2
    assert _runs_of(marks, "a") == [1] and _runs_of(marks, "c") == [1]


def test_a_worker_killed_by_sigkill_mid_task_is_declared_lost_with_why(site: SchedulerHome, tmp_path: Path) -> None:
    marks = _chain(site, tmp_path, pause=30)
    site.start_scheduler()
    run_id = site.cli("dags", "trigger", "chain").stdout.strip()
    _wait_for_file(marks / "b.started", site)

    os.kill(int((marks / "b.started").read_text()), signal.SIGKILL)
    run = site.wait_for_run("chain", run_id)

    assert run.state.value == "failed"
    b = site.instances("chain", run_id)["b"]
    assert b.state is not None and b.state.value == "failed"
    assert "killed by SIGKILL" in (b.reason or "")
    assert site.states("chain", run_id)["c"] == "upstream_failed"


def test_the_scheduler_killed_mid_run_resumes_without_rerunning_what_succeeded(
    any_site: SchedulerHome, tmp_path: Path
) -> None:
    site = any_site
    marks = _chain(site, tmp_path, pause=1.5)
    first = site.start_scheduler()
    run_id = site.cli("dags", "trigger", "chain").stdout.strip()
    _wait_for_file(marks / "b.started", site)

    site.kill(first)  # the scheduler only: its worker finishes b and records it
    site.start_scheduler()
    run = site.wait_for_run("chain", run_id)

    assert run.state.value == "success", site.scheduler_log()
    assert {name: _runs_of(marks, name) for name in "abc"} == {"a": [1], "b": [1], "c": [1]}
    assert site.states("chain", run_id) == {"a": "success", "b": "success", "c": "success"}


def test_the_scheduler_and_its_workers_killed_together_lose_only_the_running_try(
    any_site: SchedulerHome, tmp_path: Path
) -> None:
    site = any_site
    marks = _chain(site, tmp_path, pause=30, retries=1)
    first = site.start_scheduler()
    run_id = site.cli("dags", "trigger", "chain").stdout.strip()
    _wait_for_file(marks / "b.started", site)

    os.killpg(first.pid, signal.SIGKILL)  # the whole process group: scheduler and workers
    first.wait()
    (marks / "b.started").unlink()
    site.start_scheduler()
    _wait_for_file(marks / "b.started", site)  # b's second try
    os.kill(int((marks / "b.started").read_text()), signal.SIGSTOP)  # keep it from sleeping 30 s: inspect, then end it
    try:
        instance = site.instances("chain", run_id)["b"]
        assert instance.try_number == 2 and instance.state is not None and instance.state.value == "running"
    finally:
        os.kill(int((marks / "b.started").read_text()), signal.SIGKILL)
    run = site.wait_for_run("chain", run_id)

    assert _runs_of(marks, "a") == [1]
    assert _runs_of(marks, "b") == [1, 2]
    assert run.state.value == "failed"  # the second try was killed too, with no retries left
