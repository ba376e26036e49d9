"""``python my_dag.py`` ending in ``dag.test()``, as Airflow's docs teach, runs with headwater installed
and Airflow not: ``headwater_airflow.pth`` lets any interpreter of the environment import Airflow's
names, while a real Airflow, when one is importable, still wins."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

MY_DAG = """
    import pendulum
    from airflow import DAG
    from airflow.decorators import task
    from airflow.operators.bash import BashOperator

    with DAG("plain_python", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
        @task
        def extract():
            return 3

        @task
        def double(n):
            print(f"doubled: {n * 2}")
            return n * 2

        double(extract()) >> BashOperator(task_id="done", bash_command="echo done")

    if __name__ == "__main__":
        run = dag.test(execution_date=pendulum.datetime(2024, 1, 2, tz="UTC"), run_conf={"who": "me"})
        print("outcome:", run.run.state.value, run.run.logical_date.date())
"""


def _python(script: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with this environment's interpreter as a user would: plain ``python``, no headwater
    import in the file, the test's own source folders kept off the path."""
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    clean.update(HEADWATER_HOME=str(tmp_path / "home"), **env)
    return subprocess.run(
        [sys.executable, str(script)], check=False, cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=120
    )


def test_python_my_dag_py_runs_dag_test_without_airflow(tmp_path: Path) -> None:
    script = tmp_path / "my_dag.py"
    script.write_text(textwrap.dedent(MY_DAG))

    done = _python(script, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "outcome: success 2024-01-02" in done.stdout
    for line in ("extract: success", "double: success", "done: success"):
        assert line in done.stderr


def test_a_real_airflow_on_the_path_wins(tmp_path: Path) -> None:
    """Given a package named airflow importable before headwater's hook is asked, it is the one imported."""
    fake = tmp_path / "site" / "airflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("REAL = True\n")
    script = tmp_path / "which.py"
    script.write_text("import airflow\nprint(getattr(airflow, 'REAL', False))\n")

    done = _python(script, tmp_path, PYTHONPATH=str(tmp_path / "site"))

    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr


def test_dag_test_refuses_the_airflow_arguments_it_does_not_serve_yet(tmp_path: Path) -> None:
    script = tmp_path / "conn_file.py"
    script.write_text(
        textwrap.dedent(MY_DAG).replace(
            'run = dag.test(execution_date=pendulum.datetime(2024, 1, 2, tz="UTC"), run_conf={"who": "me"})',
            'run = dag.test(conn_file_path="conns.yaml")',
        )
    )

    done = _python(script, tmp_path)

    assert done.returncode != 0
    assert "DAG 'plain_python': dag.test(conn_file_path=...) is not served by headwater yet" in done.stderr
