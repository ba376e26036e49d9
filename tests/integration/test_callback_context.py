"""Task and DAG callbacks under ``dags test``: what Airflow 2.10 passes them and when it calls them.
Each callback writes what it saw to a file (a side channel free of XCom)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

HEADER = """
    import datetime, json
    import pendulum
    from airflow import DAG
    from airflow.exceptions import AirflowFailException, AirflowSkipException
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import PythonOperator

    def note(kind):
        def callback(context):
            exc = context.get("exception")
            seen = {{"kind": kind, "task": context["ti"].task_id, "try": context["ti"].try_number,
                     "state": context["ti"].state, "exception": [type(exc).__name__, str(exc)] if exc else None,
                     "reason": context.get("reason"), "run_id": context["dag_run"].run_id}}
            with open({log!r}, "a") as fh:
                fh.write(json.dumps(seen) + "\\n")
        callback.__name__ = f"note_{{kind}}"
        return callback

    def broken(context):
        raise RuntimeError("the callback itself is broken")
"""


def calls(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def write(write_dag, log: Path, body: str) -> Path:
    return write_dag(textwrap.dedent(HEADER.format(log=str(log))) + textwrap.dedent(body))


RUN_ID = "manual__2024-01-02T00:00:00+00:00"


class TestTaskCallbacks:
    def test_failure_and_retry_callbacks_get_the_exception_object(self, write_dag, dags_test, tmp_path: Path) -> None:
        """Given a task with one retry that raises ValueError, when it runs, then on_retry_callback (try 1)
        and on_failure_callback (try 2) each see context['exception'], the ValueError raised."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            def fail():
                raise ValueError("bad row 7")

            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                PythonOperator(task_id="t", python_callable=fail, retries=1, retry_delay=datetime.timedelta(0),
                               on_retry_callback=note("retry"), on_failure_callback=note("failure"))
            """,
        )
        run = dags_test(path)

        assert run.tasks() == {"t": "failed"}
        assert calls(log) == [
            {"kind": "retry", "task": "t", "try": 1, "state": "up_for_retry", "exception": ["ValueError", "bad row 7"],
             "reason": None, "run_id": RUN_ID},
            {"kind": "failure", "task": "t", "try": 2, "state": "failed", "exception": ["ValueError", "bad row 7"],
             "reason": None, "run_id": RUN_ID},
        ]  # fmt: skip

    def test_a_timeout_and_a_fail_exception_reach_the_failure_callback(
        self, write_dag, dags_test, tmp_path: Path
    ) -> None:
        """Given a task over its execution_timeout and one raising AirflowFailException with retries left,
        when they run, then each fails at once and its failure callback sees the exception."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            import time

            def stop():
                raise AirflowFailException("no point retrying")

            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     default_args={"on_failure_callback": note("failure"), "on_retry_callback": note("retry")}):
                PythonOperator(task_id="slow", python_callable=lambda: time.sleep(5),
                               execution_timeout=datetime.timedelta(seconds=0.2))
                PythonOperator(task_id="stop", python_callable=stop, retries=3)
            """,
        )
        run = dags_test(path)

        assert run.tasks() == {"slow": "failed", "stop": "failed"}
        seen = {c["task"]: c["exception"] for c in calls(log)}
        assert seen == {
            "slow": ["TaskTimeout", "Task 'slow' exceeded its execution_timeout of 0:00:00.200000."],
            "stop": ["FailTask", "no point retrying"],  # what airflow.exceptions.AirflowFailException names
        }

    def test_a_raising_callback_in_a_list_is_logged_and_the_next_one_still_runs(
        self, write_dag, dags_test, tmp_path: Path
    ) -> None:
        """Given on_success_callback=[broken, note], when the task succeeds, then broken's error is logged
        with its traceback, note is still called and the task stays successful."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                PythonOperator(task_id="t", python_callable=lambda: 1,
                               on_success_callback=[broken, note("success")])
            """,
        )
        run = dags_test(path)

        assert run.tasks() == {"t": "success"}
        assert [c["kind"] for c in calls(log)] == ["success"]
        assert "Error in callback at index 0: broken (task 't'); the recorded state is unchanged." in run.stderr
        assert "RuntimeError: the callback itself is broken" in run.stderr

    def test_only_a_task_that_raises_the_skip_exception_calls_the_skipped_callback(
        self, write_dag, dags_test, tmp_path: Path
    ) -> None:
        """Given a task raising AirflowSkipException and a downstream skipped by it, both with skipped and
        success callbacks, when the DAG runs, then only the raising task's callbacks run: on_skipped, then
        on_success (Airflow 2.10 calls both); the downstream, skipped by the scheduler, calls none."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            def skip():
                raise AirflowSkipException("nothing new today")

            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     default_args={"on_skipped_callback": note("skipped"), "on_success_callback": note("success")}):
                PythonOperator(task_id="check", python_callable=skip) >> EmptyOperator(task_id="load")
            """,
        )
        run = dags_test(path)

        assert run.tasks() == {"check": "skipped", "load": "skipped"}
        assert [(c["kind"], c["task"], c["state"]) for c in calls(log)] == [
            ("skipped", "check", "skipped"),
            ("success", "check", "skipped"),
        ]


class TestDagCallbacks:
    def test_a_failed_run_calls_the_failure_callback_once_with_the_reason(
        self, write_dag, dags_test, tmp_path: Path
    ) -> None:
        """Given a DAG with on_failure_callback and on_success_callback whose first task fails, when the
        run ends, then only the failure callback is called, once, with reason 'task_failure' and the
        context of the last task defined."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            def fail():
                raise ValueError("no")

            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     on_failure_callback=[broken, note("dag_failure")], on_success_callback=note("dag_success")):
                PythonOperator(task_id="b_first", python_callable=fail) >> EmptyOperator(task_id="a_second")
            """,
        )
        run = dags_test(path)

        assert run.json["dag_run_state"] == "failed"
        assert calls(log) == [
            {"kind": "dag_failure", "task": "a_second", "try": 0, "state": "upstream_failed", "exception": None,
             "reason": "task_failure", "run_id": RUN_ID},
        ]  # fmt: skip
        assert "The DAG callback broken of DAG 'cb', run '" + RUN_ID + "' raised" in run.stderr

    def test_a_successful_run_calls_the_success_callback_with_reason_success(
        self, write_dag, dags_test, tmp_path: Path
    ) -> None:
        """Given a DAG with on_success_callback, when every task succeeds, then it is called with
        reason 'success' and context['dag_run'] of the run."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     on_success_callback=note("dag_success"), on_failure_callback=note("dag_failure")):
                EmptyOperator(task_id="only")
            """,
        )
        run = dags_test(path)

        assert run.json["dag_run_state"] == "success"
        assert [(c["kind"], c["reason"], c["task"], c["run_id"]) for c in calls(log)] == [
            ("dag_success", "success", "only", RUN_ID)
        ]

    def test_a_deadlocked_run_gives_reason_all_tasks_deadlocked(self, write_dag, dags_test, tmp_path: Path) -> None:
        """Given a task downstream of a task the run has no instance of (its start_date is later), when
        the run deadlocks, then the failure callback's reason is 'all_tasks_deadlocked'."""
        log = tmp_path / "calls.jsonl"
        path = write(
            write_dag,
            log,
            """
            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     on_failure_callback=note("dag_failure")):
                later = EmptyOperator(task_id="later", start_date=pendulum.datetime(2030, 1, 1, tz="UTC"))
                later >> EmptyOperator(task_id="waits")
            """,
        )
        run = dags_test(path)

        assert run.json["dag_run_state"] == "failed"
        assert [(c["kind"], c["reason"]) for c in calls(log)] == [("dag_failure", "all_tasks_deadlocked")]


