"""A branch callable that finds nothing to do returns None: every direct downstream is skipped, and
what follows depends on its trigger rule (none_failed, all_done, none_failed_min_one_success,
always)."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.operators.empty import EmptyOperator


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def branch_returns_none():
    @task.branch
    def route(**context):
        files = context["params"].get("files", [])
        if not files:
            return None
        return "process"

    @task(trigger_rule="none_failed")
    def after_none_failed():
        return "ran: none_failed"

    @task(trigger_rule="all_done")
    def after_all_done():
        return "ran: all_done"

    @task(trigger_rule="none_failed_min_one_success")
    def after_min_one():
        return "ran: min_one"

    @task(trigger_rule="always")
    def report():
        return "ran: always"

    process = EmptyOperator(task_id="process")
    archive = EmptyOperator(task_id="archive")
    r = route()
    r >> [process, archive]
    [process, archive] >> after_none_failed()
    [process, archive] >> after_all_done()
    [process, archive] >> after_min_one()
    after_min_one_again = EmptyOperator(task_id="after_min_one_chain", trigger_rule="none_failed")
    process >> after_min_one_again >> report()


branch_returns_none()
