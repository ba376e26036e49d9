"""A daily 02:30 cron in Europe/Amsterdam around the spring-forward gap (02:30 does not exist on
2024-03-31): the scheduled run's data interval, the deprecated schedule helpers across the gap, and
the local wall clock of each boundary."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-03-30T01:30:00+00:00"}

AMS = pendulum.timezone("Europe/Amsterdam")


def around_gap(dag, data_interval_start, data_interval_end, logical_date, **_):
    following = dag.following_schedule(logical_date)
    after_gap = dag.following_schedule(following)
    infos = dag.iter_dagrun_infos_between(
        pendulum.datetime(2024, 3, 29, tz=AMS), pendulum.datetime(2024, 4, 2, tz=AMS)
    )
    return {
        "interval": [data_interval_start.isoformat(), data_interval_end.isoformat()],
        "local": [data_interval_start.in_timezone(AMS).isoformat(), data_interval_end.in_timezone(AMS).isoformat()],
        "following": following.isoformat(),
        "after_gap": after_gap.isoformat(),
        "previous": dag.previous_schedule(logical_date).isoformat(),
        "runs": [i.logical_date.in_timezone(AMS).isoformat() for i in infos],
    }


with DAG(
    "sched_cron_dst_gap",
    start_date=pendulum.datetime(2024, 3, 1, tz=AMS),
    schedule="30 2 * * *",
    catchup=True,
) as dag:
    PythonOperator(task_id="around_gap", python_callable=around_gap)
