"""Behaviour found by review: catch-up honours max_active_runs when it creates runs, a cleared run's
timeout counts afresh, and a retry held back by depends_on_past does not stall the scheduler."""

from __future__ import annotations

import datetime as dt

import pendulum
from scheduler_harness import SchedulerHome

from headwater.executors.inprocess import InProcessExecutor
from headwater.model.dag import DAG
from headwater.model.states import TaskState
from headwater.operators.python import PythonOperator
from headwater.runtime.environment import run_environment
from headwater.scheduler.dagruns import missing_instances, new_run
from headwater.scheduler.run_driver import RunDriver
from headwater.store.memory import MemoryStore
from headwater.store.xcom.base import BaseXCom


def test_catch_up_creates_no_more_runs_than_max_active_runs_allows(site: SchedulerHome) -> None:
    site.extra_env["HEADWATER__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "true"
    site.write_dag(
        """
        import datetime as dt
        from headwater import DAG
        from headwater.operators.empty import EmptyOperator

        with DAG("backlog", start_date=dt.datetime(2024, 1, 1), schedule="@daily", catchup=True,
                 max_active_runs=1) as dag:
            EmptyOperator(task_id="only")
        """
    )
    site.start_scheduler()
    site.wait_for("the DAG to be recorded", lambda store: "backlog" in store.pause_flags())
    site.cli("pools", "set", "default_pool", "0")  # nothing runs: runs stay as they are created
    site.cli("dags", "unpause", "backlog")

    site.wait_for("the first run", lambda store: store.runs("backlog"))
    site.cli("pools", "list")  # a moment later, after more loops of the scheduler
    runs = site.cli("dags", "list-runs", "backlog", "-o", "json").json

    assert len(runs) == 1 and runs[0]["logical_date"] == "2024-01-01T00:00:00+00:00"


def test_a_cleared_finished_run_gets_its_dagrun_timeout_afresh(site: SchedulerHome) -> None:
    site.write_dag(
        """
        import datetime as dt
        from headwater import DAG
        from headwater.operators.empty import EmptyOperator

        with DAG("quick", start_date=dt.datetime(2024, 1, 1), schedule=None,
                 dagrun_timeout=dt.timedelta(seconds=3)) as dag:
            EmptyOperator(task_id="work")
        """
    )
    site.start_scheduler()
    site.wait_for("the DAG to be recorded", lambda store: "quick" in store.pause_flags())
    run_id = site.cli("dags", "trigger", "quick", "-e", "2024-02-01").stdout.strip()
    assert site.wait_for_run("quick", run_id).state.value == "success"

    import time

    time.sleep(3.5)  # longer than the timeout since the first life started
    site.cli("tasks", "clear", "quick", "--yes")
    run = site.wait_for(
        "the cleared run to end again",
        lambda store: (
            (r := store.get_run("quick", run_id)) is not None
            and r.state.value in ("success", "failed")
            and all(i.try_number == 2 for i in store.task_instances("quick", run_id))
            and r
        ),
    )

    assert run.state.value == "success", run.reason


def test_a_due_retry_held_back_by_depends_on_past_does_not_stall_planning() -> None:
    with DAG("held", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="t", python_callable=lambda: None, depends_on_past=True, retries=1)
    run = new_run(
        dag,
        run_type="manual",
        logical_date=dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        data_interval=dag.timetable.manual_interval(pendulum.datetime(2024, 1, 2)),
    )
    (instance,) = missing_instances(dag, run, [], {})
    instance.state, instance.try_number = TaskState.UP_FOR_RETRY, 1
    instance.next_retry_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # long due
    env = run_environment(dag, run, backend=BaseXCom, now=lambda: pendulum.datetime(2024, 1, 3))
    store = MemoryStore()
    store.start_run(run, [instance], replace=False)
    driver = RunDriver(
        env,
        run,
        [instance],
        store,
        InProcessExecutor(env),
        queued_by="me",
        past_gate=lambda key: "depends_on_past: the previous run's instance has not succeeded",
    )

    ready = driver.advance()  # returned at all: before the fix this looped forever

    assert ready == []
    assert driver.records[("t", -1)].reason == "depends_on_past: the previous run's instance has not succeeded"
    assert driver.finish_if_done() is None  # held, not deadlocked
