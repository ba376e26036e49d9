"""Retries, execution_timeout and dagrun_timeout under a real scheduler with the LocalExecutor."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import time
from pathlib import Path

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

FLAKY = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def flaky(ti):
        print(f"attempt {ti.try_number} starting")
        if ti.try_number == 1:
            raise RuntimeError("first try breaks on purpose")
        print("second try is fine")
        return ti.try_number

    with DAG("flaky", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="flaky", python_callable=flaky, retries=1, retry_delay=dt.timedelta(seconds=1))
"""

SLOW_TASK = """
    import datetime as dt, time
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def slow():
        print("going to sleep")
        time.sleep(30)

    with DAG("slow_task", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        sleepy = PythonOperator(task_id="sleepy", python_callable=slow, execution_timeout=dt.timedelta(seconds=1))
        after = PythonOperator(task_id="after", python_callable=lambda: "never")
        sleepy >> after
"""

SLOW_RUN = """
    import datetime as dt, os, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def slow():
        Path({pid_file!r}).write_text(str(os.getpid()))
        for _ in range(300):  # leaves a tick every 0.1 s while it runs
            with open({pid_file!r} + ".ticks", "a") as ticks:
                ticks.write(".")
            time.sleep(0.1)

    with DAG("slow_run", start_date=dt.datetime(2024, 1, 1), schedule=None,
             dagrun_timeout=dt.timedelta(seconds=2)) as dag:
        quick = PythonOperator(task_id="quick", python_callable=lambda: "ok")
        sleepy = PythonOperator(task_id="sleepy", python_callable=slow)
        after = PythonOperator(task_id="after", python_callable=lambda: "never")
        quick >> sleepy >> after
"""


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError, OSError):  # a zombie of ours is as good as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    return True


@every_executor
def test_a_failed_try_is_retried_after_its_retry_delay_and_each_try_keeps_its_log(site: SchedulerHome) -> None:
    site.write_dag(FLAKY)
    site.start_scheduler()
    site.wait_for_dags("flaky")
    run_id = site.trigger("flaky")

    def waiting_for_retry(store):  # type: ignore[no-untyped-def]
        ti = store.instance("flaky", run_id, "flaky", -1)
        return ti if ti is not None and ti.state is not None and ti.state.value == "up_for_retry" else None

    first = site.wait_for("the first try to fail", waiting_for_retry, timeout=20)
    run = site.wait_for_run("flaky", run_id, timeout=20)

    assert run.state.value == "success", site.scheduler_log()
    assert first.try_number == 1 and "first try breaks on purpose" in (first.reason or "")
    [row] = site.task_rows("flaky", run_id)
    assert (row["state"], row["try_number"]) == ("success", 2)
    assert (_when(row["start_date"]) - first.end_date).total_seconds() >= 1.0, (first.end_date, row["start_date"])
    store = site.store
    tries = store.task_tries("flaky", run_id, "flaky")
    store.close()
    assert [(r.try_number, r.state.value if r.state else None) for r in tries] == [(1, "failed"), (2, "success")]
    assert tries[0].end_date == first.end_date and "first try breaks on purpose" in (tries[0].reason or "")
    assert all(r.hostname and r.pid for r in tries), tries
    first_log = site.cli("tasks", "logs", "flaky", run_id, "flaky", "--try", "1").stdout
    second_log = site.cli("tasks", "logs", "flaky", run_id, "flaky", "--try", "2").stdout
    latest_log = site.cli("tasks", "logs", "flaky", run_id, "flaky").stdout
    assert "attempt 1 starting" in first_log and "RuntimeError: first try breaks on purpose" in first_log
    assert "second try is fine" not in first_log
    assert "attempt 2 starting" in second_log and "second try is fine" in second_log
    assert "first try breaks on purpose" not in second_log
    assert latest_log == second_log


@every_executor
def test_a_task_running_past_its_execution_timeout_fails_and_so_does_the_run(site: SchedulerHome) -> None:
    site.write_dag(SLOW_TASK)
    site.start_scheduler()
    site.wait_for_dags("slow_task")
    run_id = site.trigger("slow_task")

    run = site.wait_for_run("slow_task", run_id, timeout=20)

    assert run.state.value == "failed"
    rows = {r["task_id"]: r for r in site.task_rows("slow_task", run_id)}
    assert rows["sleepy"]["state"] == "failed" and rows["sleepy"]["try_number"] == 1
    assert "execution_timeout" in rows["sleepy"]["reason"]
    assert (_when(rows["sleepy"]["end_date"]) - _when(rows["sleepy"]["start_date"])).total_seconds() < 20
    assert rows["after"]["state"] == "upstream_failed"
    log = site.cli("tasks", "logs", "slow_task", run_id, "sleepy").stdout
    assert "going to sleep" in log and "execution_timeout" in log


@every_executor
def test_a_run_past_its_dagrun_timeout_fails_its_unfinished_tasks_are_skipped_and_stopped(
    site: SchedulerHome, tmp_path: Path
) -> None:
    """Airflow 2.10: the run is set failed and every unfinished task instance, the running one too, is set
    ``skipped``, and the running task is terminated ("State of this instance has been externally set to
    skipped. Terminating instance."). headwater stops the task's code; its worker process lives on."""
    pid_file = tmp_path / "sleepy.pid"
    site.write_dag(SLOW_RUN.format(pid_file=str(pid_file)))
    site.start_scheduler()
    site.wait_for_dags("slow_run")
    run_id = site.trigger("slow_run")
    site.wait_for("the slow task to start", lambda _: pid_file.exists(), timeout=20)
    pid = int(pid_file.read_text())
    try:
        run = site.wait_for_run("slow_run", run_id, timeout=20)

        assert run.state.value == "failed"
        assert "dagrun_timeout" in (run.reason or "")
        assert site.states("slow_run", run_id) == {"quick": "success", "sleepy": "skipped", "after": "skipped"}
        rows = {r["task_id"]: r for r in site.task_rows("slow_run", run_id)}
        assert "dagrun_timeout" in rows["sleepy"]["reason"] and "dagrun_timeout" in rows["after"]["reason"]
        ticks = Path(str(pid_file) + ".ticks")
        time.sleep(1.0)  # the scheduler stops the try at once; give the signal time to land
        stopped_at = ticks.stat().st_size
        time.sleep(1.0)
        assert ticks.stat().st_size == stopped_at, (
            f"the task's callable still runs after its run timed out and the task was marked skipped\n"
            f"{site.scheduler_log()}"
        )
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
