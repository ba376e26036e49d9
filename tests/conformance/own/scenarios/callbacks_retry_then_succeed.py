"""A flaky fetch that succeeds on its third try while its retry callback raises each time, and a check
that skips itself: Airflow 2.10 calls its on_skipped_callback and then its on_success_callback."""

from __future__ import annotations

import datetime

import pendulum
from airflow import DAG
from airflow.exceptions import AirflowSkipException
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-05-06T00:00:00+00:00"}


def _flaky(ti):
    if ti.try_number < 3:
        raise ConnectionError(f"try {ti.try_number}: the upstream API timed out")
    return "fetched"


def _retry_alarm(context):
    raise RuntimeError(f"cannot page anyone about {context['exception']}")


def _started(context):
    context["ti"].xcom_push(key="started_try", value=context["ti"].try_number)


def _note(kind):
    def callback(context):
        ti = context["ti"]
        ti.xcom_push(key=kind, value={"try": ti.try_number, "state": ti.state, "has_exception": "exception" in context})

    return callback


def _nothing_new():
    raise AirflowSkipException("no new files today")


with DAG(
    dag_id="callbacks_retry_then_succeed",
    start_date=pendulum.datetime(2024, 5, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    default_args={"retries": 2, "retry_delay": datetime.timedelta(0), "on_retry_callback": _retry_alarm},
):
    fetch = PythonOperator(
        task_id="fetch", python_callable=_flaky, on_execute_callback=_started, on_success_callback=_note("success")
    )
    check = PythonOperator(
        task_id="check",
        python_callable=_nothing_new,
        on_skipped_callback=_note("skipped"),
        on_success_callback=_note("success"),
    )
    publish = PythonOperator(task_id="publish", python_callable=lambda: "published", on_skipped_callback=_note("x"))
    fetch >> check >> publish
