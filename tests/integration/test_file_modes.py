"""Files are private whatever the umask: under ``umask 000`` a ``dags test`` and a scheduled run (a task
that prints to its log and pushes an XCom offloaded to the ``file://`` store) leave nothing in the home
that another user could read or write, while the task itself still runs under the umask it was given."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from scheduler_harness import FAST

from headwater.store.sql import SqlStore

DAG_SOURCE = """
    import os
    from headwater import DAG, task

    with DAG("private", schedule=None) as dag:
        @task
        def produce():
            print("a line for the task log")
            mask = os.umask(0)
            os.umask(mask)
            return {"umask": mask, "payload": "x" * 1000}

        produce()
"""


def _headwater(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "headwater", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        umask=0,
        check=False,
    )
    assert done.returncode == 0, f"headwater {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def _wait_for_run(url: str, run_id: str, scheduler: subprocess.Popen[bytes], log: Path) -> str:
    store = SqlStore(url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = store.get_run("private", run_id)
            if run is not None and run.state.value in ("success", "failed"):
                return str(run.state.value)
            assert scheduler.poll() is None, f"the scheduler exited {scheduler.returncode}:\n{log.read_text()}"
            time.sleep(0.1)
    finally:
        store.close()
    raise AssertionError(f"the run did not finish in 60 s:\n{log.read_text()}")


def test_under_umask_000_nothing_in_the_home_is_group_or_world_accessible(tmp_path: Path) -> None:
    """Given umask 000 and ObjectStorageXCom offloading every value to file://, when `dags test` runs a DAG
    and then the scheduler runs a triggered run of it, then the home and every folder under it are 0700,
    every file (database, -wal/-shm, logs, XCom objects, lock) and the wake socket 0600, and the task saw
    umask 000."""
    home, dags = tmp_path / "home", tmp_path / "dags"
    dags.mkdir()
    (dags / "private.py").write_text(textwrap.dedent(DAG_SOURCE))
    url = f"sqlite:///{home / 'headwater.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEADWATER", "AIRFLOW__"))}
    env.update(FAST)
    env.update(
        HEADWATER_HOME=str(home),
        HEADWATER__CORE__DAGS_FOLDER=str(dags),
        HEADWATER__CORE__XCOM_BACKEND="headwater.xcom.ObjectStorageXCom",
        HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD="0",
    )

    tested = json.loads(_headwater(env, "dags", "test", str(dags / "private.py"), "--json").stdout)
    assert tested["dag_run_state"] == "success"
    assert tested["xcoms"]["produce"]["return_value"]["umask"] == 0

    run_id = _headwater(env, "dags", "trigger", "private").stdout.strip()
    log = tmp_path / "scheduler.log"
    with open(log, "wb") as output:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "headwater", "scheduler"], env=env, stdout=output, stderr=subprocess.STDOUT, umask=0
        )
    try:
        assert _wait_for_run(url, run_id, scheduler, log) == "success"
        found = list(home.rglob("*"))  # while the scheduler runs: its lock and socket are there
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=30)

    task_log = _headwater(env, "tasks", "logs", "private", run_id, "produce").stdout
    assert "a line for the task log" in task_log
    names = {p.relative_to(home).as_posix() for p in found}
    assert {"headwater.db", "headwater.db-wal", "headwater.db-shm", "scheduler.lock", "scheduler.sock"} <= names
    assert any(n.startswith("logs/dag_id=private/") and n.endswith("attempt=1.log") for n in names)
    assert sum(1 for n in names if n.startswith("xcom/") and (home / n).is_file()) >= 2  # one per run
    modes = {"home": stat.S_IMODE(home.stat().st_mode)}
    modes.update({n: stat.S_IMODE((home / n).lstat().st_mode) for n in names if (home / n).exists()})
    wrong = {n: oct(m) for n, m in modes.items() if m != (0o700 if n == "home" or (home / n).is_dir() else 0o600)}
    assert wrong == {}
