"""Ids cannot walk out of their folders: run ids are checked when a run is triggered, DAG, task and group
ids when the DAG file is parsed, and ids stored without a check (rows from before, or written straight to
the database) can neither make `db clean` remove nor a worker write or `tasks logs` read anything
outside the logs folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from scheduler_harness import SchedulerHome
from sqlalchemy import func, insert, select

from headwater.config import Settings
from headwater.errors import InvalidRunId
from headwater.scheduler.control import trigger
from headwater.store import tables
from headwater.store.sql import SqlStore

DAG_FILE = """
from headwater import DAG
from headwater.operators.python import PythonOperator

with DAG("target", schedule=None, start_date=None):
    PythonOperator(task_id="say", python_callable=lambda: print("hello from the task"))
"""

PATTERN = "[scheduler] allowed_run_id_pattern '^[A-Za-z0-9_.~:+-]+$'"

TRIGGER_TRICKS = {
    "dot-dot to a victim folder": ("x/../../../../victim_dir", "'/' (at position 1)"),
    "parent folder": ("../up", "'/' (at position 2)"),
    "absolute path": ("/etc/x", "'/' (at position 0)"),
    "slash": ("a/b", "'/' (at position 1)"),
    "control character": ("a\x01b", "'\\x01' (at position 1)"),
}


def _run_count(site: SchedulerHome) -> int:
    store = site.store
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tables.dag_run)).scalar_one())
    finally:
        store.close()


class TestRunIdsAtTrigger:
    @pytest.mark.parametrize(("run_id", "shown"), TRIGGER_TRICKS.values(), ids=TRIGGER_TRICKS.keys())
    def test_a_path_trick_in_run_id_is_refused_naming_the_character_and_the_setting(
        self, site: SchedulerHome, run_id: str, shown: str
    ) -> None:
        """Given a DAG, when `dags trigger --run-id` gets a path trick, then the command fails naming the
        character and the setting's pattern, and no run is recorded."""
        site.write_dag(DAG_FILE)

        done = site.cli("dags", "trigger", "target", "--run-id", run_id, check=False)

        assert done.returncode == 2, done.stdout
        assert f"DAG 'target': run id {run_id!r} contains {shown}, which is not allowed by {PATTERN}" in done.stderr
        assert _run_count(site) == 0

    def test_a_run_id_over_250_characters_is_refused_and_a_valid_one_is_recorded(self, site: SchedulerHome) -> None:
        site.write_dag(DAG_FILE)

        long = site.cli("dags", "trigger", "target", "--run-id", "r" * 251, check=False)
        valid = site.cli("dags", "trigger", "target", "--run-id", "nightly.v2~1:a+b-c")

        assert long.returncode == 2
        assert "is 251 characters long; run ids may be at most 250" in long.stderr
        assert valid.stdout.strip() == "nightly.v2~1:a+b-c"
        assert _run_count(site) == 1

    def test_nul_is_refused_by_the_python_api(self, site: SchedulerHome) -> None:
        """A NUL cannot travel in a command's arguments; the function the CLI calls refuses it as well."""
        site.write_dag(DAG_FILE)
        settings = Settings.load(site.env)
        store = SqlStore(settings.sql_alchemy_conn)
        try:
            with pytest.raises(InvalidRunId, match=r"run id 'a\\x00b' contains '\\x00' \(at position 1\)"):
                trigger(settings, store, "target", run_id="a\x00b")
        finally:
            store.close()
        assert _run_count(site) == 0

    def test_the_pattern_is_configurable(self, site: SchedulerHome) -> None:
        """A stricter `[scheduler] allowed_run_id_pattern` refuses what it leaves out, naming itself."""
        site.write_dag(DAG_FILE)
        site.extra_env["HEADWATER__SCHEDULER__ALLOWED_RUN_ID_PATTERN"] = "^[a-z]+$"

        refused = site.cli("dags", "trigger", "target", "--run-id", "Nightly", check=False)
        made = site.cli("dags", "trigger", "target")  # the id headwater makes passes any pattern

        assert refused.returncode == 2
        expected = "contains 'N' (at position 0), which is not allowed by [scheduler] allowed_run_id_pattern '^[a-z]+$'"
        assert expected in refused.stderr
        assert made.stdout.strip().startswith("manual__")


