"""Code written for Airflow 2 and 3 at once: Airflow 3's airflow.sdk names, Airflow 2's as the fallback."""

try:
    from airflow.sdk import DAG, Label, TaskGroup, chain, task
    from airflow.sdk.exceptions import AirflowSkipException
except ImportError:
    from airflow.decorators import task
    from airflow.exceptions import AirflowSkipException
    from airflow.models.baseoperator import chain
    from airflow.models.dag import DAG
    from airflow.utils.edgemodifier import Label
    from airflow.utils.task_group import TaskGroup

from airflow.utils import timezone

ORACLE_RUN = {"logical_date": "2024-01-02T00:00:00+00:00"}

with DAG(
    dag_id="compat_sdk_or_decorators",
    start_date=timezone.datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):

    @task
    def extract():
        return [3, 1, 2]

    @task
    def maybe_skip(rows):
        if len(rows) > 2:
            raise AirflowSkipException("enough rows already")
        return rows

    @task(trigger_rule="none_failed")
    def report(rows):
        return sorted(rows)

    with TaskGroup("checks"):
        rows = extract()
        skipped = maybe_skip(rows)
    final = report(rows)
    chain(skipped, Label("after checks"), final)
