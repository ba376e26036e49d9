"""A BaseBranchOperator subclass (the class-based branch that plugin code writes) whose choose_branch
reads the upstream XCom and returns a task group id and a plain task; edge Labels on the branches."""

from datetime import datetime

from airflow import DAG
from airflow.operators.branch import BaseBranchOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.edgemodifier import Label
from airflow.utils.task_group import TaskGroup


class SizeBranchOperator(BaseBranchOperator):
    template_fields = ("threshold",)

    def __init__(self, threshold, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def choose_branch(self, context):
        rows = context["ti"].xcom_pull(task_ids="measure")
        if rows > int(self.threshold):
            return ["big_load", "notify"]
        return "small_load"


with DAG("branch_custom_base_branch", start_date=datetime(2024, 1, 1), schedule="@daily",
         params={"threshold": 100}) as dag:
    measure = PythonOperator(task_id="measure", python_callable=lambda: 250)
    choose = SizeBranchOperator(task_id="choose", threshold="{{ params.threshold }}")
    with TaskGroup("big_load") as big_load:
        split = PythonOperator(task_id="split", python_callable=lambda: [1, 2, 3])
        load = EmptyOperator(task_id="load")
        split >> load
    small_load = PythonOperator(task_id="small_load", python_callable=lambda: "small")
    notify = EmptyOperator(task_id="notify")
    finish = EmptyOperator(task_id="finish", trigger_rule="none_failed_min_one_success")
    measure >> choose
    choose >> Label("> threshold") >> big_load >> finish
    choose >> Label("<= threshold") >> small_load >> finish
    choose >> notify
