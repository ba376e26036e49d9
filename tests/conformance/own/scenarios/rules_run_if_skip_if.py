"""Airflow 2.10's `@task.run_if` and `@task.skip_if`: conditions on the context (conf, logical date,
task id) decide before the callable runs whether the task is skipped; stacked on `@task.bash` and
with a downstream none_failed task."""

from datetime import datetime

from airflow.decorators import dag, task

ORACLE_RUN = {"conf": {"full_refresh": True}}


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def rules_run_if_skip_if():
    @task.run_if(lambda context: context["dag_run"].conf.get("full_refresh", False))
    @task
    def full_refresh():
        return "refreshed"

    @task.skip_if(lambda context: context["dag_run"].conf.get("full_refresh", False))
    @task
    def incremental():
        return "incremental"

    @task.run_if(lambda context: context["logical_date"].day == 1, skip_message="not the 1st")
    @task.bash
    def monthly() -> str:
        return "echo monthly-{{ ds }}"

    @task.skip_if(lambda context: context["task"].task_id.startswith("weekly"))
    @task
    def weekly():
        return "weekly"

    @task(trigger_rule="none_failed")
    def finish(a, b):
        return [a, b]

    [monthly(), weekly()] >> finish(full_refresh(), incremental())


rules_run_if_skip_if()
