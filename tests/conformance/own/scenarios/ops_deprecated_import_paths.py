"""Import paths from Airflow 1.10 tutorials that 2.10 still serves (with a deprecation warning):
airflow.operators.dummy, dummy_operator, bash_operator, python_operator, latest_only_operator,
and the deprecated airflow.utils.helpers.chain / cross_downstream."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy import DummyOperator
from airflow.operators.dummy_operator import DummyOperator as OldDummy
from airflow.operators.python_operator import BranchPythonOperator, PythonOperator, ShortCircuitOperator
from airflow.utils.helpers import chain, cross_downstream


def pick(**context):
    return "path_a" if context["ds"].endswith("01") else "path_b"


def report(**context):
    task = context["task"]
    return {"class": type(task).__name__, "upstream": sorted(task.upstream_task_ids)}


with DAG("ops_deprecated_import_paths", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    start = DummyOperator(task_id="start")
    branch = BranchPythonOperator(task_id="branch", python_callable=pick)
    path_a = OldDummy(task_id="path_a")
    path_b = OldDummy(task_id="path_b")
    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: True, trigger_rule="none_failed")
    echo = BashOperator(task_id="echo", bash_command="echo ok")
    r1 = PythonOperator(task_id="report_1", python_callable=report)
    r2 = PythonOperator(task_id="report_2", python_callable=report)
    chain(start, branch, [path_a, path_b], gate)
    cross_downstream([gate, echo], [r1, r2])
