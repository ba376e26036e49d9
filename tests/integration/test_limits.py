"""Sane limits with clear errors: a run conf above ``[core] max_conf_bytes`` is refused where it enters
(trigger, ``dags test``, backfill) and nothing is recorded; the in-DB XCom limit's default (16 MiB) and
the two ways past it; task logs read with a bound on the length of a line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from headwater.store.sql import SqlStore

DAG_SOURCE = """
    import datetime
    from headwater import DAG, task

    with DAG("limited", schedule="@daily", start_date=datetime.datetime(2024, 1, 1), catchup=False) as dag:
        @task
        def show(dag_run=None):
            return sorted(dag_run.conf)
        show()
"""

TWO_MB_CONF = json.dumps({"blob": "x" * 2_000_000})


@pytest.fixture
def limited_dag(write_dag, dags_folder: Path, monkeypatch: pytest.MonkeyPatch, cli) -> Path:
    monkeypatch.setenv("HEADWATER__CORE__DAGS_FOLDER", str(dags_folder))
    return write_dag(DAG_SOURCE)  # type: ignore[no-any-return]


def _refusal(stderr: str) -> None:
    size = len(json.dumps({"blob": "x" * 2_000_000}, separators=(",", ":")))
    assert stderr.startswith(f"Error: DAG 'limited': the run conf is {size:,} bytes as JSON, above the limit of ")
    assert "1,048,576 bytes ([core] max_conf_bytes); no run was created" in stderr
    assert "HEADWATER__CORE__MAX_CONF_BYTES" in stderr


class TestRunConfSize:
    def test_trigger_refuses_a_2_mb_conf_and_records_no_run(self, limited_dag, cli, open_sqlite) -> None:
        """Given the default limit (1 MiB), when `dags trigger --conf` gets 2 MB of JSON, then it exits 2 naming
        the DAG, the size, the limit and the setting, and the database has no run."""
        run = cli("dags", "trigger", "limited", "--conf", TWO_MB_CONF)

        assert run.exit_code == 2
        _refusal(run.stderr)
        assert open_sqlite().count_runs("limited") == 0

    def test_dags_test_refuses_a_2_mb_conf_and_records_no_run(self, limited_dag, dags_test, open_sqlite) -> None:
        """Given the default limit, when `dags test --conf` gets 2 MB of JSON, then nothing runs or is recorded."""
        run = dags_test(limited_dag, "--conf", TWO_MB_CONF)

        assert run.exit_code == 2
        _refusal(run.stderr)
        assert open_sqlite().count_runs("limited") == 0

    def test_backfill_refuses_a_2_mb_conf_and_records_no_run(self, limited_dag, cli, open_sqlite) -> None:
        """Given the default limit, when `dags backfill --conf` gets 2 MB of JSON, then no backfill run is made."""
        run = cli("dags", "backfill", "limited", "-s", "2024-01-01", "-e", "2024-01-02", "--conf", TWO_MB_CONF)

        assert run.exit_code == 2
        _refusal(run.stderr)
        assert open_sqlite().count_runs("limited") == 0

    def test_raising_the_setting_lets_the_same_conf_in(self, limited_dag, cli, open_sqlite, monkeypatch) -> None:
        """Given [core] max_conf_bytes = 4000000, when the same 2 MB conf is triggered, then the run is queued
        with the conf intact."""
        monkeypatch.setenv("HEADWATER__CORE__MAX_CONF_BYTES", "4000000")

        run = cli("dags", "trigger", "limited", "--conf", TWO_MB_CONF)

        assert run.exit_code == 0, run.stderr
        store = open_sqlite()
        [recorded] = store.runs("limited")
        assert recorded.conf == {"blob": "x" * 2_000_000}

    def test_a_headwater_process_refuses_it_and_records_no_run(self, limited_dag, dags_folder, sqlite_url) -> None:
        """Given [core] max_conf_bytes = 50000, when a `headwater dags trigger` process gets a 100 KB conf (one
        argument cannot hold 2 MB on Linux, whose limit is 128 KiB), then it exits 2 naming the DAG, size and
        setting, and the database has no run."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HEADWATER__", "AIRFLOW__"))}
        env.update(HEADWATER__CORE__DAGS_FOLDER=str(dags_folder), HEADWATER__CORE__MAX_CONF_BYTES="50000")
        conf = json.dumps({"blob": "x" * 100_000})

        done = subprocess.run(
            [sys.executable, "-m", "headwater", "dags", "trigger", "limited", "--conf", conf],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert done.returncode == 2
        assert done.stderr == (
            "Error: DAG 'limited': the run conf is 100,011 bytes as JSON, above the limit of 50,000 bytes "
            "([core] max_conf_bytes); no run was created. Pass large data by reference (a path or URL the tasks "
            "read) or raise the limit with HEADWATER__CORE__MAX_CONF_BYTES.\n"
        )
        store = SqlStore(sqlite_url)
        try:
            assert store.runs("limited") == []
        finally:
            store.close()

    def test_the_python_trigger_refuses_it_too(self, limited_dag, sqlite_url) -> None:
        """Given the default limit, when code calls headwater.scheduler.control.trigger with 2 MB of conf, then
        ConfTooLarge names the DAG and the setting, before the DAG file is even parsed."""
        from headwater.config import Settings
        from headwater.errors import ConfTooLarge
        from headwater.scheduler.control import trigger

        store = SqlStore(sqlite_url)
        try:
            with pytest.raises(ConfTooLarge, match=r"DAG 'limited'.*\[core\] max_conf_bytes"):
                trigger(Settings.load(), store, "limited", conf={"blob": "x" * 2_000_000})
            assert store.runs("limited") == []
        finally:
            store.close()

    def test_a_limit_that_is_not_a_positive_number_is_a_configuration_error(self, limited_dag, cli, monkeypatch):
        """Given [core] max_conf_bytes = 0, when a command starts, then it says how to set a valid value."""
        monkeypatch.setenv("HEADWATER__CORE__MAX_CONF_BYTES", "0")

        run = cli("dags", "trigger", "limited")

        assert run.exit_code != 0
        assert "[core] max_conf_bytes = '0' is not valid" in run.stderr
        assert "to a positive integer" in run.stderr


XCOM_DAG = """
    from headwater import DAG, task

    with DAG("big_xcom", schedule=None) as dag:
        @task
        def produce():
            return b"x" * 17_000_000

        @task
        def consume(value):
            return len(value)

        consume(produce())
"""


class TestXComDatabaseLimit:
    def test_by_default_a_value_above_16_mib_fails_naming_both_ways_out(self, write_dag, dags_test) -> None:
        """Given the default settings, when a task returns 17 MB, then it fails before the write naming the
        size, the 16 MiB limit, the setting that raises it and the backend that offloads it."""
        run = dags_test(write_dag(XCOM_DAG))

        assert run.exit_code == 1
        reason = run.json["tasks"]["produce"]["reason"]
        assert "XCom 'return_value' is 17,000,0" in reason and "above the 16,777,216 bytes allowed" in reason
        assert "HEADWATER__XCOM__MAX_DB_VALUE_BYTES" in reason
        assert "HEADWATER__CORE__XCOM_BACKEND=headwater.xcom.ObjectStorageXCom" in reason

    def test_offloading_lifts_the_limit(self, write_dag, dags_test, monkeypatch) -> None:
        """Given ObjectStorageXCom (default threshold, file:// store), when the task returns 17 MB, then the
        database keeps only a reference and the consumer receives the whole value."""
        monkeypatch.setenv("HEADWATER__CORE__XCOM_BACKEND", "headwater.xcom.ObjectStorageXCom")

        run = dags_test(write_dag(XCOM_DAG))

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["consume"] == {"return_value": 17_000_000}


class TestLogLines:
    def test_an_overlong_line_is_split_with_a_marker_and_nothing_is_lost(self, tmp_path: Path) -> None:
        """Given a log with a short line, a 10-byte limit, a 27-byte line of mostly two-byte characters and a last line
        without a newline, when it is read, then no piece is longer than the limit, each piece of the long line
        but the last ends with the marker, no character is cut, and the pieces join back to the file's text."""
        from headwater.runtime.logs import read_lines, split_marker

        path = tmp_path / "attempt=1.log"
        text = "short\n" + "a" + "é" * 12 + "x\n" + "tail"  # "é" is two bytes: the 10-byte cuts fall inside one
        path.write_text(text, encoding="utf-8")

        lines = list(read_lines(path, 10))

        marker = split_marker(10) + "\n"
        assert lines == ["short\n", "aéééé" + marker, "ééééé" + marker, "éééx\n", "tail"]
        assert "".join(line.replace(marker, "") for line in lines) == text

    def test_a_line_exactly_at_the_limit_is_read_whole(self, tmp_path: Path) -> None:
        from headwater.runtime.logs import read_lines

        path = tmp_path / "attempt=1.log"
        path.write_text("0123456789\nnext\n", encoding="utf-8")

        assert list(read_lines(path, 10)) == ["0123456789\n", "next\n"]

    def test_tasks_logs_streams_a_5_mb_single_line_log_in_bounded_lines(
        self, write_dag, dags_test, cli, headwater_home: Path
    ) -> None:
        """Given a recorded try whose log is one 5 MB line, when `tasks logs` prints it, then every printed line
        is at most [logging] max_log_line_bytes (64 KiB) plus the marker, and the pieces make up the line."""
        from headwater.runtime.logs import log_path, split_marker

        dags_test(write_dag(DAG_SOURCE))
        run_id = "manual__2024-01-02T00:00:00+00:00"
        path = log_path(headwater_home / "logs", "limited", run_id, "show", -1, 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = ("0123456789abcdef" * 327_680)[:5_000_000]
        path.write_text(line + "\n")

        printed = cli("tasks", "logs", "limited", run_id, "show")

        assert printed.exit_code == 0, printed.stderr
        marker = split_marker(65_536)
        pieces = printed.stdout.splitlines()
        assert len(pieces) == -(-5_000_000 // 65_536)
        assert all(p.endswith(marker) for p in pieces[:-1]) and not pieces[-1].endswith(marker)
        assert max(len(p.removesuffix(marker)) for p in pieces) == 65_536
        assert "".join(p.removesuffix(marker) for p in pieces) == line
