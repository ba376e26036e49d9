"""``headwater dags test`` through the front door (click's CliRunner): the run recorded in the SQLite store
under an isolated HEADWATER_HOME, a second run replacing the first, the JSON on stdout, exit codes and
``--conf`` / ``--logical-date`` / ``--dag-id`` handling.

What users read is pinned exactly: progress and error lines on stderr, the JSON document on stdout, the
exit code (0 success, 1 failed run, 2 unusable input).
"""

from __future__ import annotations

import json
from pathlib import Path

import pendulum

from headwater.model.states import DagRunState, TaskState

RUN_ID = "manual__2024-01-02T00:00:00+00:00"


PIPELINE = """
    import pendulum
    from airflow import DAG
    from airflow.decorators import task
    from airflow.operators.python import PythonOperator

    def _extract(ti, params):
        ti.xcom_push(key="source", value="erp")
        if params.get("fail"):
            raise RuntimeError("extract was told to fail")
        return {"rows": [1, 2, 3]}

    with DAG("pipeline", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="@daily") as dag:
        extract = PythonOperator(task_id="extract", python_callable=_extract)

        @task
        def total(data):
            return sum(data["rows"])

        total(extract.output)
"""


class TestRunIsRecorded:
    def test_the_run_its_instances_and_xcoms_are_in_the_sqlite_store(
        self, write_dag, dags_test, open_sqlite, headwater_home: Path
    ) -> None:
        """Given an Airflow-style DAG file, when `dags test --json` runs it, then the SQLite store under
        HEADWATER_HOME holds the successful run, each instance with its try number, and each XCom."""
        path = write_dag(PIPELINE)

        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert (headwater_home / "headwater.db").is_file()
        store = open_sqlite()
        stored = store.get_run("pipeline", RUN_ID)
        assert stored is not None
        assert stored.state is DagRunState.SUCCESS
        assert (stored.run_type, stored.external_trigger, stored.conf) == ("manual", False, {})
        assert stored.logical_date == pendulum.datetime(2024, 1, 2, tz="UTC")
        assert (stored.data_interval_start, stored.data_interval_end) == (
            pendulum.datetime(2024, 1, 1, tz="UTC"),
            pendulum.datetime(2024, 1, 2, tz="UTC"),
        )
        assert stored.reason == "every leaf task succeeded or was skipped"
        assert stored.end_date is not None
        instances = {ti.task_id: ti for ti in store.task_instances("pipeline", RUN_ID)}
        assert {k: (ti.state, ti.try_number, ti.map_index) for k, ti in instances.items()} == {
            "extract": (TaskState.SUCCESS, 1, -1),
            "total": (TaskState.SUCCESS, 1, -1),
        }
        assert instances["extract"].operator == "PythonOperator"
        assert instances["extract"].reason == "ran and succeeded"
        xcoms = {(x.task_id, x.key): json.loads(x.value) for x in store.xcoms("pipeline", RUN_ID)}
        assert xcoms == {
            ("extract", "source"): "erp",
            ("extract", "return_value"): {"rows": [1, 2, 3]},
            ("total", "return_value"): 6,
        }

    def test_the_json_on_stdout_describes_the_recorded_run(self, write_dag, dags_test) -> None:
        """Given the same DAG, when `dags test --json` runs it, then stdout is one JSON document with the run,
        its tasks and XComs, and nothing else."""
        run = dags_test(write_dag(PIPELINE))

        assert run.json == {
            "dag_id": "pipeline",
            "logical_date": "2024-01-02T00:00:00+00:00",
            "run_id": RUN_ID,
            "run_type": "manual",
            "external_trigger": False,
            "data_interval": ["2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00"],
            "conf": {},
            "dag_run_state": "success",
            "tasks": {
                "extract": {"state": "success", "try_number": 1, "reason": "ran and succeeded"},
                "total": {"state": "success", "try_number": 1, "reason": "ran and succeeded"},
            },
            "xcoms": {"extract": {"return_value": {"rows": [1, 2, 3]}, "source": "erp"}, "total": {"return_value": 6}},
        }

    def test_progress_goes_to_stderr_when_json_is_asked_for(self, write_dag, dags_test) -> None:
        """Given the same DAG, when `dags test --json` runs it, then each task's end is a line on stderr."""
        run = dags_test(write_dag(PIPELINE))

        assert run.stderr == "             ok  extract\n             ok  total\n"

    def test_without_json_the_summary_is_on_stdout(self, write_dag, cli) -> None:
        """Given the same DAG, when `dags test` runs without --json, then progress and a summary line are on stdout."""
        path = write_dag(PIPELINE)

        run = cli("dags", "test", path, "--logical-date", "2024-01-02")

        assert run.exit_code == 0
        assert run.stdout == (
            "             ok  extract\n"
            "             ok  total\n"
            f"DAG run {RUN_ID} of pipeline: success (every leaf task succeeded or was skipped)\n"
        )

    def test_a_scheduled_run_covers_the_interval_starting_at_its_logical_date(self, write_dag, dags_test) -> None:
        """Given an @daily DAG, when run with --run-type scheduled, then the run id, type and interval are the
        scheduler's."""
        run = dags_test(write_dag(PIPELINE), "--run-type", "scheduled")

        document = run.json
        assert document["run_id"] == "scheduled__2024-01-02T00:00:00+00:00"
        assert (document["run_type"], document["external_trigger"]) == ("scheduled", False)
        assert document["data_interval"] == ["2024-01-02T00:00:00+00:00", "2024-01-03T00:00:00+00:00"]


