"""render_template_as_native_obj=True: templates that render a list, a dict, a number, a date
string and conf values arrive as Python objects, not strings, in op_args, op_kwargs and
templates_dict."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"run_type": "manual", "conf": {"ids": [3, 1, 2], "opts": {"mode": "full"}}}


def typed(ids, stamp, opts, ds, count, sorted_ids, text, flag, templates_dict):
    values = {"ids": ids, "stamp": stamp, "opts": opts, "ds": ds, "count": count, "sorted_ids": sorted_ids,
              "text": text, "flag": flag, **templates_dict}
    return {name: [type(value).__name__, value] for name, value in sorted(values.items())}


with DAG(
    "tmpl_native_objects",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    render_template_as_native_obj=True,
) as dag:
    PythonOperator(
        task_id="typed",
        python_callable=typed,
        op_args=["{{ dag_run.conf['ids'] }}", "{{ ds_nodash }}"],
        op_kwargs={
            "opts": "{{ dag_run.conf.get('opts') }}",
            "ds": "{{ ds }}",
            "count": "{{ dag_run.conf['ids'] | length }}",
            "sorted_ids": "{{ dag_run.conf['ids'] | sort }}",
            "text": "ids: {{ dag_run.conf['ids'] }}",
            "flag": "{{ 'full' == dag_run.conf['opts']['mode'] }}",
        },
        templates_dict={"interval": "{{ [data_interval_start.year, data_interval_end.month] }}"},
    )
