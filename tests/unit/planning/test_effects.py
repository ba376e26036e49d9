"""Tests for headwater.planning.effects (mirrors src/headwater/planning/effects.py): which tasks a branch or a
short-circuit skips, and how a branch's return value is read and checked.
"""

from __future__ import annotations

import pytest
from strategies import shape_from_edges

from headwater.errors import TaskError, UnknownBranchTarget
from headwater.planning.effects import Skip, branch_skips, branch_targets, resolve_branch, short_circuit_skips
from headwater.planning.shape import DagShape


def _branch_shape() -> DagShape:
    """branch >> a, b, c; a >> join; branch >> join; b >> after_b."""
    return shape_from_edges(
        ["branch >> a >> join", "branch >> b >> after_b", "branch >> c", "branch >> join"], dag_id="branchy"
    )


class TestBranchTargets:
    @pytest.mark.parametrize(("returned", "expected"), [(None, []), ([], []), ((), [])])
    def test_none_and_empty_give_no_targets(self, returned: object, expected: list[str]) -> None:
        """A branch returning None or an empty list follows no task."""
        assert branch_targets(returned, dag_id="d", task_id="branch") == expected

    def test_a_single_id_becomes_a_list(self) -> None:
        """A branch returning one id follows that id."""
        assert branch_targets("a", dag_id="d", task_id="branch") == ["a"]

    def test_a_tuple_or_set_of_ids_becomes_a_list(self) -> None:
        """A branch returning several ids in any iterable follows each of them."""
        assert branch_targets(("a", "b"), dag_id="d", task_id="branch") == ["a", "b"]
        assert branch_targets({"a"}, dag_id="d", task_id="branch") == ["a"]

    def test_a_non_string_id_is_refused_with_its_type(self) -> None:
        """A list holding a non-string is a TypeError naming the DAG, the task, each bad value and its type."""
        with pytest.raises(TypeError) as caught:
            branch_targets(["a", 1, None], dag_id="d", task_id="branch")
        assert str(caught.value) == (
            "DAG 'd', task 'branch': a branch must return task ids as strings; got 1 (int), None (NoneType)."
        )

    def test_a_value_that_is_no_id_or_list_is_refused(self) -> None:
        """A return value that is neither None, a string nor an iterable is a TypeError naming the value."""
        with pytest.raises(TypeError) as caught:
            branch_targets(42, dag_id="d", task_id="branch")
        assert str(caught.value) == (
            "DAG 'd', task 'branch': a branch must return None, a task id or a list of task ids; got 42 (int)."
        )


class TestResolveBranch:
    def test_an_unknown_id_fails_the_branch_with_a_suggestion(self) -> None:
        """An id that is no task of the DAG raises UnknownBranchTarget naming DAG, task, the id, the closest
        downstream id and every downstream id."""
        shape = shape_from_edges(["pick_source >> fetch_sales", "pick_source >> fetch_weather"], dag_id="sales_daily")
        with pytest.raises(UnknownBranchTarget) as caught:
            resolve_branch(shape, "pick_source", ["fetch_sale"])
        err = caught.value
        assert str(err) == (
            "DAG 'sales_daily', task 'pick_source': the branch returned 'fetch_sale', which is no task in this DAG. "
            "Did you mean 'fetch_sales'? Downstream ids: 'fetch_sales', 'fetch_weather'."
        )
        assert (err.dag_id, err.task_id, err.returned, err.choices) == (
            "sales_daily",
            "pick_source",
            ["fetch_sale"],
            ["fetch_sales", "fetch_weather"],
        )
        assert isinstance(err, ValueError)
        assert isinstance(err, TaskError)

    def test_an_unknown_id_with_no_close_match_gets_no_suggestion(self) -> None:
        """With no close match the message lists only the unknown ids and the downstream ids."""
        shape = shape_from_edges(["pick >> left", "pick >> right"], dag_id="d")
        with pytest.raises(UnknownBranchTarget) as caught:
            resolve_branch(shape, "pick", ["left", "zzz", "qqq"])
        assert str(caught.value) == (
            "DAG 'd', task 'pick': the branch returned 'zzz', 'qqq', which is no task in this DAG. "
            "Downstream ids: 'left', 'right'."
        )

    def test_known_ids_are_returned_in_order(self) -> None:
        """Ids of tasks in the DAG are followed as given, even a task that is not directly downstream."""
        shape = _branch_shape()
        assert resolve_branch(shape, "branch", ["c", "a", "after_b"]) == ["c", "a", "after_b"]

    def test_a_group_id_expands_to_the_groups_roots(self) -> None:
        """A branch naming a task group follows the group's root tasks."""
        shape = shape_from_edges(
            ["branch >> grp.first >> grp.second", "branch >> grp.other", "branch >> c"],
            groups={"grp": ("grp.first", "grp.other")},
        )
        assert resolve_branch(shape, "branch", ["grp", "c"]) == ["grp.first", "grp.other", "c"]


