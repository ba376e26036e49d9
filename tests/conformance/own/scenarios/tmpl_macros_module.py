"""The macros module in templates and in Python: ds_add, ds_format, datetime, timedelta, dateutil,
json, yaml, uuid, random and time helpers, datetime_diff_for_humans, the way reporting DAGs build date
windows and partition paths."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-02-28T00:00:00+00:00"}


def in_python(ds, macros, data_interval_start, **_):
    return {
        "week_ago": macros.ds_add(ds, -7),
        "leap": macros.ds_add(ds, 1),
        "slashes": macros.ds_format(ds, "%Y-%m-%d", "%d/%m/%Y"),
        "month_start": macros.datetime(data_interval_start.year, data_interval_start.month, 1).isoformat(),
        "plus_hours": (data_interval_start + macros.timedelta(hours=36)).isoformat(),
        "relative": (macros.datetime(2024, 1, 31) + macros.dateutil.relativedelta.relativedelta(months=1)).isoformat(),
        "json": macros.json.dumps({"b": 1, "a": [1, 2]}, sort_keys=True),
        "epoch": macros.time.mktime(macros.datetime(2024, 1, 1).timetuple()) > 0,
        "random_is_float": isinstance(macros.random(), float),
        "humans": macros.datetime_diff_for_humans(data_interval_start - macros.timedelta(days=2), data_interval_start),
        "yaml": macros.yaml.safe_load("a: [1, 2]"),
        "uuid_len": len(str(macros.uuid.uuid4())),
    }


with DAG(
    "tmpl_macros_module",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
) as dag:
    PythonOperator(task_id="in_python", python_callable=in_python)
    PythonOperator(
        task_id="in_templates",
        python_callable=lambda **kw: kw["templates_dict"],
        templates_dict={
            "path": "s3://bucket/{{ macros.ds_format(ds, '%Y-%m-%d', '%Y/%m/%d') }}/data.csv",
            "since": "{{ macros.ds_add(ds, -30) }}",
            "end": "{{ (data_interval_end - macros.timedelta(seconds=1)).isoformat() }}",
            "month": "{{ macros.datetime.strptime(ds, '%Y-%m-%d').strftime('%B %Y') }}",
            "ts_month": "{{ execution_date.strftime('%Y-%m') }}",
            "ds_nodash_int": "{{ ds_nodash | int + 1 }}",
        },
    )
