"""A timedelta schedule whose start_date is in Europe/Amsterdam: the data interval, ds and ts
templates stay in UTC while dag.timezone and in_timezone give the local wall clock."""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-03-30T23:00:00+00:00"}

local = pendulum.timezone("Europe/Amsterdam")


def report(dag, ds, ts, ts_nodash, data_interval_start, data_interval_end, logical_date, **_):
    return {
        "ds": ds,
        "ts": ts,
        "ts_nodash": ts_nodash,
        "interval": [data_interval_start.isoformat(), data_interval_end.isoformat()],
        "local_start": data_interval_start.in_timezone(dag.timezone).isoformat(),
        "local_end": data_interval_end.in_timezone(dag.timezone).isoformat(),
        "tz_name": dag.timezone.name,
        "logical_tz": logical_date.timezone_name,
        "start_date": dag.start_date.isoformat(),
        "following": dag.following_schedule(logical_date).isoformat(),
    }


with DAG(
    dag_id="sched_timedelta_local_tz",
    start_date=pendulum.datetime(2024, 3, 1, tz=local),
    schedule=timedelta(hours=12),
    catchup=False,
) as dag:
    PythonOperator(
        task_id="report",
        python_callable=report,
    )
    PythonOperator(
        task_id="templated",
        python_callable=lambda a, b: {"a": a, "b": b},
        op_args=["{{ data_interval_end.in_timezone(dag.timezone).strftime('%Y-%m-%d %H:%M') }}"],
        op_kwargs={"b": "{{ logical_date.in_timezone('Europe/Amsterdam').to_date_string() }}"},
    )
