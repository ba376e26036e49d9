"""How a task's own failures end, through ``headwater dags test``: a branch naming an unknown task, an
XCom value that cannot be stored, and retries (with ``retry_delay=0``, so no test waits).
"""

from __future__ import annotations


class TestBranchAndXComFailures:
    def test_a_branch_returning_an_unknown_id_fails_listing_the_valid_ids(self, write_dag, dags_test) -> None:
        """Given a branch that returns 'fetch_sale', when the DAG runs, then the branch task fails with a reason
        that suggests 'fetch_sales' and lists the downstream ids, and its downstream tasks are upstream_failed."""
        path = write_dag(
            """
            from headwater import DAG, BranchPythonOperator, EmptyOperator

            with DAG("sales_daily", schedule=None) as dag:
                pick = BranchPythonOperator(task_id="pick_source", python_callable=lambda: "fetch_sale")
                pick >> [EmptyOperator(task_id="fetch_sales"), EmptyOperator(task_id="fetch_weather")]
            """
        )

        run = dags_test(path)

        assert run.exit_code == 1
        message = (
            "DAG 'sales_daily', task 'pick_source': the branch returned 'fetch_sale', which is no task in this DAG. "
            "Did you mean 'fetch_sales'? Downstream ids: 'fetch_sales', 'fetch_weather'."
        )
        assert run.json["tasks"]["pick_source"] == {
            "state": "failed",
            "try_number": 1,
            "reason": f"failed: UnknownBranchTarget: {message}",
        }
        assert run.tasks() == {
            "pick_source": "failed",
            "fetch_sales": "upstream_failed",
            "fetch_weather": "upstream_failed",
        }
        assert f"         FAILED  pick_source  (failed: UnknownBranchTarget: {message})\n" in run.stderr

    def test_a_return_value_that_cannot_be_stored_fails_naming_task_key_and_type(self, write_dag, dags_test) -> None:
        """Given a task returning object(), when it runs, then it fails with a reason naming the DAG, the task,
        the key 'return_value', the type and the fixes."""
        path = write_dag(
            """
            from headwater import DAG, PythonOperator

            with DAG("handles", schedule=None) as dag:
                PythonOperator(task_id="make", python_callable=lambda: object())
            """
        )

        run = dags_test(path)

        assert run.exit_code == 1
        assert run.json["tasks"]["make"]["state"] == "failed"
        assert run.json["tasks"]["make"]["reason"] == (
            "failed: XComSerializationError: DAG 'handles', task 'make': cannot store XCom 'return_value' of type "
            "builtins.object. Convert the value to a supported type (JSON types, dates, Decimal, UUID, bytes, "
            "dataclasses, pydantic models, enums, numpy/pandas/pyarrow data), register the type with "
            "headwater.serialization.register(type, encode, decode), or write the data to storage yourself and "
            "push its path."
        )
        assert run.json["xcoms"] == {}

    def test_an_explicit_push_that_cannot_be_stored_names_its_key(self, write_dag, dags_test) -> None:
        """Given a task pushing an iterator under key 'handle', when it runs, then it fails naming 'handle'
        and builtins.list_iterator."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("handles", schedule=None) as dag:
                @task
                def make(ti=None):
                    ti.xcom_push(key="handle", value=iter([1, 2]))
                make()
            """
        )

        run = dags_test(path)

        reason = run.json["tasks"]["make"]["reason"]
        assert reason.startswith(
            "failed: XComSerializationError: DAG 'handles', task 'make': cannot store XCom 'handle' of type "
            "builtins.list_iterator. "
        )


class TestRetries:
    def test_a_task_that_fails_once_succeeds_on_its_second_try(self, write_dag, dags_test) -> None:
        """Given a task with retries=2 and retry_delay=0 that fails on its first try only, when the DAG runs,
        then it succeeds with try_number 2 and the retry is reported on stderr."""
        path = write_dag(
            """
            from pathlib import Path
            from headwater import DAG, PythonOperator

            MARK = Path(__file__).with_name("tried")

            def flaky():
                if not MARK.exists():
                    MARK.write_text("1")
                    raise RuntimeError("first try fails")
                return "second try"

            with DAG("retrying", schedule=None) as dag:
                PythonOperator(task_id="flaky", python_callable=flaky, retries=2, retry_delay=0)
            """
        )

        run = dags_test(path)

        assert run.exit_code == 0
        assert run.json["tasks"]["flaky"] == {"state": "success", "try_number": 2, "reason": "ran and succeeded"}
        assert run.json["xcoms"] == {"flaky": {"return_value": "second try"}}
        assert (
            "          retry  flaky  (try 1 of 3 failed (RuntimeError: first try fails); retrying after 0:00:00)\n"
            in run.stderr
        )

    def test_a_task_that_always_fails_stops_after_its_last_try(self, write_dag, dags_test) -> None:
        """Given a task with retries=2 (from default_args) and retry_delay=0 that always fails, when the DAG
        runs, then it fails after 3 tries, saying so."""
        path = write_dag(
            """
            from datetime import timedelta
            from headwater import DAG, PythonOperator

            def broken():
                raise ValueError("always")

            with DAG("retrying", schedule=None, default_args={"retries": 2, "retry_delay": timedelta(0)}) as dag:
                PythonOperator(task_id="broken", python_callable=broken)
            """
        )

        run = dags_test(path)

        assert run.exit_code == 1
        assert run.json["tasks"]["broken"] == {
            "state": "failed",
            "try_number": 3,
            "reason": "retries exhausted after 3 tries: ValueError: always",
        }
