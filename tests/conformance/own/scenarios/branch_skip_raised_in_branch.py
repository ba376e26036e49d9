"""A branch callable that raises AirflowSkipException instead of choosing (nothing to do today):
the branch task itself is skipped, so everything below follows the skip by its trigger rule, unlike
a branch returning [] which succeeds and skips its direct downstream only."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.exceptions import AirflowSkipException
from airflow.operators.empty import EmptyOperator


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def branch_skip_raised_in_branch():
    @task.branch
    def skipping_branch():
        raise AirflowSkipException("source not refreshed yet")

    @task.branch
    def empty_branch():
        return []

    a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b")
    c = EmptyOperator(task_id="c")
    d = EmptyOperator(task_id="d")
    after_a = EmptyOperator(task_id="after_a", trigger_rule="none_failed")
    after_c = EmptyOperator(task_id="after_c", trigger_rule="none_failed")
    join_any = EmptyOperator(task_id="join_any", trigger_rule="one_success")
    join_done = EmptyOperator(task_id="join_done", trigger_rule="all_done")
    skipping_branch() >> [a, b]
    empty_branch() >> [c, d]
    a >> after_a
    c >> after_c
    [after_a, after_c] >> join_any
    [after_a, after_c] >> join_done


branch_skip_raised_in_branch()
