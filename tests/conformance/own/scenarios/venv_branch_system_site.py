"""Branching in a virtualenv that sees the system packages, a venv step that skips itself through its exit
code, and a join that runs after whichever branch ran."""

import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonVirtualenvOperator

ORACLE_RUN = {"logical_date": "2024-03-09T00:00:00+00:00"}


def maybe_refresh(ds):
    """Exits 100 (skip) on weekends, so the task shows as skipped instead of failed."""
    import datetime
    import sys

    if datetime.date.fromisoformat(ds).weekday() >= 5:
        sys.exit(100)
    return "refreshed"


with DAG(
    dag_id="venv_branch_system_site",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    default_args={"owner": "data"},
):

    @task
    def count_rows():
        return 1250

    @task.branch_virtualenv(expect_airflow=False)
    def choose_load(rows: int, ds=None):
        import json

        plan = json.loads('{"small": 1000}')
        return "bulk_load" if rows > plan["small"] else "row_by_row"

    bulk = EmptyOperator(task_id="bulk_load")
    row_by_row = EmptyOperator(task_id="row_by_row")
    refresh = PythonVirtualenvOperator(
        task_id="refresh_cache",
        python_callable=maybe_refresh,
        skip_on_exit_code=100,
        trigger_rule="none_failed_min_one_success",
    )

    @task.virtualenv(trigger_rule="none_failed", templates_dict={"day": "{{ ds_nodash }}"})
    def publish(templates_dict=None, run_id=None):
        return f"published {templates_dict['day']} for {run_id}"

    choose_load(count_rows()) >> [bulk, row_by_row] >> refresh >> publish()
