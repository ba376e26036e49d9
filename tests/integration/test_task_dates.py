"""Task ``start_date`` / ``end_date`` under the scheduler: a run has no instance of a task whose dates
exclude its logical date, and a run may succeed with no instance at all (Airflow's verify_integrity)."""

from __future__ import annotations

from scheduler_harness import SchedulerHome

DATED = """
    import datetime as dt
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator

    with DAG("dated", start_date=dt.datetime(2024, 1, 1), end_date=dt.datetime(2024, 1, 3),
             schedule="@daily", catchup=True) as dag:
        EmptyOperator(task_id="stamp")
        EmptyOperator(task_id="new_source", start_date=dt.datetime(2024, 1, 2))
        EmptyOperator(task_id="retired", end_date=dt.datetime(2024, 1, 1))
"""


def test_catch_up_runs_get_only_the_tasks_their_dates_allow(site: SchedulerHome) -> None:
    """Given a task that starts on day 2 and one that ended on day 1, when the scheduler catches up three
    days, then each run holds only the tasks whose dates include its logical date, and all succeed."""
    site.write_dag(DATED)
    site.start_scheduler()

    def three_done(store):  # type: ignore[no-untyped-def]
        runs = store.runs("dated")
        return runs if len(runs) == 3 and all(r.state.value == "success" for r in runs) else None

    runs = {r.logical_date.day: r.run_id for r in site.wait_for("three dated runs", three_done)}

    assert site.states("dated", runs[1]) == {"stamp": "success", "retired": "success"}
    assert site.states("dated", runs[2]) == {"stamp": "success", "new_source": "success"}
    assert site.states("dated", runs[3]) == {"stamp": "success", "new_source": "success"}


def test_a_run_before_every_task_starts_succeeds_empty(site: SchedulerHome) -> None:
    """Given a run triggered for a date before the DAG (hence every task) starts, when the scheduler runs
    it, then it succeeds with no task instance."""
    site.write_dag(DATED.replace('schedule="@daily", catchup=True', "schedule=None"))
    site.start_scheduler()
    run_id = site.trigger("dated", "--logical-date", "2023-12-01T00:00:00+00:00")

    assert site.wait_for_run("dated", run_id).state.value == "success"
    assert site.states("dated", run_id) == {}


def test_a_task_waiting_for_an_absent_upstream_fails_the_run_as_a_deadlock(site: SchedulerHome) -> None:
    """Given publish downstream of a task that starts later, when the scheduler runs an earlier date, then
    publish never runs and the run fails (Airflow's deadlock), saying what publish waits for."""
    site.write_dag(
        """
        import datetime as dt
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator

        with DAG("waits", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
            clean = EmptyOperator(task_id="clean")
            enrich = EmptyOperator(task_id="enrich", start_date=dt.datetime(2024, 3, 1))
            [clean, enrich] >> EmptyOperator(task_id="publish")
        """
    )
    site.start_scheduler()
    run_id = site.trigger("waits", "--logical-date", "2024-01-05T00:00:00+00:00")

    assert site.wait_for_run("waits", run_id).state.value == "failed"
    assert site.states("waits", run_id) == {"clean": "success", "publish": None}
    assert "they wait for enrich, of which this run has no instance" in site.scheduler_log()
