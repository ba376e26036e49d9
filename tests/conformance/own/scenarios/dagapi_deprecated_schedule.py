"""Deprecated schedule helpers a maintenance task still calls on the DAG object it receives:
following_schedule, previous_schedule, get_run_dates, iter_dagrun_infos_between, next_dagrun_info,
on a cron DAG built with `from airflow.models import DAG` and tasks attached with dag=dag."""

import pendulum
from airflow.models import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-03-04T06:30:00+00:00"}


def iso(value):
    return None if value is None else value.isoformat()


def schedule_report(dag, logical_date, **_):
    start = pendulum.datetime(2024, 3, 1, tz="UTC")
    end = pendulum.datetime(2024, 3, 6, tz="UTC")
    infos = list(dag.iter_dagrun_infos_between(start, end))
    first = dag.next_dagrun_info(None)
    after = dag.next_dagrun_info(infos[0].data_interval)
    return {
        "following": iso(dag.following_schedule(logical_date)),
        "previous": iso(dag.previous_schedule(logical_date)),
        "run_dates": [iso(d) for d in dag.get_run_dates(start, end)],
        "infos": [[iso(i.logical_date), iso(i.data_interval.start), iso(i.data_interval.end)] for i in infos],
        "first": [iso(first.logical_date), iso(first.run_after)],
        "after_first": [iso(after.logical_date), iso(after.data_interval.end)],
        "catchup": dag.catchup,
        "schedule": dag.schedule_interval,
    }


def timetable_summary(dag, **_):
    return {"summary": dag.timetable.summary, "schedule_interval": dag.schedule_interval}


dag = DAG(
    dag_id="dagapi_deprecated_schedule",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    schedule="30 6 * * 1-5",
    catchup=True,
)

report = PythonOperator(task_id="schedule_report", python_callable=schedule_report, dag=dag)
summary = PythonOperator(task_id="timetable_summary", python_callable=timetable_summary, dag=dag)
report >> summary
