"""A TaskGroup with prefix_group_id=False (task ids stay bare) and a nested group that keeps its
prefix, which then starts at its own id (no 'flat.'); a branch returns the bare id of a task inside the
unprefixed group and the nested group's id."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator
from airflow.utils.task_group import TaskGroup


def ids(**context):
    return sorted(context["dag"].task_ids)


with DAG("groups_no_prefix_branch", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: ["load_fast", "inner"])
    with TaskGroup("flat", prefix_group_id=False) as flat:
        fast = PythonOperator(task_id="load_fast", python_callable=ids)
        slow = EmptyOperator(task_id="load_slow")
        with TaskGroup("inner") as inner:
            EmptyOperator(task_id="step")
    end = EmptyOperator(task_id="end", trigger_rule="none_failed_min_one_success")
    pick >> [fast, slow, inner] >> end
