"""A headwater home for the service tests: settings over SQLite in tmp_path, DAG files in its DAGs
folder, runs recorded by ``dags test`` (in process), and a service context over that store."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pendulum

from headwater.config import Settings
from headwater.scheduler.dagtest import run_dag_test
from headwater.services.context import ServiceContext, opened

SHOP = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import BranchPythonOperator, PythonOperator

    def fail():
        raise RuntimeError("the till is empty")

    with DAG("shop", start_date=dt.datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
        total = PythonOperator(task_id="total", python_callable=lambda: {"sum": 3})
        bad = PythonOperator(task_id="bad", python_callable=fail)
        join = PythonOperator(task_id="join", python_callable=lambda: None)
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "left")
        left = PythonOperator(task_id="left", python_callable=lambda: print("went left"))
        right = PythonOperator(task_id="right", python_callable=lambda: None)
        double = PythonOperator.partial(task_id="double", python_callable=lambda x: 2 * x).expand(op_args=[[1], [2]])
        [total, bad] >> join
        pick >> [left, right]
"""


def day(n: int) -> dt.datetime:
    return pendulum.datetime(2024, 1, n, tz="UTC")


def run_id(n: int) -> str:
    return f"manual__{day(n).isoformat()}"


@dataclass
class Home:
    settings: Settings

    def write_dag(self, source: str, name: str) -> Path:
        path = self.settings.dags_folder / name
        path.write_text(textwrap.dedent(source))
        return path

    def dags_test(self, path: Path, n: int) -> str:
        """Run the DAG once in process for 2024-01-``n``, recorded in the store; returns the run id."""
        return run_dag_test(self.settings, str(path), logical_date=day(n), run_type="manual").run.run_id

    def context(self) -> Iterator[ServiceContext]:
        with opened(self.settings) as ctx:
            yield ctx


def service_home(tmp_path: Path) -> Home:
    """A home in tmp_path with its own DAGs folder; no environment variable is read."""
    folder = tmp_path / "dags"
    folder.mkdir()
    environ = {"HEADWATER_HOME": str(tmp_path / "home"), "HEADWATER__CORE__DAGS_FOLDER": str(folder)}
    return Home(Settings.load(environ))
