"""A template reads a Variable with a fallback; with no Variable stored the fallback is used."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

ORACLE_RUN = {"logical_date": "2024-01-02T00:00:00+00:00"}

with DAG(
    dag_id="compat_var_default_in_template",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    BashOperator(task_id="env", bash_command="echo {{ var.value.get('deploy_env', 'dev') }}-{{ ds_nodash }}")
    BashOperator(task_id="cfg", bash_command="echo {{ var.json.get('settings', {'retries': 2})['retries'] }}")
