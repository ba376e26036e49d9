"""TaskGroups with their own default_args (merged over the DAG's, nested groups inheriting the
outer group's), used as dependency targets (`start >> group >> end`, group >> group), with each task
reporting the arguments and upstream ids it ended up with."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.task_group import TaskGroup


def describe(task, **_):
    return {
        "retries": task.retries,
        "owner": task.owner,
        "pool": task.pool,
        "rule": str(task.trigger_rule),
        "upstream": sorted(task.upstream_task_ids),
    }


def step(task_id, **kwargs):
    return PythonOperator(task_id=task_id, python_callable=describe, **kwargs)


with DAG(
    "groups_default_args_edges",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    default_args={"owner": "platform", "retries": 1, "retry_delay": timedelta(minutes=1)},
) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("ingest", default_args={"retries": 4, "pool": "default_pool"}) as ingest:
        a = step("a")
        b = step("b", retries=0)
        with TaskGroup("nested", default_args={"owner": "ingest-team"}) as nested:
            n1 = step("n1")
            n2 = step("n2")
        a >> nested
        b >> nested
    with TaskGroup("publish", tooltip="publishes", default_args={"trigger_rule": "all_done"}) as publish:
        p1 = step("p1")
        p2 = step("p2")
    end = step("end")
    start >> ingest >> publish >> end
