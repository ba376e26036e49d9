"""AirflowSkipException raised by one instance of a mapped task: that instance is skipped, the
others succeed; a reducer with all_success is skipped, one with none_failed runs and sees only the
successful values, one_success and all_done run too."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.exceptions import AirflowSkipException


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def rules_mapped_skip_instance():
    @task
    def partitions():
        return ["eu", "us", "empty", "apac"]

    @task
    def process(region):
        if region == "empty":
            raise AirflowSkipException("no rows for this region")
        return f"{region}:ok"

    @task
    def strict_total(results):
        return sorted(results)

    @task(trigger_rule="none_failed")
    def total(results):
        return sorted(r for r in results if r is not None)

    @task(trigger_rule="one_success")
    def any_total(results):
        return len(list(results))

    @task(trigger_rule="all_done")
    def done_total(results):
        return [r for r in results]

    processed = process.expand(region=partitions())
    strict_total(processed)
    total(processed)
    any_total(processed)
    done_total(processed)


rules_mapped_skip_instance()
