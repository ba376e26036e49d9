"""Operator-style setup/teardown inside a TaskGroup (`as_teardown(setups=...)`), the group used as a
dependency (`group >> after`): Airflow does not make `after` wait on the teardown, a failing
teardown does not fail the run, and a task after the group still runs."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.task_group import TaskGroup


def upstream(**context):
    return sorted(context["task"].upstream_task_ids)


def broken_cleanup():
    raise RuntimeError("could not drop the scratch schema")


with DAG("groups_teardown_leaf_edges", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    with TaskGroup("etl") as etl:
        create = PythonOperator(task_id="create_schema", python_callable=lambda: "scratch")
        work = PythonOperator(task_id="work", python_callable=upstream)
        drop = PythonOperator(task_id="drop_schema", python_callable=broken_cleanup)
        create >> work >> drop.as_teardown(setups=create)
    after = PythonOperator(task_id="after", python_callable=upstream)
    last = PythonOperator(task_id="last", python_callable=upstream, trigger_rule="all_done")
    EmptyOperator(task_id="begin") >> etl >> after >> last
