"""Custom operator and callables typed with Airflow's Context, TaskInstance and LoggingMixin."""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.models.baseoperator import BaseOperator
from airflow.models.taskinstance import TaskInstance
from airflow.operators.python import PythonOperator, get_current_context
from airflow.utils.context import Context
from airflow.utils.log.logging_mixin import LoggingMixin

ORACLE_RUN = {"logical_date": "2024-01-02T00:00:00+00:00"}


class RowCounter(LoggingMixin):
    def count(self, rows: list[int]) -> int:
        self.log.info("counting %d rows", len(rows))
        return len(rows)


class SummaryOperator(BaseOperator):
    def __init__(self, *, rows: list[int], **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows

    def execute(self, context: Context) -> int:
        ti: TaskInstance = context["ti"]
        ti.xcom_push(key="counted_by", value=ti.task_id)
        return RowCounter().count(self.rows)


def _inspect(ti: TaskInstance, **context: Context) -> dict:
    current = get_current_context()
    return {
        "ti_is_task_instance": isinstance(ti, TaskInstance),
        "current_is_context": isinstance(current, Context),
        "ds": current["ds"],
        "upstream": ti.xcom_pull(task_ids="summary"),
    }


with DAG(
    dag_id="compat_context_and_logging",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    SummaryOperator(task_id="summary", rows=[1, 2, 3, 4]) >> PythonOperator(task_id="inspect", python_callable=_inspect)
