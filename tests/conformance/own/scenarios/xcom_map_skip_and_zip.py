"""XComArg.map with a function that skips some elements (AirflowSkipException skips that map index),
that transforms dicts, and zip of two upstream lists with and without a fillvalue, feeding expand."""

import pendulum
from airflow.decorators import dag, task
from airflow.exceptions import AirflowSkipException


def only_csv(name):
    if not name.endswith(".csv"):
        raise AirflowSkipException(f"{name} is not a csv")
    return name.upper()


def describe(row):
    return f"{row['id']}:{row['kind']}"


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def xcom_map_skip_and_zip():
    @task
    def files():
        return ["a.csv", "b.json", "c.csv"]

    @task
    def rows():
        return [{"id": 1, "kind": "x"}, {"id": 2, "kind": "y"}]

    @task
    def ids():
        return [10, 20, 30]

    @task
    def load(name):
        return f"loaded {name}"

    @task
    def show(item):
        return item

    @task
    def count(values):
        return len(list(values))

    loaded = load.expand(name=files().map(only_csv))
    count(loaded)
    show.override(task_id="show_rows").expand(item=rows().map(describe))
    short = ids()
    show.override(task_id="zipped").expand(item=files().zip(short))
    show.override(task_id="zipped_fill").expand(item=short.zip(rows(), fillvalue=None))


xcom_map_skip_and_zip()
