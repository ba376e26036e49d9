"""PythonOperator with `op_args`/`op_kwargs` (templated), `templates_dict` read back through the
context, context values picked by keyword, `show_return_value_in_logs=False`, a callable taking `**context`
next to explicit arguments, and Airflow's refusal of a callable whose positional slots (`*args`
counted by name) collide with a context key such as templates_dict."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def extract(source, batch_size, *, ds, run_id, **_):
    return {"source": source, "batch_size": batch_size, "ds": ds, "run_id": run_id}


def transform(table, day, mode="append", **context):
    return {
        "table": table,
        "day": day,
        "mode": mode,
        "templates_dict": context["templates_dict"],
        "params": dict(context["params"]),
    }


def summarize(*args, templates_dict=None, ti=None):
    pulled = ti.xcom_pull(task_ids=["extract", "transform"])
    return {"args": list(args), "query": templates_dict["query"], "pulled_len": len(pulled)}


def summarize_named(task_id, source, templates_dict=None, ti=None):
    return {"task_id": task_id, "source": source, "query": templates_dict["query"], "try": ti.try_number}


with DAG(
    "ops_python_op_args",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    params={"env": "prod"},
) as dag:
    e = PythonOperator(
        task_id="extract",
        python_callable=extract,
        op_args=["s3://bucket/{{ ds_nodash }}/", 500],
    )
    t = PythonOperator(
        task_id="transform",
        python_callable=transform,
        op_kwargs={"table": "sales_{{ params.env }}", "day": "{{ macros.ds_add(ds, 1) }}"},
        templates_dict={"query": "SELECT * FROM sales WHERE ds = '{{ ds }}'", "limit": 10},
        show_return_value_in_logs=False,
    )
    s = PythonOperator(
        task_id="summarize",
        python_callable=summarize,
        op_args=["{{ ti.task_id }}", "{{ ti.xcom_pull(task_ids='extract')['source'] }}"],
        templates_dict={"query": "{{ task_instance.xcom_pull(task_ids='transform')['table'] }}"},
    )
    named = PythonOperator(
        task_id="summarize_named",
        python_callable=summarize_named,
        op_args=["{{ ti.task_id }}", "{{ ti.xcom_pull(task_ids='extract')['source'] }}"],
        templates_dict={"query": "{{ task_instance.xcom_pull(task_ids='transform')['table'] }}"},
    )
    e >> t >> [s, named]