def test_a_run_past_its_dagrun_timeout_gives_reason_timed_out() -> None:
    """Given a running run of a DAG with dagrun_timeout and on_failure_callback, when the scheduler's
    driver finds it past the timeout, then the callback is called once with reason 'timed_out'."""
    import datetime as dt

    import pendulum

    from headwater.executors.inprocess import InProcessExecutor
    from headwater.model.dag import DAG
    from headwater.operators.empty import EmptyOperator
    from headwater.runtime.environment import run_environment
    from headwater.scheduler.dagruns import missing_instances, new_run
    from headwater.scheduler.run_driver import RunDriver
    from headwater.store.memory import MemoryStore
    from headwater.store.xcom.base import BaseXCom

    seen: list[tuple[str, str]] = []
    with DAG(
        "slow",
        start_date=dt.datetime(2024, 1, 1),
        schedule=None,
        dagrun_timeout=dt.timedelta(minutes=5),
        on_failure_callback=lambda context: seen.append((context["reason"], context["dag_run"].state)),
    ) as dag:
        EmptyOperator(task_id="t")
    run = new_run(
        dag,
        run_type="manual",
        logical_date=dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        data_interval=dag.timetable.manual_interval(pendulum.datetime(2024, 1, 2)),
    )
    run.start_date = pendulum.datetime(2024, 1, 2)
    instances = missing_instances(dag, run, [], {})
    env = run_environment(dag, run, backend=BaseXCom, now=lambda: pendulum.datetime(2024, 1, 2, 1))
    store = MemoryStore()
    store.start_run(run, instances, replace=False)
    driver = RunDriver(env, run, instances, store, InProcessExecutor(env), queued_by="me")

    ended = driver.time_out(pendulum.datetime(2024, 1, 2, 1), dag.dagrun_timeout)

    assert ended is not None and ended.state.value == "failed"
    assert seen == [("timed_out", "failed")]
