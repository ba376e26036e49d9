"""`with setup >> teardown:` written with TaskFlow calls: tasks made inside the block run between the
two; a teardown made `on_failure_fail_dagrun` fails the run when it fails itself."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task


@task
def create_bucket():
    return "s3://scratch-123"


@task
def load(bucket: str):
    return f"{bucket}/part-0"


@task
def check(path: str):
    return path.endswith("part-0")


@task
def remove_bucket():
    raise ValueError("bucket not empty")


with DAG("taskflow_setup_teardown_scope", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    bucket = create_bucket().as_setup()
    with bucket >> remove_bucket().as_teardown(setups=bucket, on_failure_fail_dagrun=True):
        check(load(bucket))
