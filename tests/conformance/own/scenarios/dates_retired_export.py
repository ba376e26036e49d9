"""A legacy export that was switched off at the end of 2023 with end_date, and a reporting task that
only begins in the future: runs in 2024 create no instance for either."""

import pendulum
from airflow.decorators import dag, task

ORACLE_RUN = {"logical_date": "2024-01-15T00:00:00+00:00"}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    catchup=False,
    tags=["exports"],
)
def dates_retired_export():
    @task
    def build_snapshot() -> dict[str, int]:
        return {"rows": 10, "files": 2}

    @task(end_date=pendulum.datetime(2023, 12, 31, tz="UTC"))
    def legacy_ftp_export(rows: int):
        return f"sent {rows} rows"

    # The end date is inclusive: a run on exactly that day still gets this task.
    @task(end_date=pendulum.datetime(2024, 1, 15, tz="UTC"))
    def last_day_export(files: int):
        return files * 10

    @task(start_date=pendulum.datetime(2024, 3, 1, tz="Europe/Amsterdam"))
    def quarterly_report(rows: int):
        return rows + 1

    snapshot = build_snapshot()
    legacy_ftp_export(snapshot["rows"])
    last_day_export(snapshot["files"])
    quarterly_report(snapshot["rows"])


dates_retired_export()
