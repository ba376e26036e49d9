"""A failing extract whose first failure callback raises and whose second records the exception for an
all_failed report task; callbacks from default_args."""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-03-04T00:00:00+00:00"}


def _explode():
    raise ValueError("partition 2024-03-04 is empty")


def _page_oncall(context):
    raise RuntimeError("the pager service is down")


def _remember_failure(context):
    exc = context["exception"]
    context["ti"].xcom_push(key="failure", value=f"{type(exc).__name__}: {exc}")


def _mark_success(context):
    ti = context["ti"]
    ti.xcom_push(key="succeeded", value={"try": ti.try_number, "state": ti.state})


def _report(ti):
    return f"extract failed with {ti.xcom_pull(task_ids='extract', key='failure')}"


with DAG(
    dag_id="callbacks_raising_failure_callback",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    default_args={"on_success_callback": _mark_success},
):
    extract = PythonOperator(
        task_id="extract", python_callable=_explode, on_failure_callback=[_page_oncall, _remember_failure]
    )
    report = PythonOperator(task_id="report", python_callable=_report, trigger_rule="all_failed")
    extract >> report
