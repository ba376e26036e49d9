"""Alerts to an SMTP server nobody listens on: e-mail on retry and failure fails to send and changes no
state; an all_failed EmailOperator fails; the DAG callback records the run's reason on the last task."""

from __future__ import annotations

import datetime

import pendulum
from airflow import DAG
from airflow.operators.email import EmailOperator
from airflow.operators.python import PythonOperator

ORACLE_RUN = {
    "logical_date": "2024-07-08T00:00:00+00:00",
    "env": {
        "AIRFLOW__SMTP__SMTP_HOST": "127.0.0.1",
        "AIRFLOW__SMTP__SMTP_PORT": "1",
        "HEADWATER__SMTP__SMTP_HOST": "127.0.0.1",
        "HEADWATER__SMTP__SMTP_PORT": "1",
    },
}


def _load():
    raise RuntimeError("warehouse refused the connection")


def _run_ended(context):
    context["ti"].xcom_push(key="dag_reason", value=context["reason"])


with DAG(
    dag_id="callbacks_email_unreachable",
    start_date=pendulum.datetime(2024, 7, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    on_success_callback=_run_ended,
    on_failure_callback=_run_ended,
    default_args={"email": ["oncall@example.com"], "retries": 1, "retry_delay": datetime.timedelta(0)},
):
    load = PythonOperator(task_id="load", python_callable=_load)
    notify = EmailOperator(
        task_id="notify",
        to="team@example.com",
        subject="load failed for {{ ds }}",
        html_content="<p>see the log of load</p>",
        trigger_rule="all_failed",
        retries=0,
    )
    cleanup = PythonOperator(task_id="cleanup", python_callable=lambda: "cleaned", trigger_rule="all_done")
    load >> notify >> cleanup
