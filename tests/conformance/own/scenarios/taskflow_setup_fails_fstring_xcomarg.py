"""A setup made from a TaskFlow call that fails: its work and teardown do not run. Next to it, the old
style of templating an operator's output into a BashOperator with an f-string (`str(XComArg)`)."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


@task
def provision():
    raise ConnectionError("quota exceeded")


@task
def train():
    return "model"


@task
def release():
    return "released"


def pick_name():
    return "nightly"


with DAG("taskflow_setup_fails_fstring_xcomarg", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    env = provision().as_setup()
    env >> train() >> release().as_teardown(setups=env)

    name = PythonOperator(task_id="pick_name", python_callable=pick_name)
    greet = BashOperator(task_id="greet", bash_command=f"echo run-{name.output}")
    name >> greet
