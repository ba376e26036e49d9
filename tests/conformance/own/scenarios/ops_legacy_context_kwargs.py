"""An Airflow 1.10-era file kept running on 2.10: provide_context=True (deprecated, accepted with a
warning), a callable reading kwargs['execution_date'] and friends, xcom_push through kwargs['ti'],
and templates using the deprecated context names (execution_date, next_ds, prev_ds, yesterday_ds,
tomorrow_ds, ts_nodash); the deprecated entries are lazy stand-ins in Airflow, so the file turns them
into strings before returning them."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator

default_args = {"owner": "airflow", "start_date": datetime(2024, 1, 1), "depends_on_past": False}


def push_dates(**kwargs):
    kwargs["ti"].xcom_push(key="exec", value=kwargs["execution_date"].isoformat())
    return {
        "ds": kwargs["ds"],
        "next_ds": str(kwargs["next_ds"]),
        "prev_ds": str(kwargs["prev_ds"]),
        "yesterday_ds": str(kwargs["yesterday_ds"]),
        "tomorrow_ds": str(kwargs["tomorrow_ds"]),
        "ts_nodash": kwargs["ts_nodash"],
        "next_execution_date": kwargs["next_execution_date"].isoformat(),
        "prev_execution_date": kwargs["prev_execution_date"].isoformat(),
    }


with DAG("ops_legacy_context_kwargs", default_args=default_args, schedule_interval="@daily") as dag:
    dates = PythonOperator(task_id="push_dates", python_callable=push_dates, provide_context=True)
    echo = BashOperator(
        task_id="echo",
        bash_command=(
            "echo '{{ execution_date.strftime(\"%Y%m%d\") }} {{ next_ds_nodash }} {{ prev_ds_nodash }} "
            "{{ ti.xcom_pull(task_ids=\"push_dates\", key=\"exec\") }}'"
        ),
    )
    dates >> echo