class TestRunningTwice:
    def test_a_second_run_of_the_same_logical_date_replaces_the_first(self, write_dag, dags_test, open_sqlite) -> None:
        """Given a failed run of a DAG for Jan 2, when `dags test` runs it again for Jan 2, then stderr says the
        earlier run is replaced and the store holds only the second run, its instances and its XComs."""
        path = write_dag(PIPELINE)
        first = dags_test(path, "--conf", '{"fail": true}')
        assert first.json["dag_run_state"] == "failed"
        assert "Replacing" not in first.stderr

        second = dags_test(path)

        assert second.exit_code == 0
        assert (
            "Replacing the earlier run 'manual__2024-01-02T00:00:00+00:00' of this DAG and logical date.\n"
            in second.stderr
        )
        assert second.json["dag_run_state"] == "success"
        store = open_sqlite()
        assert store.count_runs("pipeline") == 1
        stored = store.get_run("pipeline", RUN_ID)
        assert stored is not None
        assert (stored.state, stored.conf) == (DagRunState.SUCCESS, {})
        assert sorted((ti.task_id, ti.state, ti.try_number) for ti in store.task_instances("pipeline", RUN_ID)) == [
            ("extract", TaskState.SUCCESS, 1),
            ("total", TaskState.SUCCESS, 1),
        ]
        assert sorted((x.task_id, x.key) for x in store.xcoms("pipeline", RUN_ID)) == [
            ("extract", "return_value"),
            ("extract", "source"),
            ("total", "return_value"),
        ]

    def test_another_logical_date_is_another_run(self, write_dag, dags_test, open_sqlite) -> None:
        """Given a run for Jan 2, when `dags test` runs for Jan 3, then nothing is replaced and both runs are stored."""
        path = write_dag(PIPELINE)
        dags_test(path)

        later = dags_test(path, logical_date="2024-01-03T00:00:00+00:00")

        assert "Replacing" not in later.stderr
        assert open_sqlite().count_runs("pipeline") == 2


class TestExitCodes:
    def test_a_failed_run_exits_1_with_the_json_still_on_stdout(self, write_dag, dags_test) -> None:
        """Given a DAG whose task fails, when `dags test --json` runs it, then it exits 1 and stdout is still the
        JSON document, with the failed task's reason and its downstream marked upstream_failed."""
        run = dags_test(write_dag(PIPELINE), "--conf", '{"fail": true}')

        assert run.exit_code == 1
        document = run.json
        assert document["dag_run_state"] == "failed"
        assert document["conf"] == {"fail": True}
        assert document["tasks"] == {
            "extract": {
                "state": "failed",
                "try_number": 1,
                "reason": "failed: RuntimeError: extract was told to fail",
            },
            "total": {"state": "upstream_failed", "try_number": 0, "reason": "all_success: 1/1 upstream failed"},
        }
        assert "         FAILED  extract  (failed: RuntimeError: extract was told to fail)\n" in run.stderr

    def test_conf_that_is_not_json_exits_2_with_the_parse_error(self, write_dag, dags_test, headwater_home) -> None:
        """Given --conf that is not JSON, when `dags test` runs, then it exits 2 saying where the JSON breaks,
        and nothing runs or is recorded."""
        run = dags_test(write_dag(PIPELINE), "--conf", "{bad")

        assert run.exit_code == 2
        assert run.stdout == ""
        assert run.stderr == (
            "Error: --conf is not valid JSON (Expecting property name enclosed in double quotes at position 1): "
            "'{bad'\n"
        )
        assert not (headwater_home / "headwater.db").exists()

    def test_conf_that_is_not_an_object_exits_2(self, write_dag, dags_test) -> None:
        """Given --conf that is a JSON list, when `dags test` runs, then it exits 2 asking for an object."""
        run = dags_test(write_dag(PIPELINE), "--conf", "[1, 2]")

        assert run.exit_code == 2
        assert run.stderr == "Error: --conf must be a JSON object such as '{\"key\": 1}'; got list.\n"

    def test_a_logical_date_that_is_not_a_date_exits_2(self, write_dag, cli) -> None:
        """Given --logical-date yesterday, when `dags test` runs, then it exits 2 with an ISO 8601 example."""
        run = cli("dags", "test", write_dag(PIPELINE), "--logical-date", "yesterday")

        assert run.exit_code == 2
        assert run.stderr == (
            "Error: --logical-date 'yesterday' is not an ISO 8601 date or datetime (e.g. 2024-01-01T00:00:00+00:00).\n"
        )


