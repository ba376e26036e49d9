"""Classic operators and TaskFlow passing data both ways: a PythonOperator's .output into a @task,
XComArg(op, key=...) and .output['key'] for custom keys (not items of the returned dict), and a @task's result in a
classic operator's op_kwargs and templates_dict (which makes it a dependency)."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.models.xcom_arg import XComArg
from airflow.operators.python import PythonOperator


def extract(ti, **_):
    ti.xcom_push(key="source", value="warehouse")
    ti.xcom_push(key="table", value="orders_v2")  # .output["table"] reads this key, not the dict's item
    return {"rows": 42, "table": "orders"}


def load(rows, context_value, templates_dict, **_):
    return {"rows": rows, "context_value": context_value, "rendered": templates_dict["summary"]}


with DAG("xcom_classic_and_taskflow", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    ext = PythonOperator(task_id="extract", python_callable=extract)

    @task
    def transform(payload: dict, source: str, table: str):
        return payload["rows"] * 2, f"{source}.{table}"

    @task
    def pick(pair):
        return pair[0]

    shaped = transform(ext.output, XComArg(ext, key="source"), ext.output["table"])
    loaded = PythonOperator(
        task_id="load",
        python_callable=load,
        op_kwargs={"rows": pick(shaped), "context_value": shaped},
        templates_dict={
            "summary": "{{ ti.xcom_pull(task_ids='transform')[1] }} via {{ task.upstream_task_ids | sort | join(',') }}"
        },
    )

    @task
    def upstreams(ti=None):
        return sorted(ti.task.upstream_task_ids)

    loaded >> upstreams()
