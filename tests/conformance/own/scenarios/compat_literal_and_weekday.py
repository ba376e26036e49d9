"""literal() keeps Jinja away from a value; WeekDay names the days a branch follows."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.operators.weekday import BranchDayOfWeekOperator
from airflow.utils.template import literal
from airflow.utils.weekday import WeekDay

ORACLE_RUN = {"logical_date": "2024-01-03T00:00:00+00:00"}


def _echo(text, rendered):
    return {
        "text": text,
        "rendered": rendered,
        "friday": int(WeekDay.FRIDAY),
        "days": sorted(WeekDay.validate_week_day(["monday", WeekDay.WEDNESDAY])),
    }


with DAG(
    dag_id="compat_literal_and_weekday",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    raw = BashOperator(
        task_id="raw", bash_command="echo '{{ ds }}'", env={"KEEP": literal("{{ ds }}")}, append_env=True
    )
    echo = PythonOperator(
        task_id="echo",
        python_callable=_echo,
        op_kwargs={"text": literal("{{ ds }}"), "rendered": "{{ ds }}"},
    )
    branch = BranchDayOfWeekOperator(
        task_id="midweek",
        week_day={WeekDay.WEDNESDAY, WeekDay.THURSDAY},
        use_task_logical_date=True,
        follow_task_ids_if_true="midweek_work",
        follow_task_ids_if_false="other_day",
    )
    raw >> echo >> branch >> [EmptyOperator(task_id="midweek_work"), EmptyOperator(task_id="other_day")]
