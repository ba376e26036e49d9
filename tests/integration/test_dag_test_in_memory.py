"""``dag.test()``: one run in this process on the in-memory store (headwater.store.memory), returning the
run's states and XComs without writing anything under HEADWATER_HOME.
"""

from __future__ import annotations

from pathlib import Path

import pendulum

from headwater import DAG, EmptyOperator, task
from headwater.model.states import DagRunState, TaskState


class TestDagTestInMemory:
    def test_dag_test_runs_in_memory_and_returns_the_states(self, headwater_home: Path) -> None:
        """Given a DAG built in this process, when dag.test() runs it, then the returned run has every task's
        state and XCom, and nothing is written under HEADWATER_HOME."""
        with DAG("in_memory", schedule=None) as dag:

            @task
            def one() -> int:
                return 1

            @task
            def add(x: int) -> int:
                return x + 1

            add(one()) >> EmptyOperator(task_id="end")

        result = dag.test(logical_date=pendulum.datetime(2024, 1, 2, tz="UTC"))

        assert result.run.state is DagRunState.SUCCESS
        assert {ti.task_id: ti.state for ti in result.instances} == {
            "one": TaskState.SUCCESS,
            "add": TaskState.SUCCESS,
            "end": TaskState.SUCCESS,
        }
        assert result.xcoms == {"one": {"return_value": 1}, "add": {"return_value": 2}}
        assert result.failed is False
        assert not headwater_home.exists()

    def test_dag_test_reports_a_failure_without_raising(self, headwater_home: Path) -> None:
        """Given a DAG whose task raises, when dag.test() runs it, then it returns a failed run with the reason."""
        with DAG("in_memory_failing", schedule=None) as dag:

            @task
            def boom() -> None:
                raise RuntimeError("boom")

            boom()

        result = dag.test()

        assert result.failed is True
        assert result.run.state is DagRunState.FAILED
        assert [(ti.task_id, ti.state, ti.reason) for ti in result.instances] == [
            ("boom", TaskState.FAILED, "failed: RuntimeError: boom")
        ]

    def test_dag_test_takes_run_conf(self, headwater_home: Path) -> None:
        """Given a task reading params, when dag.test(run_conf=...) runs it, then the task sees the conf value."""
        with DAG("in_memory_conf", schedule=None, params={"who": "ann"}) as dag:

            @task
            def greet(params=None) -> str:
                return f"hello {params['who']}"

            greet()

        result = dag.test(run_conf={"who": "bea"})

        assert result.xcoms == {"greet": {"return_value": "hello bea"}}
