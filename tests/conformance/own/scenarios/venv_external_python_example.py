"""ExternalPythonOperator and its TaskFlow spellings with a pre-built interpreter, as Airflow's example DAG
writes them (the path is this interpreter's, so the file runs anywhere), a failing external step, and a
cleanup that runs anyway."""

import sys

import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import ExternalPythonOperator

PATH_TO_PYTHON_BINARY = sys.executable

ORACLE_RUN = {"logical_date": "2024-03-05T00:00:00+00:00"}


def callable_external_python(numbers, scale=1):
    """Runs in the external interpreter; returns plain values only."""
    import statistics

    return {"mean": statistics.mean(numbers) * scale, "count": len(numbers)}


with DAG(
    dag_id="venv_external_python_example",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    stats = ExternalPythonOperator(
        task_id="external_python",
        python=PATH_TO_PYTHON_BINARY,
        python_callable=callable_external_python,
        op_args=[[2, 4, 9]],
        op_kwargs={"scale": 2},
    )

    @task.external_python(task_id="external_python_deco", python=PATH_TO_PYTHON_BINARY, multiple_outputs=True)
    def describe(summary: dict, ts=None):
        return {"label": f"mean={summary['mean']}", "at": ts}

    @task.branch_external_python(python=PATH_TO_PYTHON_BINARY)
    def route(label: str):
        return "alert" if "mean=10" in label else ["archive"]

    @task.external_python(python=PATH_TO_PYTHON_BINARY)
    def validate():
        raise ValueError("schema drift in column 'temp'")

    described = describe(stats.output)
    route(described["label"]) >> [EmptyOperator(task_id="alert"), EmptyOperator(task_id="archive")]
    validate() >> EmptyOperator(task_id="cleanup", trigger_rule="all_done")
