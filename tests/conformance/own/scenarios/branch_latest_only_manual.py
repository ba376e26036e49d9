"""LatestOnlyOperator in a manually triggered run: Airflow lets an externally triggered run through
whatever its date; `airflow dags test` makes a run that is not externally triggered, and an old
logical date is not the latest interval there. Downstream tasks with none_failed and all_done."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.latest_only import LatestOnlyOperator
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"run_type": "manual", "logical_date": "2024-03-10T00:00:00+00:00"}

with DAG("branch_latest_only_manual", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    latest = LatestOnlyOperator(task_id="latest_only")
    publish = PythonOperator(task_id="publish", python_callable=lambda **c: c["dag_run"].run_type)
    always_load = PythonOperator(task_id="load", python_callable=lambda **c: c["ds"])
    report = EmptyOperator(task_id="report", trigger_rule="none_failed")
    audit = EmptyOperator(task_id="audit", trigger_rule="all_done")
    latest >> publish >> report
    always_load >> report
    publish >> audit
