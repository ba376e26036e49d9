"""Mapping over an empty list (no files today): the mapped task is skipped without instances, and
downstream tasks follow the skip by their rules: all_success skipped, none_failed/all_done running,
all_skipped running, none_skipped skipped; a reducer with none_failed receiving an empty list."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def rules_mapped_over_empty():
    @task
    def list_files():
        return []

    @task
    def parse(path):
        return path.upper()

    @task
    def strict(rows):
        return list(rows)

    @task(trigger_rule="none_failed")
    def lenient(rows):
        return {"count": len(list(rows))}

    @task(trigger_rule="all_skipped")
    def nothing_came():
        return "quiet day"

    @task(trigger_rule="none_skipped")
    def needs_all():
        return "unexpected"

    parsed = parse.expand(path=list_files())
    strict(parsed)
    lenient(parsed)
    parsed >> [nothing_came(), needs_all()]


rules_mapped_over_empty()
