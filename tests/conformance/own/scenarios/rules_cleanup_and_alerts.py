"""A load that fails with AirflowFailException (no retry despite retries=3) and the tasks real
pipelines hang off it: one_failed alert, all_failed rollback, always cleanup, none_skipped and
one_done checks, and an all_success publish that ends upstream_failed."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowFailException
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.trigger_rule import TriggerRule


def load(**context):
    raise AirflowFailException("schema mismatch in orders: no point retrying")


def alert(ti, **_):
    return {"failed_try": ti.xcom_pull(task_ids="extract"), "try": ti.try_number}


with DAG(
    "rules_cleanup_and_alerts",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
) as dag:
    extract = PythonOperator(task_id="extract", python_callable=lambda: "extracted")
    validate = EmptyOperator(task_id="validate")
    load_task = PythonOperator(task_id="load", python_callable=load)
    publish = EmptyOperator(task_id="publish")
    on_fail = PythonOperator(task_id="alert", python_callable=alert, trigger_rule=TriggerRule.ONE_FAILED)
    rollback = EmptyOperator(task_id="rollback", trigger_rule=TriggerRule.ALL_FAILED)
    cleanup = EmptyOperator(task_id="cleanup", trigger_rule=TriggerRule.ALWAYS)
    no_skips = EmptyOperator(task_id="no_skips", trigger_rule=TriggerRule.NONE_SKIPPED)
    first_done = EmptyOperator(task_id="first_done", trigger_rule=TriggerRule.ONE_DONE)
    all_skipped = EmptyOperator(task_id="all_skipped", trigger_rule=TriggerRule.ALL_SKIPPED)

    extract >> [validate, load_task]
    load_task >> publish
    [validate, load_task] >> on_fail
    load_task >> rollback
    [publish, load_task] >> cleanup
    [validate, load_task] >> no_skips
    [load_task, validate] >> first_done
    [publish, rollback] >> all_skipped
