"""The deprecated schedule_interval= with a weekday cron in America/New_York across the DST switch:
the scheduled run's data interval, prev/next ds and the timetable the DAG object reports."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-03-08T07:00:00+00:00"}


def window(dag, data_interval_start, data_interval_end, prev_ds, next_ds, next_execution_date, **_):
    return {
        "interval": [data_interval_start.isoformat(), data_interval_end.isoformat()],
        "local_end": data_interval_end.in_timezone("America/New_York").isoformat(),
        "prev_ds": str(prev_ds),
        "next_ds": str(next_ds),
        "next_execution_date": None if next_execution_date is None else next_execution_date.isoformat(),
        "schedule_interval": dag.schedule_interval,
        "summary": dag.timetable.summary,
    }


dag = DAG(
    "sched_cron_interval_ny",
    start_date=pendulum.datetime(2024, 3, 1, tz="America/New_York"),
    schedule_interval="0 2 * * 1-5",
    catchup=False,
)

PythonOperator(task_id="window", python_callable=window, dag=dag)
