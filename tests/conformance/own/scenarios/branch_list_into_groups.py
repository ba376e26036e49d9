"""BranchPythonOperator returning a list that names a task inside a TaskGroup and a TaskGroup's own
id (Airflow follows a group id to the group's first tasks); the joins use
none_failed_min_one_success as Airflow's examples do."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator
from airflow.utils.task_group import TaskGroup


def choose(**context):
    return ["load_group.load_api", "quality"]


with DAG("branch_list_into_groups", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    branch = BranchPythonOperator(task_id="branch", python_callable=choose)
    with TaskGroup("load_group") as load_group:
        load_db = EmptyOperator(task_id="load_db")
        load_api = PythonOperator(task_id="load_api", python_callable=lambda: "api rows")
        merge = EmptyOperator(task_id="merge", trigger_rule="none_failed_min_one_success")
        [load_db, load_api] >> merge
    with TaskGroup("quality") as quality:
        nulls = PythonOperator(task_id="nulls", python_callable=lambda: 0)
        dupes = EmptyOperator(task_id="dupes")
        nulls >> dupes
    with TaskGroup("archive") as archive:
        EmptyOperator(task_id="copy") >> EmptyOperator(task_id="verify")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    branch >> [load_group, quality, archive] >> join
