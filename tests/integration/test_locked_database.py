"""A SQLite database locked by another process: commands say so and change nothing; the scheduler
waits it out and finishes the run with every task run once."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scheduler_harness import SchedulerHome

CHAIN = """
    import datetime as dt, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def mark(name):
        def work():
            with open({marks!r} + "/" + name, "a") as f:
                f.write("ran\\n")
            if name == "first":  # finish only once the test holds the lock: its outcome must wait for it
                Path({marks!r} + "/first.done").write_text("")
                while not Path({marks!r} + "/locked").exists():
                    time.sleep(0.01)
        return work

    with DAG("locked", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        first = PythonOperator(task_id="first", python_callable=mark("first"))
        second = PythonOperator(task_id="second", python_callable=mark("second"))
        first >> second
"""


@contextmanager
def held_lock(database: Path) -> Iterator[None]:
    """Another process's write lock: an open exclusive transaction."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _locked_site(tmp_path: Path, site: SchedulerHome) -> tuple[SchedulerHome, Path]:
    database = site.home / "headwater.db"
    site.database_url = f"sqlite:///{database}?timeout=0.5"
    marks = tmp_path / "marks"
    marks.mkdir()
    site.write_dag(CHAIN.format(marks=str(marks)))
    return site, database


def test_a_command_on_a_locked_database_says_so_and_records_nothing(site: SchedulerHome, tmp_path: Path) -> None:
    site, database = _locked_site(tmp_path, site)
    site.cli("pools", "list")  # creates the database

    with held_lock(database):
        refused = site.cli("dags", "trigger", "locked", "--run-id", "first_try", check=False)

    assert refused.returncode != 0
    assert "database" in refused.stderr and "locked" in refused.stderr and "nothing was changed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert site.cli("dags", "list-runs", "locked", "-o", "json").json == []
    assert site.cli("dags", "trigger", "locked", "--run-id", "second_try").stdout.strip() == "second_try"


def test_the_scheduler_rides_out_a_locked_database(site: SchedulerHome, tmp_path: Path) -> None:
    site, database = _locked_site(tmp_path, site)
    marks = tmp_path / "marks"
    site.cli("dags", "trigger", "locked", "--run-id", "through_the_lock")
    site.start_scheduler()

    deadline = time.monotonic() + 60
    while not (marks / "first.done").exists():
        assert time.monotonic() < deadline, site.scheduler_log()
        time.sleep(0.01)
    with held_lock(database):
        (marks / "locked").write_text("")
        time.sleep(3)
    run = site.wait_for_run("locked", "through_the_lock")

    assert run.state.value == "success", site.scheduler_log()
    assert (marks / "first").read_text() == "ran\n" and (marks / "second").read_text() == "ran\n"
    assert "database is locked" in site.scheduler_log()