class TestBranchSkips:
    def test_direct_downstream_tasks_not_followed_are_skipped(self) -> None:
        """Following a skips b and c, the other direct downstream tasks, with the branch's reason."""
        why = "branch 'branch' followed ['a']"
        assert branch_skips(_branch_shape(), "branch", ["a"]) == [Skip("b", why, "branch"), Skip("c", why, "branch")]

    def test_a_task_below_a_followed_and_an_unfollowed_path_is_not_skipped(self) -> None:
        """join is directly downstream of the branch but also below the followed a, so the branch leaves it alone."""
        skipped = [s.task_id for s in branch_skips(_branch_shape(), "branch", ["a"])]
        assert "join" not in skipped

    def test_a_task_reached_transitively_from_a_followed_task_is_not_skipped(self) -> None:
        """A direct downstream task several steps below a followed task is kept too."""
        shape = shape_from_edges(["branch >> a >> x >> y >> join", "branch >> join", "branch >> b"])
        assert [s.task_id for s in branch_skips(shape, "branch", ["a"])] == ["b"]

    def test_tasks_further_down_an_unfollowed_path_are_left_to_their_trigger_rules(self) -> None:
        """Only direct downstream tasks are skipped by the branch: after_b, below the unfollowed b, is not."""
        skipped = [s.task_id for s in branch_skips(_branch_shape(), "branch", ["a"])]
        assert "after_b" not in skipped

    @pytest.mark.parametrize("returned", [None, []])
    def test_none_or_an_empty_list_skips_every_direct_downstream_task(self, returned: object) -> None:
        """A branch returning None or [] skips every direct downstream task, and only those."""
        targets = branch_targets(returned, dag_id="branchy", task_id="branch")
        why = "branch 'branch' followed []"
        assert branch_skips(_branch_shape(), "branch", targets) == [
            Skip("a", why, "branch"),
            Skip("b", why, "branch"),
            Skip("c", why, "branch"),
            Skip("join", why, "branch"),
        ]

    def test_following_several_paths_skips_only_the_rest(self) -> None:
        """A list follows several paths; the reason lists them sorted."""
        why = "branch 'branch' followed ['a', 'c']"
        assert branch_skips(_branch_shape(), "branch", ["c", "a"]) == [Skip("b", why, "branch")]

    def test_following_every_path_skips_nothing(self) -> None:
        """A branch that follows all its direct downstream tasks skips none."""
        assert branch_skips(_branch_shape(), "branch", ["a", "b", "c", "join"]) == []


def _short_circuit_shape() -> DagShape:
    """sc >> a >> b >> c; sc >> cleanup (a teardown); a >> td_a (a teardown)."""
    return shape_from_edges(
        ["sc >> a >> b >> c", "sc >> cleanup", "a >> td_a"],
        dag_id="sc_dag",
        teardowns=["cleanup", "td_a"],
    )


class TestShortCircuitSkips:
    def test_by_default_every_descendant_is_skipped_except_teardowns(self) -> None:
        """With ignore_downstream_trigger_rules=True every task below, transitively, is skipped; teardowns are not."""
        why = "short-circuit 'sc' returned a falsy value (ignore_downstream_trigger_rules=True)"
        assert short_circuit_skips(_short_circuit_shape(), "sc", ignore_downstream_trigger_rules=True) == [
            Skip("a", why, "sc", "short_circuit"),
            Skip("b", why, "sc", "short_circuit"),
            Skip("c", why, "sc", "short_circuit"),
        ]

    def test_without_ignoring_trigger_rules_only_direct_downstream_tasks_are_skipped(self) -> None:
        """With ignore_downstream_trigger_rules=False only the direct downstream tasks are skipped, teardowns kept."""
        why = "short-circuit 'sc' returned a falsy value (direct downstream only)"
        assert short_circuit_skips(_short_circuit_shape(), "sc", ignore_downstream_trigger_rules=False) == [
            Skip("a", why, "sc", "short_circuit")
        ]

    def test_a_short_circuit_with_no_downstream_skips_nothing(self) -> None:
        """A short-circuit at the end of the DAG skips nothing either way."""
        shape = shape_from_edges(["x >> sc"])
        assert short_circuit_skips(shape, "sc", ignore_downstream_trigger_rules=True) == []
        assert short_circuit_skips(shape, "sc", ignore_downstream_trigger_rules=False) == []


class TestSkippedInstances:
    def test_a_skip_overwrites_every_state_but_running(self) -> None:
        """Like Airflow, a skip reaches each instance of the target, even one that already finished, but not one
        that is running."""
        from headwater.model.states import TaskState
        from headwater.planning import RunSnapshot, Skip, skipped_instances

        snapshot = RunSnapshot(
            {
                ("m", 0): None,
                ("m", 1): TaskState.RUNNING,
                ("m", 2): TaskState.UPSTREAM_FAILED,
                ("done", -1): TaskState.SUCCESS,
            }
        )
        found = skipped_instances(snapshot, [Skip("m", "why"), Skip("done", "why")])
        by = {"kind": "branch", "by": ""}
        assert found == [(("m", 0), "why", by), (("m", 2), "why", by), (("done", -1), "why", by)]

    def test_a_mapped_instance_skips_only_its_own_map_index(self) -> None:
        """A mapped branch instance skips only downstream instances with its map index (none for unmapped)."""
        from headwater.planning import RunSnapshot, Skip, skipped_instances

        snapshot = RunSnapshot({("after", -1): None, ("m", 0): None, ("m", 1): None})
        found = skipped_instances(snapshot, [Skip("after", "why"), Skip("m", "why")], map_index=1)
        assert found == [(("m", 1), "why", {"kind": "branch", "by": ""})]
