"""A daily pipeline that gained a new source in February: the new task carries its own start_date so
that catch-up runs before that day do not try to load it."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-01-10T00:00:00+00:00"}

default_args = {"owner": "data-eng", "retries": 1, "retry_delay": timedelta(minutes=5)}


def extract_orders(**context):
    return {"orders": 42, "day": context["ds"]}


def load_partner_feed():
    return "partner rows"


with DAG(
    dag_id="dates_task_added_later",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=True,
    default_args=default_args,
) as dag:
    start = EmptyOperator(task_id="start")
    orders = PythonOperator(task_id="extract_orders", python_callable=extract_orders)
    partner = PythonOperator(
        task_id="load_partner_feed",
        python_callable=load_partner_feed,
        start_date=datetime(2024, 2, 1),
    )
    # The day the new task starts exactly: it runs on that day (start_date <= logical date).
    audit = EmptyOperator(task_id="audit_from_jan_10", start_date=datetime(2024, 1, 10))
    done = EmptyOperator(task_id="done")

    start >> [orders, partner, audit]
    orders >> done
