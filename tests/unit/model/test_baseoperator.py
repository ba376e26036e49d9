"""Tests for headwater.model.baseoperator: ``default_args`` from the DAG, the task group and the task."""

from __future__ import annotations

from datetime import timedelta

from headwater import DAG, EmptyOperator, PythonOperator, task


def empties(*task_ids: str) -> list[EmptyOperator]:
    return [EmptyOperator(task_id=t) for t in task_ids]


class TestDefaultArgs:
    def test_retries_come_from_the_dags_default_args(self) -> None:
        """Given default_args retries=3 and retry_delay=10s, when an operator is made without them, then it has both."""
        with DAG("defaults", schedule=None, default_args={"retries": 3, "retry_delay": timedelta(seconds=10)}):
            (a,) = empties("a")
            python = PythonOperator(task_id="python", python_callable=lambda: None)
        assert (a.retries, a.retry_delay) == (3, timedelta(seconds=10))
        assert python.retries == 3

    def test_an_explicit_argument_beats_default_args(self) -> None:
        """Given default_args retries=3, when an operator says retries=0, then it has 0."""
        with DAG("defaults", schedule=None, default_args={"retries": 3}):
            a = EmptyOperator(task_id="a", retries=0)
        assert a.retries == 0

    def test_default_args_an_operator_does_not_take_are_ignored(self) -> None:
        """Given default_args with bash_command, when an EmptyOperator is made, then it is built without error."""
        with DAG("defaults", schedule=None, default_args={"bash_command": "echo hi", "retries": 2}):
            a = EmptyOperator(task_id="a")
        assert a.retries == 2
        assert not hasattr(a, "bash_command")

    def test_a_tasks_own_default_args_apply_too(self) -> None:
        """Given an operator given default_args retries=5 inside a DAG with retries=1, then it has 5."""
        with DAG("defaults", schedule=None, default_args={"retries": 1}):
            a = EmptyOperator(task_id="a", default_args={"retries": 5})
        assert a.retries == 5

    def test_taskflow_tasks_take_default_args(self) -> None:
        """Given default_args retries=2, when a @task is called, then its operator has retries=2."""
        with DAG("defaults", schedule=None, default_args={"retries": 2}):

            @task
            def work() -> None:
                return None

            result = work()
        assert result.operator.retries == 2
