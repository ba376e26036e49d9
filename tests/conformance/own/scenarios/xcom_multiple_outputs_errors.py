"""A multiple_outputs task that returns a dict with a non-string key or something that is not a dict
fails the task (Airflow refuses to split it); a downstream all_done task still reads what the
healthy sibling pushed, key by key and as the whole return_value."""

import pendulum
from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def xcom_multiple_outputs_errors():
    @task(multiple_outputs=True)
    def int_keys():
        return {1: "one"}

    @task(multiple_outputs=True)
    def not_a_dict():
        return ["a", "b"]

    @task(multiple_outputs=True)
    def healthy():
        return {"a": 1, "b": [2, 3]}

    @task(trigger_rule="all_done")
    def report(ti=None):
        return {
            "whole": ti.xcom_pull(task_ids="healthy"),
            "b": ti.xcom_pull(task_ids="healthy", key="b"),
            "int_keys": ti.xcom_pull(task_ids="int_keys"),
            "not_a_dict": ti.xcom_pull(task_ids="not_a_dict"),
        }

    [int_keys(), not_a_dict(), healthy()] >> report()


xcom_multiple_outputs_errors()
