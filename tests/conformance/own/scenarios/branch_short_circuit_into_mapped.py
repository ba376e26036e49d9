"""`@task.short_circuit` in front of mapped work, with ignore_downstream_trigger_rules=False: the
mapped task directly below is skipped unexpanded, a reducer with all_done still runs and receives
nothing, and an unrelated branch of the DAG is untouched."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def branch_short_circuit_into_mapped():
    @task
    def batches():
        return [1, 2, 3]

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def quota_left(items):
        return len(items) > 5

    @task
    def send(n):
        return n * 100

    @task(trigger_rule="all_done")
    def summary(sent):
        return "nothing sent" if sent is None else sorted(sent)

    @task
    def housekeeping(items):
        return sum(items)

    items = batches()
    gate = quota_left(items)
    sent = send.expand(n=items)
    gate >> sent
    summary(sent)
    housekeeping(items)


branch_short_circuit_into_mapped()
