"""Every task inherits a start_date from default_args that lies after the run's logical date (the DAG
itself starts earlier): the run has no task instance at all."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

ORACLE_RUN = {"logical_date": "2024-01-01T00:00:00+00:00"}

with DAG(
    "dates_all_tasks_excluded",
    start_date=datetime(2023, 6, 1),
    schedule_interval="@daily",
    catchup=False,
    default_args={"start_date": datetime(2024, 5, 1), "owner": "airflow"},
) as dag:
    begin = EmptyOperator(task_id="begin")
    say_hi = BashOperator(task_id="say_hi", bash_command="echo hi")
    begin >> say_hi
