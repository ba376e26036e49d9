"""Tests for headwater.model.dependencies: ``>>`` / ``<<``, ``chain``, ``cross_downstream`` and
``chain_linear``, with tasks, lists, task groups (headwater.model.taskgroup) and edge labels
(headwater.model.labels) as endpoints.

Every DAG here is built in memory; nothing runs and nothing is written.
"""

from __future__ import annotations

import pytest

from headwater import (
    DAG,
    EmptyOperator,
    Label,
    TaskGroup,
    chain,
    chain_linear,
    cross_downstream,
    task,
)


def edges(dag: DAG) -> set[tuple[str, str]]:
    """Every (upstream, downstream) pair of ``dag``, read from both sides so a half-wired edge shows."""
    down = {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}
    up = {(u, t.task_id) for t in dag.tasks for u in t.upstream_task_ids}
    assert down == up, f"edges disagree: downstream-only {down - up}, upstream-only {up - down}"
    return down


def empties(*task_ids: str) -> list[EmptyOperator]:
    return [EmptyOperator(task_id=t) for t in task_ids]


class TestShiftOperators:
    def test_rshift_wires_left_upstream_of_right_and_returns_right(self) -> None:
        """Given two tasks, when `a >> b`, then b is downstream of a and the expression is b (so chains read
        left to right)."""
        with DAG("shift", schedule=None) as dag:
            a, b = empties("a", "b")
            result = a >> b
        assert result is b
        assert edges(dag) == {("a", "b")}

    def test_lshift_wires_right_upstream_of_left(self) -> None:
        """Given two tasks, when `a << b`, then a is downstream of b and the expression is b."""
        with DAG("shift", schedule=None) as dag:
            a, b = empties("a", "b")
            result = a << b
        assert result is b
        assert edges(dag) == {("b", "a")}

    def test_a_chain_of_shifts_wires_each_neighbour_pair(self) -> None:
        """Given three tasks, when `a >> b >> c`, then a feeds b and b feeds c, and nothing else."""
        with DAG("shift", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            a >> b >> c
        assert edges(dag) == {("a", "b"), ("b", "c")}

    def test_a_list_on_the_right_fans_out(self) -> None:
        """Given a task and a list, when `a >> [b, c]`, then a feeds both and the expression is the list."""
        with DAG("fan", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            result = a >> [b, c]
        assert result == [b, c]
        assert edges(dag) == {("a", "b"), ("a", "c")}

    def test_a_list_on_the_left_fans_in(self) -> None:
        """Given a list and a task, when `[a, b] >> c`, then both feed c and the expression is c."""
        with DAG("fan", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            result = [a, b] >> c
        assert result is c
        assert edges(dag) == {("a", "c"), ("b", "c")}

    def test_a_list_on_the_left_of_lshift_is_downstream(self) -> None:
        """Given a list and a task, when `[a, b] << c`, then c feeds both."""
        with DAG("fan", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            result = [a, b] << c
        assert result is c
        assert edges(dag) == {("c", "a"), ("c", "b")}

    def test_a_list_on_the_right_of_lshift_is_upstream(self) -> None:
        """Given a task and a list, when `c << [a, b]`, then both feed c."""
        with DAG("fan", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            c << [a, b]
        assert edges(dag) == {("a", "c"), ("b", "c")}

    def test_list_to_list_is_pythons_unsupported_operand_error(self) -> None:
        """Given two lists of tasks, when `[a, b] >> [c, d]`, then Python raises its own TypeError (as in Airflow)."""
        with DAG("lists", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            with pytest.raises(TypeError) as caught:
                [a, b] >> [c, d]  # type: ignore[operator]
        assert str(caught.value) == "unsupported operand type(s) for >>: 'list' and 'list'"
        assert edges(dag) == set()

    def test_a_taskflow_result_is_an_endpoint(self) -> None:
        """Given a @task call's result and an operator, when `result >> op`, then the task behind it feeds op."""
        with DAG("flow", schedule=None) as dag:

            @task
            def extract() -> int:
                return 1

            end = EmptyOperator(task_id="end")
            extract() >> end
        assert edges(dag) == {("extract", "end")}

    def test_something_that_is_not_a_task_is_rejected_with_what_to_use(self) -> None:
        """Given a task, when it is wired to a string, then a TypeError says which kinds of endpoint work."""
        with DAG("bad", schedule=None):
            (a,) = empties("a")
            with pytest.raises(TypeError) as caught:
                a >> "b"
        assert str(caught.value) == (
            "Cannot set a dependency with 'b' (str); use a task, a task group, the result of a @task call, "
            "or a list of them."
        )


class TestSetUpstreamAndDownstream:
    def test_set_downstream_takes_a_task_or_a_list(self) -> None:
        """Given three tasks, when a.set_downstream(b) and b.set_downstream([c]), then a feeds b and b feeds c."""
        with DAG("methods", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            a.set_downstream(b)
            b.set_downstream([c])
        assert edges(dag) == {("a", "b"), ("b", "c")}
        assert a.downstream_list == [b]
        assert c.upstream_list == [b]

    def test_set_upstream_takes_a_task_or_a_list(self) -> None:
        """Given three tasks, when c.set_upstream([a, b]), then both feed c."""
        with DAG("methods", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            c.set_upstream([a, b])
        assert edges(dag) == {("a", "c"), ("b", "c")}
        assert c.upstream_task_ids == {"a", "b"}

    def test_wiring_the_same_edge_twice_keeps_one_edge(self) -> None:
        """Given a >> b, when it is written again, then the DAG still has the one edge."""
        with DAG("twice", schedule=None) as dag:
            a, b = empties("a", "b")
            a >> b
            a.set_downstream(b)
            b.set_upstream(a)
        assert edges(dag) == {("a", "b")}

    def test_tasks_of_two_dags_cannot_be_wired(self) -> None:
        """Given a task in each of two DAGs, when wired, then a ValueError names both tasks and DAGs."""
        with DAG("first", schedule=None):
            a = EmptyOperator(task_id="a")
        with DAG("second", schedule=None):
            b = EmptyOperator(task_id="b")
        with pytest.raises(ValueError) as caught:
            a >> b
        assert str(caught.value) == (
            "Tasks 'a' (DAG 'first') and 'b' (DAG 'second') are in different DAGs; a dependency must stay "
            "within one DAG."
        )


class TestChain:
    def test_chain_wires_elements_in_order(self) -> None:
        """Given three tasks, when chain(a, b, c), then a feeds b and b feeds c."""
        with DAG("chain", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            chain(a, b, c)
        assert edges(dag) == {("a", "b"), ("b", "c")}

    def test_chain_fans_out_and_in_around_a_list(self) -> None:
        """Given a task, a list of two and a task, when chained, then the list sits between them."""
        with DAG("chain", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            chain(a, [b, c], d)
        assert edges(dag) == {("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")}

    def test_chain_pairs_neighbouring_lists_one_to_one(self) -> None:
        """Given two lists of equal length, when chained, then each element feeds its partner only."""
        with DAG("chain", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            chain([a, b], [c, d])
        assert edges(dag) == {("a", "c"), ("b", "d")}

    def test_chain_rejects_neighbouring_lists_of_unequal_length(self) -> None:
        """Given lists of two and one next to each other, when chained, then a ValueError gives both lengths
        and the fix."""
        with DAG("chain", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            with pytest.raises(ValueError) as caught:
                chain(a, [b, c], [d])
        assert str(caught.value) == (
            "chain() got lists of different lengths next to each other (2 and 1); pair them up one to one, "
            "or use cross_downstream() to connect every pair."
        )
        assert ("c", "d") not in edges(dag)

    def test_chain_accepts_a_task_group(self) -> None:
        """Given a task, a group and a task, when chained, then the group's root and leaf are wired."""
        with DAG("chain", schedule=None) as dag:
            start = EmptyOperator(task_id="start")
            with TaskGroup("group") as group:
                EmptyOperator(task_id="first") >> EmptyOperator(task_id="last")
            end = EmptyOperator(task_id="end")
            chain(start, group, end)
        assert edges(dag) == {("start", "group.first"), ("group.first", "group.last"), ("group.last", "end")}


class TestCrossDownstream:
    def test_every_upstream_feeds_every_downstream(self) -> None:
        """Given two lists of two, when cross_downstream, then all four pairs are wired."""
        with DAG("cross", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            cross_downstream([a, b], [c, d])
        assert edges(dag) == {("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")}

    def test_a_single_downstream_task_is_accepted(self) -> None:
        """Given two tasks and one, when cross_downstream([a, b], c), then both feed c."""
        with DAG("cross", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            cross_downstream([a, b], c)
        assert edges(dag) == {("a", "c"), ("b", "c")}


class TestChainLinear:
    def test_every_element_of_a_list_feeds_every_element_of_the_next(self) -> None:
        """Given [a, b], [c, d] and e, when chain_linear, then a and b feed c and d, which feed e."""
        with DAG("linear", schedule=None) as dag:
            a, b, c, d, e = empties("a", "b", "c", "d", "e")
            chain_linear([a, b], [c, d], e)
        assert edges(dag) == {("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")}

    def test_lists_of_unequal_length_are_fine(self) -> None:
        """Given lists of one and three, when chain_linear, then the one task feeds all three."""
        with DAG("linear", schedule=None) as dag:
            a, b, c, d = empties("a", "b", "c", "d")
            chain_linear([a], [b, c, d])
        assert edges(dag) == {("a", "b"), ("a", "c"), ("a", "d")}

    def test_one_element_is_not_enough(self) -> None:
        """Given a single task, when chain_linear(a), then a ValueError says two elements are needed."""
        with DAG("linear", schedule=None):
            (a,) = empties("a")
            with pytest.raises(ValueError) as caught:
                chain_linear(a)
        assert str(caught.value) == "chain_linear() needs at least two elements to connect."


class TestTaskGroupAsEndpoint:
    def test_children_get_the_group_id_as_prefix(self) -> None:
        """Given a TaskGroup 'group', when a task 'child' is made inside it, then its id is 'group.child' and
        its label 'child'."""
        with DAG("groups", schedule=None) as dag, TaskGroup("group"):
            child = EmptyOperator(task_id="child")
        assert child.task_id == "group.child"
        assert child.label == "child"
        assert dag.task_ids == ["group.child"]

    def test_start_group_end_wires_the_groups_roots_and_leaves(self) -> None:
        """Given a group with two roots joining into one leaf, when `start >> group >> end`, then start feeds
        both roots and only the leaf feeds end."""
        with DAG("groups", schedule=None) as dag:
            start = EmptyOperator(task_id="start")
            with TaskGroup("group") as group:
                left, right, join = empties("left", "right", "join")
                [left, right] >> join
            end = EmptyOperator(task_id="end")
            start >> group >> end
        assert edges(dag) == {
            ("start", "group.left"),
            ("start", "group.right"),
            ("group.left", "group.join"),
            ("group.right", "group.join"),
            ("group.join", "end"),
        }

    def test_nested_groups_prefix_with_every_parent(self) -> None:
        """Given a group inside a group, when a task is made in the inner one, then its id carries both ids."""
        with DAG("groups", schedule=None), TaskGroup("outer"), TaskGroup("inner") as inner:
            deep = EmptyOperator(task_id="deep")
        assert inner.group_id == "outer.inner"
        assert deep.task_id == "outer.inner.deep"

    def test_prefix_group_id_false_keeps_plain_ids(self) -> None:
        """Given a group with prefix_group_id=False, when a task is made inside, then its id has no prefix."""
        with DAG("groups", schedule=None), TaskGroup("quiet", prefix_group_id=False):
            plain = EmptyOperator(task_id="plain")
        assert plain.task_id == "plain"

    def test_a_groups_default_args_override_the_dags(self) -> None:
        """Given a DAG with retries=1 and a group with retries=4, when tasks are made in and out of the group,
        then each gets its nearest default."""
        with DAG("groups", schedule=None, default_args={"retries": 1}):
            outside = EmptyOperator(task_id="outside")
            with TaskGroup("group", default_args={"retries": 4}):
                inside = EmptyOperator(task_id="inside")
        assert (outside.retries, inside.retries) == (1, 4)


class TestLabel:
    def test_a_label_between_tasks_wires_them_and_names_the_edge(self) -> None:
        """Given two tasks, when `a >> Label("why") >> b`, then a feeds b and the edge carries the label."""
        with DAG("labels", schedule=None) as dag:
            a, b = empties("a", "b")
            result = a >> Label("why") >> b
        assert result is b
        assert edges(dag) == {("a", "b")}
        assert dag.edge_info == {"a": {"b": {"label": "why"}}}

    def test_a_label_before_a_list_names_each_edge(self) -> None:
        """Given a branch and two targets, when `a >> Label("no") >> [b, c]`, then both edges carry the label."""
        with DAG("labels", schedule=None) as dag:
            a, b, c = empties("a", "b", "c")
            a >> Label("no") >> [b, c]
        assert edges(dag) == {("a", "b"), ("a", "c")}
        assert dag.edge_info == {"a": {"b": {"label": "no"}, "c": {"label": "no"}}}
        assert (dag.get_edge_info("a", "c"), dag.get_edge_info("b", "c")) == ({"label": "no"}, {})

    def test_a_label_is_not_a_task(self) -> None:
        """Given a labelled edge, when the DAG is read, then only the two real tasks are in it."""
        with DAG("labels", schedule=None) as dag:
            a, b = empties("a", "b")
            a >> Label("why") >> b
        assert dag.task_ids == ["a", "b"]
