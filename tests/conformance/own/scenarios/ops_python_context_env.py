"""Python callables that read the AIRFLOW_CTX_* environment variables Airflow exports to every task
(scripts and libraries called from a task tag their output with them), and get_current_context()
called from a helper function rather than the task itself."""

import os
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator, get_current_context


def _tag():
    context = get_current_context()
    return f"{context['task'].task_id}@{context['ds']}"


def env_snapshot():
    keys = ("AIRFLOW_CTX_DAG_ID", "AIRFLOW_CTX_TASK_ID", "AIRFLOW_CTX_DAG_RUN_ID",
            "AIRFLOW_CTX_TRY_NUMBER", "AIRFLOW_CTX_EXECUTION_DATE", "AIRFLOW_CTX_DAG_OWNER")
    return {key: os.environ.get(key) for key in keys} | {"tag": _tag()}


with DAG(
    "ops_python_context_env",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    default_args={"owner": "analytics"},
) as dag:
    first = PythonOperator(task_id="first", python_callable=env_snapshot)
    second = PythonOperator(task_id="second", python_callable=env_snapshot, owner="ops")
    first >> second
