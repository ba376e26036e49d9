"""AirflowFailException in one mapped instance despite retries (no retry for it), another instance
that recovers on its retry, and what hangs off the mapped task: an all_success reducer ends
upstream_failed, an all_done reducer sees the successful values (None for the failed one), a one_failed
alert runs."""

from datetime import datetime, timedelta

from airflow.decorators import dag, task
from airflow.exceptions import AirflowFailException


@dag(
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(0)},
)
def rules_mapped_fail_fast():
    @task
    def validate(table, ti=None):
        if table == "bad_table":
            raise AirflowFailException(f"{table} has no primary key")
        if table == "slow_table" and ti.try_number == 1:
            raise TimeoutError("lock wait timeout")
        return f"{table}:ok:{ti.try_number}"

    @task
    def publish(results):
        return list(results)

    @task(trigger_rule="all_done")
    def report(results):
        return [r for r in results]

    @task(trigger_rule="one_failed")
    def alert():
        return "paged on-call"

    checked = validate.expand(table=["orders", "bad_table", "slow_table"])
    publish(checked)
    report(checked)
    checked >> alert()


rules_mapped_fail_fast()
