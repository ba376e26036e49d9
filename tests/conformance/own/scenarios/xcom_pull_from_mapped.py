"""Pulling what a mapped task returned: the whole lazy sequence, one map_index, a list of
map_indexes, the sum over it in a downstream @task, and a classic operator pulling through ti."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonOperator


def inspect(ti, **_):
    everything = ti.xcom_pull(task_ids="square")
    return {
        "all": list(everything),
        "length": len(everything),
        "second": ti.xcom_pull(task_ids="square", map_indexes=1),
        "some": list(ti.xcom_pull(task_ids="square", map_indexes=[2, 0])),
        "label": ti.xcom_pull(task_ids="label", map_indexes=0),
    }


with DAG("xcom_pull_from_mapped", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:

    @task
    def numbers():
        return [1, 2, 3, 4]

    @task
    def square(n):
        return n * n

    @task
    def label(n, prefix):
        return f"{prefix}{n}"

    @task
    def total(values):
        return {"sum": sum(values), "first": values[0], "last": values[-1], "middle": list(values[1:3])}

    squares = square.expand(n=numbers())
    labels = label.partial(prefix="n=").expand(n=squares)
    summed = total(squares)
    reader = PythonOperator(task_id="inspect", python_callable=inspect)
    [summed, labels] >> reader
