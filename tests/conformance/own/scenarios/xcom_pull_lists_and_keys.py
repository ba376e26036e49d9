"""Classic XCom pulling as older DAG files do it: task_ids as a list (values in list order), custom
keys pushed with ti.xcom_push, key= with and without task_ids, a missing key, include_prior_dates,
and a Jinja template pulling from two tasks."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def push_a(ti, **_):
    ti.xcom_push(key="rows", value=10)
    ti.xcom_push(key="path", value="/tmp/a.csv")
    return "a-done"


def push_b(**context):
    context["ti"].xcom_push(key="rows", value=32)
    return {"status": "b-done"}


def pull(ti, **_):
    return {
        "list_order": list(ti.xcom_pull(task_ids=["push_b", "push_a"])),
        "rows_list": list(ti.xcom_pull(task_ids=["push_a", "push_b"], key="rows")),
        "rows_single": ti.xcom_pull(task_ids="push_a", key="rows"),
        "path": ti.xcom_pull(key="path", task_ids="push_a"),
        "missing_key": ti.xcom_pull(task_ids="push_a", key="nope"),
        "missing_task": ti.xcom_pull(task_ids="nope"),
        "prior": ti.xcom_pull(task_ids="push_a", include_prior_dates=True),
        "tuple_ids": list(ti.xcom_pull(task_ids=("push_a",))),
    }


with DAG("xcom_pull_lists_and_keys", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    a = PythonOperator(task_id="push_a", python_callable=push_a)
    b = PythonOperator(task_id="push_b", python_callable=push_b)
    p = PythonOperator(task_id="pull", python_callable=pull)
    t = PythonOperator(
        task_id="templated_pull",
        python_callable=lambda x, y: [x, y],
        op_args=[
            "{{ ti.xcom_pull(task_ids='push_a', key='rows') + ti.xcom_pull(task_ids='push_b', key='rows') }}",
            "{{ task_instance.xcom_pull(task_ids=['push_a', 'push_b']) | list }}",
        ],
    )
    [a, b] >> p >> t
