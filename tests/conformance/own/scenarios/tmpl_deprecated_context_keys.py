"""The context keys Airflow 2.10 still fills but deprecates, as old DAG files template them:
prev_ds, next_ds, yesterday_ds, tomorrow_ds, their _nodash forms, prev/next_execution_date and the
*_success keys, on a weekly schedule where next and tomorrow differ."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-02-05T00:00:00+00:00"}

KEYS = [
    "prev_ds", "prev_ds_nodash", "next_ds", "next_ds_nodash", "yesterday_ds", "yesterday_ds_nodash",
    "tomorrow_ds", "tomorrow_ds_nodash", "ts_nodash_with_tz", "task_instance_key_str",
]


def from_kwargs(**context):
    out = {key: str(context[key]) for key in KEYS}
    for key in ("prev_execution_date", "next_execution_date", "prev_execution_date_success",
                "prev_start_date_success", "prev_data_interval_start_success", "execution_date"):
        value = context[key]
        out[key] = str(value)
    return out


with DAG(
    "tmpl_deprecated_context_keys",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="0 0 * * 1",
) as dag:
    PythonOperator(task_id="from_kwargs", python_callable=from_kwargs)
    PythonOperator(
        task_id="from_templates",
        python_callable=lambda **kw: kw["templates_dict"],
        templates_dict={
            "window": "{{ prev_ds }}..{{ next_ds }}",
            "nodash": "{{ yesterday_ds_nodash }}-{{ tomorrow_ds_nodash }}",
            "next_exec": "{{ next_execution_date }}",
            "prev_exec": "{{ prev_execution_date.isoformat() }}",
            "success": "{{ prev_execution_date_success }}|{{ prev_start_date_success }}",
        },
    )
