"""A DAG with an end_date in the past, tested for a date after it: the DAG's end_date caps every
task's, so no task instance is created and the run succeeds empty."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-02-04T00:00:00+00:00"}


def migrate():
    return "migrated"


with DAG(
    dag_id="dates_dag_end_date",
    start_date=datetime(2023, 1, 1),
    end_date=datetime(2023, 12, 31),
    schedule="@weekly",
) as dag:
    first = PythonOperator(task_id="migrate", python_callable=migrate)
    second = PythonOperator(task_id="verify", python_callable=migrate, end_date=datetime(2025, 1, 1))
    first >> second
