"""Nested branches (an outer branch whose one path holds another branch) closed by joins with
none_failed_min_one_success, none_failed and all_done, as in Airflow's nested-branch example, with
the inner branch reading the outer branch's XCom."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator
from airflow.utils.trigger_rule import TriggerRule


def outer(**context):
    context["ti"].xcom_push(key="mode", value="full")
    return "full_path"


def inner(ti, **_):
    mode = ti.xcom_pull(task_ids="outer", key="mode")
    return ["inner_fast"] if mode == "quick" else ["inner_slow", "inner_audit"]


def collect(ti, **_):
    return ti.xcom_pull(task_ids=["inner_slow", "inner_audit", "inner_fast"])


with DAG("branch_nested_joins", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    outer_branch = BranchPythonOperator(task_id="outer", python_callable=outer)
    quick_path = EmptyOperator(task_id="quick_path")
    full_path = EmptyOperator(task_id="full_path")
    inner_branch = BranchPythonOperator(task_id="inner", python_callable=inner)
    inner_fast = PythonOperator(task_id="inner_fast", python_callable=lambda: "fast")
    inner_slow = PythonOperator(task_id="inner_slow", python_callable=lambda: "slow")
    inner_audit = PythonOperator(task_id="inner_audit", python_callable=lambda: "audit")
    inner_join = PythonOperator(
        task_id="inner_join", python_callable=collect, trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS
    )
    strict_join = EmptyOperator(task_id="strict_join", trigger_rule=TriggerRule.NONE_FAILED)
    done_join = EmptyOperator(task_id="done_join", trigger_rule=TriggerRule.ALL_DONE)
    plain_join = EmptyOperator(task_id="plain_join")
    outer_join = EmptyOperator(task_id="outer_join", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)

    outer_branch >> [quick_path, full_path]
    full_path >> inner_branch >> [inner_fast, inner_slow, inner_audit]
    [inner_fast, inner_slow, inner_audit] >> inner_join
    [inner_fast, inner_slow] >> strict_join
    [inner_fast, inner_audit] >> done_join
    [inner_slow, inner_audit] >> plain_join
    [quick_path, inner_join] >> outer_join
