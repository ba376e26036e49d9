"""Operators, callbacks, timeouts and context features, run through `headwater dags test`."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from conftest import CliRun

HEADER = """
    import datetime
    import pendulum
    from airflow import DAG
    from airflow.decorators import task
    from airflow.operators.branch import BaseBranchOperator
    from airflow.operators.datetime import BranchDateTimeOperator
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import PythonOperator, get_current_context
"""


def dag_file(body: str) -> str:
    """The Airflow imports above, then the test's own DAG code."""
    return textwrap.dedent(HEADER) + textwrap.dedent(body)


class TestBranchOperators:
    def test_a_base_branch_operator_subclass_follows_what_choose_branch_returns(self, write_dag, dags_test) -> None:
        """Given a BaseBranchOperator whose choose_branch picks 'b', when the DAG runs, then 'a' is skipped."""
        path = write_dag(
            dag_file("""
            class Pick(BaseBranchOperator):
                def choose_branch(self, context):
                    return "b"

            with DAG("pick", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                Pick(task_id="pick") >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {"a": "skipped", "b": "success", "pick": "success"}
        assert run.json["tasks"]["a"]["reason"] == "branch 'pick' followed ['b']"

    def test_branch_datetime_compares_the_logical_date_with_the_window(self, write_dag, dags_test) -> None:
        """Given a BranchDateTimeOperator on the logical date with a 00:00-06:00 window, when the run's
        logical date is 03:00, then the 'in window' task runs and the other is skipped."""
        path = write_dag(
            dag_file("""
            with DAG("window", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                BranchDateTimeOperator(
                    task_id="when", follow_task_ids_if_true="inside", follow_task_ids_if_false="outside",
                    target_lower=datetime.time(0, 0), target_upper=datetime.time(6, 0), use_task_logical_date=True,
                ) >> [EmptyOperator(task_id="inside"), EmptyOperator(task_id="outside")]
        """)
        )
        run = dags_test(path, logical_date="2024-01-02T03:00:00+00:00")
        assert run.tasks() == {"inside": "success", "outside": "skipped", "when": "success"}


class TestCallbacks:
    def test_each_outcome_calls_its_callback_with_the_context(self, write_dag, dags_test, tmp_path: Path) -> None:
        """Given tasks that succeed, fail after a retry and skip, when the DAG runs, then on_success, on_retry,
        on_failure and on_skipped callbacks are each called with the task's context (a task raising the skip
        exception calls on_success_callback too, as Airflow 2.10 does)."""
        log = tmp_path / "calls.txt"
        path = write_dag(
            dag_file(f"""
            from airflow.exceptions import AirflowSkipException

            def note(kind):
                def callback(context):
                    with open({str(log)!r}, "a") as fh:
                        fh.write(f"{{kind}} {{context['ti'].task_id}} {{context['ti'].try_number}}\\n")
                return callback

            def fail():
                raise ValueError("no")

            def skip():
                raise AirflowSkipException("later")

            with DAG("calls", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     default_args={{"on_success_callback": note("success"), "on_failure_callback": note("failure"),
                                   "on_retry_callback": note("retry"), "on_skipped_callback": note("skipped"),
                                   "retry_delay": datetime.timedelta(0)}}):
                PythonOperator(task_id="good", python_callable=lambda: 1)
                PythonOperator(task_id="bad", python_callable=fail, retries=1)
                PythonOperator(task_id="later", python_callable=skip)
        """)
        )
        run = dags_test(path)
        assert run.exit_code == 1
        assert sorted(log.read_text().splitlines()) == [
            "failure bad 2",
            "retry bad 1",
            "skipped later 1",
            "success good 1",
            "success later 1",
        ]

    def test_a_failing_callback_does_not_change_the_tasks_state(self, write_dag, dags_test) -> None:
        """Given an on_success_callback that raises, when the task succeeds, then it stays successful."""
        path = write_dag(
            dag_file("""
            def broken(context):
                raise RuntimeError("callback bug")

            with DAG("cb", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                PythonOperator(task_id="t", python_callable=lambda: 1, on_success_callback=broken)
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {"t": "success"}
        assert (
            "Error in callback at index 0: broken (task 't'); the recorded state is unchanged." in run.stderr
        )
        assert "RuntimeError: callback bug" in run.stderr


class TestExecutionTimeout:
    def test_a_task_over_its_timeout_fails_with_a_timeout_reason(self, write_dag, dags_test) -> None:
        """Given a task sleeping 5 s with execution_timeout=0.2 s, when it runs, then it fails and the reason
        names the timeout."""
        path = write_dag(
            dag_file("""
            import time

            with DAG("slow", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                PythonOperator(task_id="nap", python_callable=lambda: time.sleep(5),
                               execution_timeout=datetime.timedelta(seconds=0.2))
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {"nap": "failed"}
        assert run.json["tasks"]["nap"]["reason"] == (
            "failed: TaskTimeout: Task 'nap' exceeded its execution_timeout of 0:00:00.200000."
        )


class TestContextAndTemplates:
    def test_native_rendering_gives_python_objects(self, write_dag, dags_test) -> None:
        """Given render_template_as_native_obj=True, when a template renders a list, then the task gets a list."""
        path = write_dag(
            dag_file("""
            with DAG("native", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                     render_template_as_native_obj=True, params={"n": 2}):
                PythonOperator(task_id="t", python_callable=lambda v: [type(v).__name__, v],
                               op_args=["{{ [params.n, params.n * 2] }}"])
        """)
        )
        assert dags_test(path).json["xcoms"]["t"]["return_value"] == ["list", [2, 4]]

    def test_get_current_context_and_macros_inside_a_task(self, write_dag, dags_test) -> None:
        """Given a @task calling get_current_context() and a template using macros.ds_add, when they run, then
        both see the run's logical date."""
        path = write_dag(
            dag_file("""
            with DAG("ctx", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                @task
                def where():
                    return get_current_context()["ds"]

                where()
                PythonOperator(task_id="later", python_callable=lambda d: d,
                               op_args=["{{ macros.ds_add(ds, 5) }}"])
        """)
        )
        xcoms = dags_test(path).json["xcoms"]
        assert xcoms["where"]["return_value"] == "2024-01-02"
        assert xcoms["later"]["return_value"] == "2024-01-07"

    def test_expand_kwargs_and_output_of_a_classic_operator(self, write_dag, dags_test) -> None:
        """Given a classic operator's .output feeding a @task, and a @task mapped with expand_kwargs, when they
        run, then each mapped instance gets its own keyword arguments and the reducer gets the list."""
        path = write_dag(
            dag_file("""
            with DAG("kw", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                rows = PythonOperator(task_id="rows", python_callable=lambda: [{"a": 1, "b": 2}, {"a": 3, "b": 4}])

                @task
                def add(a, b):
                    return a + b

                @task
                def total(values):
                    return sum(values)

                total(add.expand_kwargs(rows.output))
        """)
        )
        run = dags_test(path)
        assert run.tasks() == {"add[0]": "success", "add[1]": "success", "rows": "success", "total": "success"}
        assert run.json["xcoms"]["total"]["return_value"] == 10


class TestSettings:
    def test_the_toml_file_is_read_and_environment_variables_win(self, headwater_home: Path, monkeypatch) -> None:
        """Given headwater.toml setting the DAGs folder and the XCom backend, and an environment variable
        overriding the folder, when settings load, then the file's backend and the variable's folder apply."""
        from headwater.config import Settings

        headwater_home.mkdir(parents=True, exist_ok=True)
        (headwater_home / "headwater.toml").write_text(
            '[core]\ndags_folder = "/from/file"\nxcom_backend = "pkg.Backend"\n'
        )
        monkeypatch.setenv("HEADWATER__CORE__DAGS_FOLDER", "/from/env")
        settings = Settings.load()
        assert (str(settings.dags_folder), settings.xcom_backend) == ("/from/env", "pkg.Backend")
        assert settings.sql_alchemy_conn == f"sqlite:///{headwater_home / 'headwater.db'}"

    def test_a_broken_toml_file_is_a_clear_error(self, headwater_home: Path, cli: Callable[..., CliRun]) -> None:
        """Given a headwater.toml that is not TOML, when a command loads settings, then it says which file."""
        headwater_home.mkdir(parents=True, exist_ok=True)
        (headwater_home / "headwater.toml").write_text("[core\n")
        run = cli("dags", "list")
        assert run.exit_code == 2
        assert run.stderr.startswith(f"Error: {headwater_home / 'headwater.toml'} is not valid TOML:")
