"""`@setup`/`@teardown` decorators in a realistic cleanup pattern: a temp cluster created in a
TaskGroup, work that fails, a teardown that always runs, and `group >> end` (the teardown is not
what `end` waits on); the run's state comes from the failing work, not from the teardown."""

from datetime import datetime

from airflow.decorators import dag, setup, task, task_group, teardown
from airflow.operators.empty import EmptyOperator


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def groups_setup_teardown_cleanup():
    @setup
    def create_cluster():
        return {"cluster": "tmp-42"}

    @task
    def run_job(cluster):
        return f"job on {cluster['cluster']}"

    @task
    def validate(result):
        raise ValueError(f"validation failed for {result}")

    @teardown
    def delete_cluster(cluster):
        return f"deleted {cluster['cluster']}"

    @task_group
    def compute():
        cluster = create_cluster()
        result = run_job(cluster)
        checked = validate(result)
        checked >> delete_cluster(cluster)

    @task(trigger_rule="all_done")
    def report(**context):
        return sorted(context["task"].upstream_task_ids)

    start = EmptyOperator(task_id="start")
    end = EmptyOperator(task_id="end")
    group = compute()
    start >> group >> end
    group >> report()


groups_setup_teardown_cleanup()
