"""A report rendered in an isolated virtualenv with a library the scheduler's environment does not have,
and a dill-serialized TaskFlow step in an isolated venv (Airflow adds dill to its requirements)."""

import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonVirtualenvOperator

ORACLE_RUN = {"logical_date": "2024-03-05T00:00:00+00:00"}

VENV_CACHE = "/tmp/headwater-corpus-venvs"


def render_table(rows, title, ds=None):
    """Runs in the venv: every import inside the function."""
    import importlib.util

    from tabulate import tabulate

    return {
        "report": f"{title} {ds}\n" + tabulate(rows, headers=["city", "temp"]),
        "sees_host_pendulum": importlib.util.find_spec("pendulum") is not None,
        "notes": virtualenv_string_args,  # noqa: F821 - a global the venv script defines
    }


with DAG(
    dag_id="venv_isolated_requirements",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    tags=["virtualenv"],
):

    @task
    def extract():
        return [["Oslo", 3], ["Lima", 21]]

    table = PythonVirtualenvOperator(
        task_id="render_table",
        python_callable=render_table,
        requirements=["tabulate==0.9.0"],
        system_site_packages=False,
        venv_cache_path=VENV_CACHE,
        op_args=[extract()],
        op_kwargs={"title": "Temperatures"},
        string_args=["first note", "second note"],
    )

    @task.virtualenv(serializer="dill", system_site_packages=False, venv_cache_path=VENV_CACHE)
    def summarize(report: dict, threshold: int = 10):
        warm = [line for line in report["report"].splitlines()[3:] if int(line.split()[-1]) > threshold]
        return {"warm_cities": len(warm), "lines": len(report["report"].splitlines())}

    summarize(table.output)
