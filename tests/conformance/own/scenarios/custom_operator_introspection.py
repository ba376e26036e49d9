"""A custom operator logging through self.log and a task reading its own task instance and DAG: the
introspection real DAG files do (ti.task, ti.max_tries, dag.get_task, roots/leaves, task_ids)."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.baseoperator import BaseOperator
from airflow.operators.python import PythonOperator


class RowCountOperator(BaseOperator):
    template_fields = ("table",)

    def __init__(self, table: str, **kwargs):
        super().__init__(**kwargs)
        self.table = table

    def execute(self, context):
        self.log.info("Counting rows of %s", self.table)
        return {"table": self.table, "rows": len(self.table) * 10}


def describe(ti, dag, **_):
    return {
        "task": ti.task.task_id,
        "max_tries": ti.max_tries,
        "retries": ti.task.retries,
        "try_number": ti.try_number,
        "has_count": dag.has_task("count_rows"),
        "count_table": dag.get_task("count_rows").table,
        "roots": sorted(t.task_id for t in dag.roots),
        "leaves": sorted(t.task_id for t in dag.leaves),
        "task_ids": sorted(dag.task_ids),
        "owner": dag.owner,
    }


with DAG(
    "custom_operator_introspection",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    default_args={"owner": "data-eng", "retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:
    count = RowCountOperator(task_id="count_rows", table="orders_{{ ds_nodash }}")
    about = PythonOperator(task_id="describe", python_callable=describe)
    count >> about
