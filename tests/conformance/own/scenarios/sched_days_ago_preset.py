"""The old tutorial header: start_date=days_ago(2, hour=6) in default_args, a "@daily" preset given
as schedule_interval, catchup=False and an end_date; the task reports the dates the DAG holds."""

from datetime import timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.utils.dates import days_ago

ORACLE_RUN = {"logical_date": "2024-06-14T00:00:00+00:00", "now": "2024-06-15T12:00:00+00:00"}

default_args = {
    "owner": "airflow",
    "start_date": days_ago(2, hour=6),
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
}


def dates(dag, task, data_interval_start, data_interval_end, **_):
    return {
        "dag_start": None if dag.start_date is None else dag.start_date.isoformat(),
        "task_start": task.start_date.isoformat(),
        "end_date": dag.end_date.isoformat(),
        "interval": [data_interval_start.isoformat(), data_interval_end.isoformat()],
        "schedule": dag.schedule_interval,
        "catchup": dag.catchup,
        "retry_delay": task.retry_delay.total_seconds(),
    }


with DAG(
    "sched_days_ago_preset",
    default_args=default_args,
    schedule_interval="@daily",
    end_date=days_ago(-30),
    catchup=False,
) as dag:
    PythonOperator(task_id="dates", python_callable=dates)
