"""Tests for headwater.model.dag: duplicate task ids and cycle detection (``check_cycle``,
``topological_order``), with the exact messages of headwater.errors.
"""

from __future__ import annotations

import pytest

from headwater import DAG, EmptyOperator, TaskGroup
from headwater.errors import CycleError, DagDefinitionError, DuplicateTaskIdError


def empties(*task_ids: str) -> list[EmptyOperator]:
    return [EmptyOperator(task_id=t) for t in task_ids]


class TestDuplicateTaskId:
    def test_a_second_task_with_the_same_id_is_refused(self) -> None:
        """Given a DAG with task 'a', when another task 'a' is added, then DuplicateTaskIdError names the DAG and id."""
        with DAG("dupes", schedule=None) as dag:
            EmptyOperator(task_id="a")
            with pytest.raises(DuplicateTaskIdError) as caught:
                EmptyOperator(task_id="a")
        err = caught.value
        assert str(err) == (
            "DAG 'dupes' already has a task 'a'. Task and group ids must be unique within a DAG: rename one of them."
        )
        assert (err.dag_id, err.task_id) == ("dupes", "a")
        assert isinstance(err, DagDefinitionError)
        assert isinstance(err, ValueError)
        assert len(dag.tasks) == 1

    def test_the_same_label_in_two_groups_is_not_a_duplicate(self) -> None:
        """Given two groups, when each holds a task 'load', then both exist under their own prefix."""
        with DAG("dupes", schedule=None) as dag:
            with TaskGroup("one"):
                EmptyOperator(task_id="load")
            with TaskGroup("two"):
                EmptyOperator(task_id="load")
        assert dag.task_ids == ["one.load", "two.load"]


class TestCycles:
    def test_check_cycle_names_the_tasks_on_the_cycle(self) -> None:
        """Given a >> b >> c >> a, when check_cycle() runs, then CycleError draws the loop and says how to fix it."""
        with DAG("loop", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            a >> b >> c >> a
        with pytest.raises(CycleError) as caught:
            dag.check_cycle()
        err = caught.value
        assert str(err) == (
            "DAG 'loop' has a cycle: a >> b >> c >> a. Remove one of these dependencies so the tasks can be ordered."
        )
        assert (err.dag_id, err.cycle) == ("loop", ["a", "b", "c"])
        assert isinstance(err, DagDefinitionError)

    def test_tasks_outside_the_cycle_are_not_named(self) -> None:
        """Given start >> a >> b >> a, when check_cycle() runs, then only a and b are on the cycle."""
        with DAG("loop", schedule=None) as dag:
            start, a, b = empties("start", "a", "b")
            start >> a >> b >> a
        with pytest.raises(CycleError) as caught:
            dag.check_cycle()
        assert caught.value.cycle == ["a", "b"]

    def test_a_task_wired_to_itself_is_a_cycle(self) -> None:
        """Given a >> a, when check_cycle() runs, then the cycle is a alone."""
        with DAG("loop", schedule=None) as dag:
            (a,) = empties("a")
            a >> a
        with pytest.raises(CycleError) as caught:
            dag.check_cycle()
        assert str(caught.value).startswith("DAG 'loop' has a cycle: a >> a.")

    def test_an_acyclic_dag_passes_and_orders_upstreams_first(self) -> None:
        """Given a diamond, when check_cycle() and topological_order() run, then there is no error and each
        task comes after its upstreams."""
        with DAG("diamond", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            a >> [b, c] >> d
        dag.check_cycle()
        order = dag.topological_order()
        assert order[0] == "a"
        assert order[-1] == "d"
        assert sorted(order) == ["a", "b", "c", "d"]