ID_TRICKS = {
    "task id with dot-dots": ('EmptyOperator(task_id="../../x")', "task id '../../x' contains '/' (at position 2)"),
    "absolute task id": ('EmptyOperator(task_id="/etc/x")', "task id '/etc/x' contains '/' (at position 0)"),
    "task id with NUL": ('EmptyOperator(task_id="a\\x00b")', "task id 'a\\x00b' contains '\\x00' (at position 1)"),
    "very long task id": ('EmptyOperator(task_id="t" * 251)', "is 251 characters long; ids may be at most 250"),
    "group id with a slash": (
        'TaskGroup("g/h")',
        "task group id 'g/h' contains '/' (at position 1); task group ids may contain only letters, digits, '_' "
        "and '-'",
    ),
}


class TestIdsAtParseTime:
    @pytest.mark.parametrize(("statement", "message"), ID_TRICKS.values(), ids=ID_TRICKS.keys())
    def test_a_bad_task_or_group_id_is_an_import_error_naming_the_dag_and_the_line(
        self, site: SchedulerHome, statement: str, message: str
    ) -> None:
        """Given a DAG file defining a task or group with a path trick for an id, when the DAGs folder is
        listed and the DAG tested, then both report an import error at the line, naming the DAG and the id."""
        path = site.write_dag(
            "from headwater import DAG, EmptyOperator, TaskGroup\n"
            'with DAG("tricky", schedule=None):\n'
            f"    {statement}\n"
        )

        listed = site.dag_list()
        tested = site.cli("dags", "test", str(path), check=False)

        error = listed["import_errors"][str(path)]
        assert error.startswith(f"{path}:3: InvalidId: DAG 'tricky': ")
        assert message in error
        assert tested.returncode != 0
        assert message in tested.stderr

    def test_a_bad_dag_id_is_an_import_error(self, site: SchedulerHome) -> None:
        path = site.write_dag('from headwater import DAG\nDAG("../dags", schedule=None)\n')

        error = site.dag_list()["import_errors"][str(path)]

        assert "InvalidId: DAG id '../dags' contains '/' (at position 2); DAG ids may contain only letters" in error


