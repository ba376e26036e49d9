"""Tasks downstream of a task that has no instance in this run (its start_date is later): how each
trigger rule treats an upstream that does not exist."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.trigger_rule import TriggerRule

ORACLE_RUN = {"logical_date": "2024-01-05T00:00:00+00:00"}

with DAG(
    dag_id="dates_downstream_of_excluded",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
) as dag:
    ready = EmptyOperator(task_id="ready")
    future = EmptyOperator(task_id="future_source", start_date=datetime(2024, 6, 1))
    for rule in (
        TriggerRule.ALL_DONE,
        TriggerRule.ONE_SUCCESS,
        TriggerRule.NONE_FAILED,
        TriggerRule.ALWAYS,
        TriggerRule.ALL_SKIPPED,
    ):
        join = EmptyOperator(task_id=f"join_{rule.value}", trigger_rule=rule)
        [ready, future] >> join
    only_future = EmptyOperator(task_id="only_after_future", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    future >> only_future
