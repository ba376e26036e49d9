"""The three ways files attach tasks to a DAG, mixed in one file: `with DAG(...) as dag`, dag=dag on
a task created after the block, and DAG.add_task; default_args reaching all of them, and tasks
reporting their dag_id, owner and retries."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator


def describe(task, dag, **_):
    return {
        "dag_id": task.dag_id,
        "same_dag": task.dag is dag,
        "owner": task.owner,
        "retries": task.retries,
        "retry_delay": task.retry_delay.total_seconds(),
        "queue": task.queue,
        "pool": task.pool,
        "n_tasks": len(dag.tasks),
    }


default_args = {"owner": "platform", "retries": 3, "retry_delay": timedelta(seconds=30), "queue": "etl"}

with DAG("dagapi_dag_styles", default_args=default_args, start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    inside = PythonOperator(task_id="inside", python_callable=describe, retries=1)

after = PythonOperator(task_id="after_block", python_callable=describe, dag=dag, owner="someone")
loose = PythonOperator(task_id="added", python_callable=describe, pool="default_pool")
dag.add_task(loose)
tail = EmptyOperator(task_id="tail", dag=dag)
inside >> after >> loose >> tail