class TestStoredIdsCannotEscape:
    """Rows written straight to the database, as an older version or anyone with database access could."""

    VICTIM_RUN = "x/../../../../victim_dir"

    def _store_runs(self, site: SchedulerHome) -> None:
        ended = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        store = site.store  # creates the schema
        try:
            with store.engine.begin() as conn:
                for day, run_id in enumerate((self.VICTIM_RUN, "harmless"), start=1):
                    logical = dt.datetime(2023, 12, day, tzinfo=dt.UTC)
                    conn.execute(
                        insert(tables.dag_run).values(
                            dag_id="d",
                            run_id=run_id,
                            run_type="manual",
                            logical_date=logical,
                            external_trigger=True,
                            conf={},
                            state="success",
                            start_date=logical,
                            end_date=ended,
                        )
                    )
                    conn.execute(
                        insert(tables.task_instance).values(
                            dag_id="d",
                            run_id=run_id,
                            task_id="t",
                            map_index=-1,
                            state="success",
                            try_number=1,
                            max_tries=0,
                            pool="default_pool",
                            pool_slots=1,
                            priority_weight=1,
                            queue="default",
                        )
                    )
        finally:
            store.close()

    def test_db_clean_skips_and_reports_a_log_folder_outside_the_logs_and_cleans_the_rest(
        self, site: SchedulerHome, tmp_path: Path
    ) -> None:
        """Given a run stored with id 'x/../../../../victim_dir', the folders its log writes made, a victim
        folder beside the home with a file in it, and a harmless run with logs, when `tasks logs` and
        `db clean --yes` run, then the victim's log is not shown, the victim folder and its file remain, the
        skip is reported naming the run, and both runs and the harmless run's logs are deleted."""
        self._store_runs(site)
        logs = site.home / "logs"
        (logs / "dag_id=d" / "run_id=x").mkdir(parents=True)  # what a log write under the id created
        victim = tmp_path / "victim_dir"
        assert (logs / "dag_id=d" / self.VICTIM_RUN.replace("x/", "run_id=x/", 1)).resolve() == victim
        (victim / "task_id=t").mkdir(parents=True)
        (victim / "precious.txt").write_text("keep me")
        (victim / "task_id=t" / "attempt=1.log").write_text("SECRET outside the logs")
        harmless_logs = logs / "dag_id=d" / "run_id=harmless" / "task_id=t"
        harmless_logs.mkdir(parents=True)
        (harmless_logs / "attempt=1.log").write_text("old log")

        shown = site.cli("tasks", "logs", "d", self.VICTIM_RUN, "t", check=False)
        cleaned = site.cli("db", "clean", "--older-than", "2030-01-01", "--yes", check=False)

        assert shown.returncode == 2
        assert "SECRET" not in shown.stdout + shown.stderr
        assert f"Refused to use a path for the log of DAG 'd', run {self.VICTIM_RUN!r}" in shown.stderr
        assert cleaned.returncode == 0, cleaned.stderr
        assert (victim / "precious.txt").read_text() == "keep me"
        assert (victim / "task_id=t" / "attempt=1.log").is_file()
        assert "Deleted 2 run(s), 2 task instance(s) and 0 XCom(s)." in cleaned.stdout
        assert (
            f"Skipped: Refused to use a path for the logs of DAG 'd', run {self.VICTIM_RUN!r} in {logs}: its part "
            f"'run_id={self.VICTIM_RUN}' contains '/' (at position 8)"
        ) in cleaned.stderr
        assert not (logs / "dag_id=d" / "run_id=harmless").exists()
        assert _run_count(site) == 0

    def test_a_worker_writes_no_log_outside_the_logs_folder_for_a_run_id_that_escapes(
        self, site: SchedulerHome, tmp_path: Path
    ) -> None:
        """Given a run 'x/../../../../escaped' stored queued straight into the database (no trigger accepts
        it, whatever the pattern), when the scheduler runs it, then its task fails saying its log path was
        refused, and nothing is written outside the logs folder (where the id points, nor anywhere else)."""
        site.write_dag(DAG_FILE)
        site.start_scheduler()
        site.wait_for_dags("target")
        run_id = "x/../../../../escaped"
        triggered = site.cli("dags", "trigger", "target", "--run-id", run_id, check=False)
        logical = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        store = site.store
        try:
            with store.engine.begin() as conn:
                conn.execute(
                    insert(tables.dag_run).values(
                        dag_id="target",
                        run_id=run_id,
                        run_type="manual",
                        logical_date=logical,
                        data_interval_start=logical,
                        data_interval_end=logical,
                        external_trigger=True,
                        conf={},
                        state="queued",
                    )
                )
        finally:
            store.close()
        site.cli("dags", "unpause", "target")
        run = site.wait_for_run("target", run_id)

        assert triggered.returncode == 2  # refused at the door: only a row written straight to the database gets here
        assert run.state.value == "failed"
        say = site.instances("target", run_id)["say"]
        assert say.state is not None and say.state.value == "failed"
        assert f"Refused to use a path for the log of DAG 'target', run {run_id!r}" in (say.reason or "")
        assert not (tmp_path / "escaped").exists()
        logs = site.home / "logs"
        assert [p for p in tmp_path.rglob("*.log") if logs not in p.parents and p.parent != site.home] == []
