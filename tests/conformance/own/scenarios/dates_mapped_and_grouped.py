"""A task group whose default_args start it later, and a mapped task given a start_date in .partial():
both are left out of an earlier run, while the rest of the pipeline runs."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonOperator
from airflow.utils.task_group import TaskGroup

ORACLE_RUN = {"logical_date": "2024-02-01T00:00:00+00:00"}


def upload(name):
    return f"uploaded {name}"


with DAG("dates_mapped_and_grouped", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:

    @task
    def list_files():
        return ["a", "b"]

    files = list_files()
    PythonOperator.partial(task_id="upload_v2", python_callable=upload, start_date=datetime(2024, 3, 1)).expand(
        op_args=files.map(lambda name: [name])
    )

    @task
    def checksum(name):
        return len(name)

    checksum.expand(name=files)

    with TaskGroup("new_metrics", default_args={"start_date": datetime(2024, 4, 1)}) as metrics:
        PythonOperator(task_id="compute", python_callable=upload, op_args=["metrics"])
    files >> metrics
