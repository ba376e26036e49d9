"""The provider fallback idiom: a provider that is not installed takes the except ImportError branch."""

import pendulum
from airflow import DAG
from airflow.decorators import task

try:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
except ImportError:
    S3Hook = None

try:
    from airflow.providers.some_vendor.operators.magic import MagicOperator
except ModuleNotFoundError:
    MagicOperator = None

ORACLE_RUN = {"logical_date": "2024-01-02T00:00:00+00:00"}


with DAG(
    dag_id="compat_provider_fallback",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):

    @task
    def which_storage():
        return "s3" if S3Hook is not None else "local"

    @task
    def which_magic():
        return MagicOperator is None

    which_storage() >> which_magic()
