"""A branch inside a TaskGroup picking a task of the same group (by its full, prefixed id), the
unchosen sibling skipped, the group's join with none_failed_min_one_success and a task after the
group with the default rule."""

from datetime import datetime

from airflow.decorators import dag, task, task_group
from airflow.operators.empty import EmptyOperator


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def groups_branch_in_group():
    @task_group(group_id="region")
    def region(name: str):
        @task.branch
        def route(n):
            return "region.small" if len(n) <= 2 else "region.large"

        @task
        def small():
            return "small"

        @task
        def large():
            return "large"

        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        route(name) >> [small(), large()] >> join

    @task
    def after():
        return "after group"

    EmptyOperator(task_id="begin") >> region("eu") >> after()


groups_branch_in_group()
