"""A real scheduler in its own process, on a HEADWATER_HOME of the test's own, driven through the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headwater.store.records import DagRunRecord, TaskInstanceRecord
from headwater.store.sql import SqlStore

FAST = {
    "HEADWATER__SCHEDULER__POLL_INTERVAL": "0.2",
    "HEADWATER__SCHEDULER__DAG_DIR_LIST_INTERVAL": "0.3",
    "HEADWATER__SCHEDULER__HEARTBEAT_INTERVAL": "0.5",
    "HEADWATER__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "5",
    "HEADWATER__CORE__PARALLELISM": "2",
    "HEADWATER__CORE__DAGS_ARE_PAUSED_AT_CREATION": "false",
}
"""Short intervals so a test waits for behaviour, not for timers; new DAGs start unpaused."""


@dataclass
class Cli:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as err:
            raise AssertionError(f"not JSON ({err}); exit {self.returncode}\n{self.stdout}\n{self.stderr}") from None


@dataclass
class SchedulerHome:
    """A HEADWATER_HOME with a DAGs folder, the CLI against it, and scheduler processes started on it."""

    home: Path
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def dags(self) -> Path:
        return self.home / "dags"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HEADWATER", "AIRFLOW__"))}
        env.update(FAST)
        env.update(
            HEADWATER_HOME=str(self.home),
            HEADWATER__DATABASE__SQL_ALCHEMY_CONN=self.database_url,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def write_dag(self, source: str, name: str = "pipeline.py") -> Path:
        self.dags.mkdir(parents=True, exist_ok=True)
        path = self.dags / name
        path.write_text(textwrap.dedent(source))
        return path

    def cli(self, *args: str, check: bool = True) -> Cli:
        done = subprocess.run(
            [sys.executable, "-m", "headwater", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            check=False,
        )
        result = Cli(done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise AssertionError(f"headwater {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return result

    def start_scheduler(self, command: str = "scheduler") -> subprocess.Popen[bytes]:
        log = open(self.home / f"scheduler-{len(self.processes)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "headwater", command],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def scheduler_log(self) -> str:
        logs = sorted(self.home.glob("scheduler-*.log")) + sorted(self.home.glob("worker-*.log"))
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')}" for p in logs)

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Kill the scheduler alone (its workers see it gone)."""
        process.send_signal(sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for process in self.processes:  # workers left behind by a killed scheduler
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    @property
    def store(self) -> SqlStore:
        return SqlStore(self.database_url)

    def wait_for(self, what: str, check: Callable[[SqlStore], Any], timeout: float = 60.0) -> Any:
        """Poll the store until ``check`` returns something truthy; fail with the scheduler's log."""
        store = self.store
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                found = check(store)
                if found:
                    return found
                for process in self.processes:
                    if process.poll() not in (None, 0, -signal.SIGKILL, -signal.SIGTERM):
                        raise AssertionError(f"the scheduler exited {process.returncode}:\n{self.scheduler_log()}")
                time.sleep(0.1)
        finally:
            store.close()
        raise AssertionError(
            f"timed out after {timeout} s waiting for {what}\n--- scheduler log ---\n{self.scheduler_log()}"
        )

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 60.0) -> DagRunRecord:
        def finished(store: SqlStore) -> DagRunRecord | None:
            run = store.get_run(dag_id, run_id)
            return run if run is not None and run.state.value in ("success", "failed") else None

        return self.wait_for(f"run {run_id} of {dag_id} to finish", finished, timeout)  # type: ignore[no-any-return]

    def states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        store = self.store
        try:
            instances = store.task_instances(dag_id, run_id)
        finally:
            store.close()
        return {_label(i): i.state.value if i.state else None for i in instances}

    def instances(self, dag_id: str, run_id: str) -> dict[str, TaskInstanceRecord]:
        store = self.store
        try:
            return {_label(i): i for i in store.task_instances(dag_id, run_id)}
        finally:
            store.close()

    def wait_for_dags(self, *dag_ids: str, timeout: float = 30.0) -> None:
        """Wait until the scheduler has recorded these DAGs (parsed its DAGs folder), so that CLI commands
        issued next find them recorded instead of recording them at the same moment."""
        self.wait_for(
            f"the scheduler to record {', '.join(dag_ids)}",
            lambda store: set(dag_ids) <= set(store.pause_flags()),
            timeout,
        )

    def trigger(self, dag_id: str, *options: str) -> str:
        """``headwater dags trigger DAG_ID [options]``; returns the run id it prints."""
        return self.cli("dags", "trigger", dag_id, *options).stdout.strip()

    def list_runs(self, dag_id: str) -> list[dict[str, Any]]:
        """``headwater dags list-runs DAG_ID -o json``: one record per run, newest first."""
        return self.cli("dags", "list-runs", dag_id, "-o", "json").json  # type: ignore[no-any-return]

    def task_rows(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """``headwater tasks states-for-dag-run DAG_ID RUN_ID -o json``."""
        return self.cli("tasks", "states-for-dag-run", dag_id, run_id, "-o", "json").json  # type: ignore[no-any-return]

    def dag_list(self, timeout: float = 60.0) -> dict[str, Any]:
        """``headwater dags list -o json`` (which exits 1 when a file fails to import)."""
        done = subprocess.run(
            [sys.executable, "-m", "headwater", "dags", "list", "-o", "json"],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        return Cli(done.returncode, done.stdout, done.stderr).json  # type: ignore[no-any-return]


def _label(ti: TaskInstanceRecord) -> str:
    return ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"


def scheduler_home(tmp_path: Path, database_url: str | None = None) -> Iterator[SchedulerHome]:
    home = tmp_path / "hw"
    home.mkdir()
    site = SchedulerHome(home, database_url or f"sqlite:///{home / 'headwater.db'}")
    try:
        yield site
    finally:
        site.stop_all()
