"""The plain case: an all_success task downstream of a task whose start_date is after the logical date."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-01-05T00:00:00+00:00", "run_type": "manual"}


def step(name):
    return name


with DAG(
    dag_id="dates_downstream_all_success",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
) as dag:
    clean = PythonOperator(task_id="clean", python_callable=step, op_args=["clean"])
    enrich = PythonOperator(
        task_id="enrich", python_callable=step, op_args=["enrich"], start_date=datetime(2024, 3, 1)
    )
    publish = PythonOperator(task_id="publish", python_callable=step, op_args=["publish"])
    clean >> enrich >> publish
    clean >> publish