TWO_DAGS = """
    from headwater import DAG, task

    with DAG("first", schedule=None) as first:
        @task
        def one():
            return 1
        one()

    with DAG("second", schedule=None) as second:
        @task
        def two():
            return 2
        two()
"""


class TestDagId:
    def test_dag_id_picks_one_dag_out_of_a_file_with_two(self, write_dag, dags_test) -> None:
        """Given a file with DAGs 'first' and 'second', when `dags test --dag-id second` runs, then only the
        second runs."""
        run = dags_test(write_dag(TWO_DAGS), "--dag-id", "second")

        assert run.exit_code == 0
        assert run.json["dag_id"] == "second"
        assert run.tasks() == {"two": "success"}
        assert run.json["xcoms"] == {"two": {"return_value": 2}}

    def test_an_unknown_dag_id_lists_the_dags_there(self, write_dag, dags_test) -> None:
        """Given the same file, when `dags test --dag-id third` runs, then it exits 2 listing the DAGs found."""
        path = write_dag(TWO_DAGS)

        run = dags_test(path, "--dag-id", "third")

        assert run.exit_code == 2
        assert run.stderr == f"Error: No DAG 'third' in {path}. DAGs found there: 'first', 'second'.\n"

    def test_no_dag_id_for_a_file_with_two_dags_lists_them(self, write_dag, dags_test) -> None:
        """Given the same file, when `dags test` runs without --dag-id, then it exits 2 listing both DAGs and
        saying how to pick one."""
        path = write_dag(TWO_DAGS)
        run = dags_test(path)

        assert run.exit_code == 2
        assert run.stderr == f"Error: {path} holds several DAGs ('first', 'second'); pick one with --dag-id.\n"


CLOCK_DAG = """
import datetime as dt
import time

import pendulum

from headwater import DAG
from headwater.operators.python import PythonOperator

PARSED_AT = (pendulum.now("UTC").isoformat(), dt.datetime.now(dt.timezone.utc).isoformat(), time.time())


def clocks():
    return {"parsed": PARSED_AT, "ran": [pendulum.now("UTC").isoformat(), time.time()]}


with DAG("clocks", start_date=dt.datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="clocks", python_callable=clocks)
"""


def test_now_moves_the_whole_process_clock_parse_included(write_dag, dags_test) -> None:
    """Given --now, when a DAG file reads the clock while it is parsed and its task reads it while it runs,
    then both see that moment (ticking on from it), through pendulum, datetime and time alike."""
    import pendulum

    run = dags_test(write_dag(CLOCK_DAG), "--json", "--now", "2024-01-05T12:00:00+00:00")

    value = run.json["xcoms"]["clocks"]["return_value"]
    start = pendulum.datetime(2024, 1, 5, 12)
    parsed_pendulum, parsed_datetime, parsed_time = value["parsed"]
    ran_pendulum, ran_time = value["ran"]
    for seen in (parsed_pendulum, parsed_datetime, ran_pendulum):
        assert 0 <= (pendulum.parse(seen) - start).total_seconds() < 60, seen
    for seen in (parsed_time, ran_time):
        assert 0 <= seen - start.timestamp() < 60, seen
