"""A DAG that tunes its Jinja environment: template_undefined=StrictUndefined, jinja_environment_kwargs
(trim_blocks, lstrip_blocks), loops and conditionals in a multi-line template, and the `default` filter
on a missing conf key."""

from datetime import datetime

import jinja2
from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"run_type": "manual", "conf": {"tables": ["orders", "users"]}}

SQL = """
{% for table in dag_run.conf["tables"] %}
    {% if not loop.first %}
UNION ALL
    {% endif %}
SELECT '{{ table }}' AS source, COUNT(*) FROM {{ table }} WHERE day = '{{ ds }}'
{% endfor %}
"""

with DAG(
    "tmpl_jinja_environment",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    template_undefined=jinja2.StrictUndefined,
    jinja_environment_kwargs={"trim_blocks": True, "lstrip_blocks": True},
) as dag:
    PythonOperator(
        task_id="render",
        python_callable=lambda sql, mode: {"sql": sql.splitlines(), "mode": mode},
        op_kwargs={"sql": SQL, "mode": "{{ dag_run.conf.get('mode') | default('full', true) }}"},
    )
    PythonOperator(
        task_id="strict_missing",
        python_callable=lambda value: value,
        op_args=["{{ params.not_declared }}"],
    )
