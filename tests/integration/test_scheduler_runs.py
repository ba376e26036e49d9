"""A real scheduler process with the LocalExecutor: triggered and scheduled runs, what the listing
commands show, and the logs on disk."""

from __future__ import annotations

import datetime as dt

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

BRANCHING = """
    import datetime as dt
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import BranchPythonOperator, PythonOperator

    def shout(**context):
        print("hello from", context["ti"].task_id)
        return context["ds"]

    with DAG("branching", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
        left = PythonOperator(task_id="left", python_callable=shout)
        right = PythonOperator(task_id="right", python_callable=shout)
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        after_right = EmptyOperator(task_id="after_right")
        pick >> [left, right]
        [left, right] >> join
        right >> after_right
"""


def test_a_triggered_run_runs_on_workers_with_airflows_states(any_site: SchedulerHome) -> None:
    site = any_site
    site.write_dag(BRANCHING)
    site.start_scheduler()
    run_id = site.cli("dags", "trigger", "branching", "--logical-date", "2024-03-01T00:00:00+00:00").stdout.strip()
    assert run_id == "manual__2024-03-01T00:00:00+00:00"

    run = site.wait_for_run("branching", run_id)

    assert run.state.value == "success"
    assert site.states("branching", run_id) == {
        "pick": "success",
        "left": "success",
        "right": "skipped",
        "after_right": "skipped",
        "join": "success",
    }
    listed = site.cli("tasks", "states-for-dag-run", "branching", run_id, "-o", "json").json
    left = next(r for r in listed if r["task_id"] == "left")
    assert left["state"] == "success" and left["try_number"] == 1 and left["map_index"] == -1
    assert dt.datetime.fromisoformat(left["start_date"]) <= dt.datetime.fromisoformat(left["end_date"])
    log = site.cli("tasks", "logs", "branching", run_id, "left").stdout
    assert "hello from left" in log
    xcom_run = site.store.xcoms_of("branching", run_id, "left")
    assert [row.key for row in xcom_run] == ["return_value"]


def test_list_runs_prints_one_record_per_run_in_each_format(site: SchedulerHome) -> None:
    site.write_dag(BRANCHING)
    first = site.cli("dags", "trigger", "branching", "-e", "2024-03-01").stdout.strip()
    second = site.cli("dags", "trigger", "branching", "-e", "2024-03-02", "--conf", '{"x": 1}').stdout.strip()

    as_json = site.cli("dags", "list-runs", "branching", "-o", "json").json
    as_yaml = site.cli("dags", "list-runs", "branching", "-o", "yaml").stdout
    as_table = site.cli("dags", "list-runs", "branching").stdout

    assert [r["run_id"] for r in as_json] == [second, first]
    assert {r["state"] for r in as_json} == {"queued"}
    assert all(r["run_type"] == "manual" and r["dag_id"] == "branching" for r in as_json)
    assert as_json[1]["logical_date"] == "2024-03-01T00:00:00+00:00"
    assert f"run_id: {second}" in as_yaml
    assert first in as_table and second in as_table


@every_executor
def test_a_scheduled_dag_catches_up_its_missed_intervals(site: SchedulerHome) -> None:
    site.write_dag(
        """
        import datetime as dt
        from headwater import DAG
        from headwater.operators.python import PythonOperator

        with DAG("daily", start_date=dt.datetime(2024, 1, 1), end_date=dt.datetime(2024, 1, 3),
                 schedule="@daily", catchup=True) as dag:
            PythonOperator(task_id="stamp", python_callable=lambda ds, data_interval_end: [ds, str(data_interval_end)])
        """
    )
    site.start_scheduler()

    def three_done(store):  # type: ignore[no-untyped-def]
        runs = store.runs("daily")
        return runs if len(runs) == 3 and all(r.state.value == "success" for r in runs) else None

    runs = site.wait_for("three daily runs", three_done)

    assert sorted(r.run_id for r in runs) == [
        "scheduled__2024-01-01T00:00:00+00:00",
        "scheduled__2024-01-02T00:00:00+00:00",
        "scheduled__2024-01-03T00:00:00+00:00",
    ]
    first = min(runs, key=lambda r: r.logical_date)
    assert first.data_interval_end.isoformat() == "2024-01-02T00:00:00+00:00"
    assert all(r.run_type == "scheduled" and not r.external_trigger for r in runs)


def test_dags_list_speaks_yaml_too(site: SchedulerHome) -> None:
    site.write_dag(BRANCHING)
    site.write_dag("from headwater import DAG\nraise RuntimeError('broken on purpose')\n", "broken.py")

    import yaml

    listed = yaml.safe_load(site.cli("dags", "list", "-o", "yaml", check=False).stdout)

    assert [d["dag_id"] for d in listed["dags"]] == ["branching"]
    (error,) = listed["import_errors"].values()
    assert "broken.py:2: RuntimeError: broken on purpose" in error


def test_standalone_creates_the_dags_folder_and_runs_what_is_put_there(site: SchedulerHome) -> None:
    assert not site.dags.exists()
    site.start_scheduler("standalone")
    site.wait_for("the DAGs folder", lambda _: site.dags.is_dir())

    site.write_dag(BRANCHING)
    site.wait_for("the new DAG to be seen", lambda store: "branching" in store.pause_flags())
    run_id = site.cli("dags", "trigger", "branching").stdout.strip()

    assert site.wait_for_run("branching", run_id).state.value == "success"
    assert "put DAG files in" in site.scheduler_log()


def test_a_second_scheduler_on_the_same_home_refuses_to_start(any_site: SchedulerHome) -> None:
    site = any_site
    site.write_dag(BRANCHING)
    site.start_scheduler()
    site.wait_for("the first scheduler to be up", lambda store: "branching" in store.pause_flags())

    second = site.start_scheduler()
    code = second.wait(timeout=60)
    site.processes.remove(second)  # expected to end; the harness watches the others

    assert code != 0
    assert "Another scheduler" in site.scheduler_log() and "already runs" in site.scheduler_log()
    run_id = site.cli("dags", "trigger", "branching").stdout.strip()
    assert site.wait_for_run("branching", run_id).state.value == "success"  # the first one still works
