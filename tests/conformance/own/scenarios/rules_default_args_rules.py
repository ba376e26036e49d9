"""default_args carrying trigger_rule, retries and retry_delay: every task inherits them unless it
sets its own, so a failing task is retried once and its downstream runs anyway (all_done) while an
overriding all_success task ends upstream_failed."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator

default_args = {
    "owner": "etl",
    "retries": 1,
    "retry_delay": timedelta(0),
    "trigger_rule": "all_done",
}


def fail_twice(ti, **_):
    raise RuntimeError(f"try {ti.try_number} failed")


def show(task, ti, **_):
    return {"rule": str(task.trigger_rule), "retries": task.retries, "try": ti.try_number, "owner": task.owner}


with DAG("rules_default_args_rules", start_date=datetime(2024, 1, 1), schedule="@daily",
         default_args=default_args) as dag:
    broken = PythonOperator(task_id="broken", python_callable=fail_twice)
    inherits = PythonOperator(task_id="inherits", python_callable=show)
    strict = PythonOperator(task_id="strict", python_callable=show, trigger_rule="all_success", retries=0)
    tail = PythonOperator(task_id="tail", python_callable=show)
    broken >> [inherits, strict]
    strict >> tail
