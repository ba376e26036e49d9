"""A flaky task retried with retry_delay=0: its templated field is rendered again on the second try, so
"{{ ti.try_number }}" and "{{ task_instance.max_tries }}" show the retry, next to what the callable reads
off ti (try_number, max_tries, prev_attempted_tries) and a downstream task pulling the final value."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator


def flaky(attempt_label, ti, **_):
    if ti.try_number == 1:
        raise RuntimeError(f"first try fails ({attempt_label})")
    return {"label": attempt_label, "try_number": ti.try_number, "max_tries": ti.max_tries}


def after(ti, **_):
    return {"pulled": ti.xcom_pull(task_ids="flaky"), "my_try": ti.try_number}


with DAG(
    "tmpl_try_number_on_retry",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    default_args={"retries": 2, "retry_delay": timedelta(seconds=0)},
) as dag:
    first = PythonOperator(
        task_id="flaky",
        python_callable=flaky,
        op_kwargs={
            "attempt_label": "try {{ ti.try_number }} of {{ task_instance.max_tries + 1 }} for {{ task.task_id }}"
        },
    )
    second = PythonOperator(task_id="after", python_callable=after, retries=0)
    first >> second
