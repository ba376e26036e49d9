"""user_defined_macros (a constant, a function, a dict) and user_defined_filters on the DAG, used in
an operator's templated arguments, next to the built-in filters ds, ts_nodash and Jinja's own."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def table_for(env, name):
    return f"{env}_{name}"


def collect(table, rows, loud, stamp, date, joined, task):
    return {"table": table, "rows": rows, "loud": loud, "stamp": stamp, "date": date, "joined": joined, "task": task}


with DAG(
    "tmpl_user_macros_filters",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    user_defined_macros={"env": "staging", "table_for": table_for, "limits": {"rows": 500}},
    user_defined_filters={"shout": lambda s: s.upper() + "!", "double": lambda n: n * 2},
) as dag:
    PythonOperator(
        task_id="collect",
        python_callable=collect,
        op_args=["{{ table_for(env, 'orders') }}", "{{ limits.rows | double }}"],
        op_kwargs={
            "loud": "{{ env | shout }}",
            "stamp": "{{ logical_date | ts_nodash }}",
            "date": "{{ data_interval_end | ds }}",
            "joined": "{{ ['a', 'b', env] | join('-') }}",
            "task": "{{ task.task_id }}:{{ ti.try_number }}:{{ run_id }}",
        },
    )
