"""The ``AIRFLOW_CTX_*`` variables every task finds in its process environment, as in Airflow: code a
Python task calls (and its child processes) can tag output with the DAG, task, run and try."""

from __future__ import annotations


def test_python_tasks_see_their_own_context_variables_and_no_stale_ones(write_dag, dags_test) -> None:
    """Given two Python tasks in one process, the first with an e-mail address, when they run, then each
    reads its own task id, run id and owner from os.environ, and the second no longer sees the first's
    e-mail."""
    path = write_dag(
        """
        import os
        import subprocess
        from headwater import DAG, PythonOperator

        def snapshot():
            child = subprocess.run(["sh", "-c", "echo $AIRFLOW_CTX_TASK_ID"], capture_output=True, text=True)
            return {
                "task": os.environ.get("AIRFLOW_CTX_TASK_ID"),
                "run": os.environ.get("AIRFLOW_CTX_DAG_RUN_ID"),
                "owner": os.environ.get("AIRFLOW_CTX_DAG_OWNER"),
                "email": os.environ.get("AIRFLOW_CTX_DAG_EMAIL"),
                "child": child.stdout.strip(),
            }

        with DAG("env_vars", schedule=None) as dag:
            first = PythonOperator(task_id="first", python_callable=snapshot, owner="etl", email="a@example.com")
            second = PythonOperator(task_id="second", python_callable=snapshot)
            first >> second
        """
    )
    run = dags_test(path)
    run_id = run.json["run_id"]
    assert run.json["xcoms"]["first"]["return_value"] == {
        "task": "first",
        "run": run_id,
        "owner": "etl",
        "email": "a@example.com",
        "child": "first",
    }
    assert run.json["xcoms"]["second"]["return_value"] == {
        "task": "second",
        "run": run_id,
        "owner": "airflow",
        "email": None,
        "child": "second",
    }
