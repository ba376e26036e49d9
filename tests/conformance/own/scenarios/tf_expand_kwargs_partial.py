"""Dynamic task mapping beyond one list: two expanded arguments (cross product), expanding over a
dict (key/value pairs), expand_kwargs from a task returning dicts, a classic PythonOperator with
partial(...).expand(op_args=...) and expand_kwargs, and a literal expand_kwargs list."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonOperator


def add(x, y):
    return x + y


with DAG("tf_expand_kwargs_partial", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:

    @task
    def combine(letter, number, sep):
        return f"{letter}{sep}{number}"

    @task
    def pair(item):
        key, value = item
        return f"{key}={value}"

    @task
    def settings():
        return {"b": 2, "a": 1}

    @task
    def jobs():
        return [{"name": "x", "size": 1}, {"name": "y", "size": 2}]

    @task
    def run_job(name, size, retries_left=0):
        return {"name": name, "size": size * 10, "retries_left": retries_left}

    @task
    def collect(values):
        return sorted(values)

    combos = combine.partial(sep="-").expand(letter=["a", "b"], number=[1, 2, 3])
    pairs = pair.expand(item=settings())
    ran = run_job.partial(retries_left=1).expand_kwargs(jobs())
    literal = run_job.expand_kwargs([{"name": "lit", "size": 5}])
    classic = PythonOperator.partial(task_id="classic_add", python_callable=add).expand(op_args=[[1, 2], [10, 20]])
    classic_kw = PythonOperator.partial(task_id="classic_kwargs", python_callable=add).expand_kwargs(
        [{"op_kwargs": {"x": 1, "y": 1}}, {"op_args": [5, 5]}]
    )
    collect(combos)
    collect.override(task_id="collect_pairs")(pairs)
    collect.override(task_id="collect_classic")(classic.output)
    ran >> literal >> classic_kw
