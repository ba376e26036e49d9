"""Jinja control blocks inside bash_command as real files write them: {% for %} over params,
{% if %} on the run type, macros.ds_add / ds_format, a filter, and a `@task.bash` command that
fails with a non-zero exit and is retried once (retry_delay 0), succeeding on its second try."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator

COMMAND = """
{% for table in params.tables %}
echo "export {{ table }} for {{ macros.ds_add(ds, -1) }}"
{% endfor %}
{% if dag_run.run_type == 'scheduled' %}
echo "scheduled:{{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}:{{ params.tables | length }}:{{ 'x' | upper }}"
{% else %}
echo "other:{{ dag_run.run_type }}"
{% endif %}
"""

with DAG(
    "ops_bash_jinja_blocks",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    params={"tables": ["orders", "users"]},
) as dag:
    export = BashOperator(task_id="export", bash_command=COMMAND)

    @task.bash(retries=1, retry_delay=timedelta(0))
    def flaky(ti=None) -> str:
        return f"echo 'try {ti.try_number}'; test {ti.try_number} -ge 2"

    export >> flaky()
