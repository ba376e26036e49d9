"""Tests for headwater.planning.passes (mirrors src/headwater/planning/passes.py).

``drive_to_completion`` plays the scheduler with ``RunSnapshot`` and ``plan_pass`` alone: each pass
is planned against the states at its start; its decisions are applied only after it (a task told
to run ends in the outcome the test gave it; skipped and upstream_failed are set as decided), and
passes repeat until one decides nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import DagRun, dag_runs, dag_shapes, shape_from_edges

from headwater.model.states import TERMINAL_STATES, DagRunState, TaskState
from headwater.model.trigger_rule import TriggerRule
from headwater.planning.outcomes import run_outcome
from headwater.planning.passes import Decision, RunSnapshot, plan_pass, verdict_for
from headwater.planning.shape import DagShape, TIKey
from headwater.planning.trigger_rules import Action

SUCCESS, FAILED, SKIPPED, UPSTREAM_FAILED = (
    TaskState.SUCCESS,
    TaskState.FAILED,
    TaskState.SKIPPED,
    TaskState.UPSTREAM_FAILED,
)
EARLY_RULES = frozenset({TriggerRule.ONE_SUCCESS, TriggerRule.ONE_FAILED, TriggerRule.ONE_DONE, TriggerRule.ALWAYS})
"""Rules that may start a task before every upstream task has finished."""


@dataclass
class Trace:
    """What a driven run did: the final states, every decision, and the states each pass started from."""

    states: dict[TIKey, TaskState | None]
    decisions: list[Decision] = field(default_factory=list)
    pass_starts: dict[int, dict[TIKey, TaskState | None]] = field(default_factory=dict)

    def state(self, task_id: str) -> TaskState | None:
        return self.states[(task_id, -1)]

    def ran(self) -> list[Decision]:
        return [d for d in self.decisions if d.action is Action.RUN]


def drive_to_completion(shape: DagShape, outcomes: Mapping[str, TaskState], *, max_passes: int = 100) -> Trace:
    """Apply passes until one changes nothing; a task told to run ends in ``outcomes[task_id]``."""
    snapshot = RunSnapshot({(tid, -1): None for tid in shape.tasks})
    trace = Trace(snapshot.states)
    for number in range(1, max_passes + 1):
        trace.pass_starts[number] = dict(snapshot.states)
        plan = plan_pass(shape, snapshot, list(snapshot.states), number=number)
        trace.decisions.extend(plan.decisions)
        if not plan.to_run and not plan.changes:
            trace.states = dict(snapshot.states)
            return trace
        for decision in plan.to_run:
            snapshot.set(decision.key, outcomes[decision.key[0]])
        for decision in plan.changes:
            snapshot.set(decision.key, TaskState(decision.action.value))
    raise AssertionError(f"the run did not settle in {max_passes} passes")


class TestPlanPass:
    @settings(deadline=None)
    @given(run=dag_runs())
    def test_a_finished_run_has_no_task_left_unfinished(self, run: DagRun) -> None:
        """Applying passes until none changes anything leaves every task in a terminal state."""
        trace = drive_to_completion(run.shape, run.outcomes)
        assert set(trace.states.values()) <= TERMINAL_STATES

    @settings(deadline=None)
    @given(run=dag_runs())
    def test_a_run_settles_within_one_pass_per_task(self, run: DagRun) -> None:
        """Every pass but the last ends at least one task, so a run needs at most one pass per task, plus one."""
        trace = drive_to_completion(run.shape, run.outcomes)
        assert len(trace.pass_starts) <= len(run.shape.tasks) + 1

    @settings(deadline=None)
    @given(run=dag_runs())
    def test_each_task_is_decided_once_and_a_task_that_ran_ends_in_its_outcome(self, run: DagRun) -> None:
        """A task is run, skipped or failed in exactly one pass; one that ran ends in the state it ran to."""
        trace = drive_to_completion(run.shape, run.outcomes)
        final = [d for d in trace.decisions if d.action is not Action.WAIT]
        assert sorted(d.key for d in final) == sorted(trace.states)
        for decision in final:
            ran = decision.action is Action.RUN
            expected = run.outcomes[decision.key[0]] if ran else TaskState(decision.action.value)
            assert trace.states[decision.key] == expected

    @settings(deadline=None)
    @given(run=dag_runs())
    def test_no_task_runs_before_its_upstreams_are_done_unless_its_rule_allows(self, run: DagRun) -> None:
        """Only one_success, one_failed, one_done and always start before every upstream finished; the rest see
        every upstream in a terminal state at the start of the pass that runs them."""
        trace = drive_to_completion(run.shape, run.outcomes)
        for decision in trace.ran():
            task = run.shape.tasks[decision.key[0]]
            if task.rule in EARLY_RULES:
                continue
            start = trace.pass_starts[decision.pass_number]
            assert all(start[(up, -1)] in TERMINAL_STATES for up in task.upstream), (task, start)

    @settings(deadline=None)
    @given(run=dag_runs())
    def test_an_early_rule_runs_only_once_its_condition_is_visible(self, run: DagRun) -> None:
        """one_success starts only after a visible success, one_failed after a visible failure, one_done after
        either."""
        wanted = {
            TriggerRule.ONE_SUCCESS: {SUCCESS},
            TriggerRule.ONE_FAILED: {FAILED, UPSTREAM_FAILED},
            TriggerRule.ONE_DONE: {SUCCESS, FAILED},
        }
        trace = drive_to_completion(run.shape, run.outcomes)
        for decision in trace.ran():
            task = run.shape.tasks[decision.key[0]]
            if task.rule in wanted and task.upstream:
                start = trace.pass_starts[decision.pass_number]
                assert any(start[(up, -1)] in wanted[task.rule] for up in task.upstream), (task, start)

    def test_states_decided_in_a_pass_are_not_seen_by_that_pass(self) -> None:
        """A task skipped in a pass still counts as unfinished for its downstream tasks in that same pass."""
        shape = shape_from_edges(["a >> b >> c"])
        snapshot = RunSnapshot({("a", -1): SKIPPED, ("b", -1): None, ("c", -1): None})
        plan = plan_pass(shape, snapshot, [("b", -1), ("c", -1)], number=2)
        assert [(d.key, d.action) for d in plan.decisions] == [(("b", -1), Action.SKIP), (("c", -1), Action.WAIT)]
        assert snapshot.states[("b", -1)] is None

    def test_only_schedulable_instances_are_planned(self) -> None:
        """plan_pass leaves out candidates that are running, finished or unknown to the snapshot."""
        shape = shape_from_edges([], tasks=["a", "b", "c", "d"])
        snapshot = RunSnapshot(
            {("a", -1): None, ("b", -1): TaskState.RUNNING, ("c", -1): SUCCESS, ("d", -1): TaskState.UP_FOR_RETRY}
        )
        plan = plan_pass(shape, snapshot, [("a", -1), ("b", -1), ("c", -1), ("d", -1), ("zz", -1)], number=1)
        assert [d.key for d in plan.decisions] == [("a", -1), ("d", -1)]
        assert all(d.pass_number == 1 for d in plan.decisions)


class TestPassVisibility:
    def test_an_all_success_join_over_a_skip_and_a_late_upstream_failed_ends_skipped(self) -> None:
        """join_ku: the skipped upstream is visible one pass before the other becomes upstream_failed, so the
        all_success join is skipped, not upstream_failed."""
        shape = shape_from_edges(["bad1 >> uf1 >> join_ku", "skip1 >> join_ku"])
        trace = drive_to_completion(shape, {"bad1": FAILED, "uf1": SUCCESS, "skip1": SKIPPED, "join_ku": SUCCESS})
        assert trace.state("uf1") is UPSTREAM_FAILED
        assert trace.state("join_ku") is SKIPPED
        join = next(d for d in trace.decisions if d.key == ("join_ku", -1) and d.action is not Action.WAIT)
        assert (join.pass_number, join.reason) == (2, "all_success: 1/2 upstream skipped")

    def test_with_both_upstreams_visible_the_same_join_would_be_upstream_failed(self) -> None:
        """Against a snapshot where both upstreams are finished, the same join is upstream_failed."""
        shape = shape_from_edges(["bad1 >> uf1 >> join_ku", "skip1 >> join_ku"])
        snapshot = RunSnapshot(
            {("bad1", -1): FAILED, ("uf1", -1): UPSTREAM_FAILED, ("skip1", -1): SKIPPED, ("join_ku", -1): None}
        )
        verdict, counts = verdict_for(shape, snapshot, ("join_ku", -1))
        assert verdict.action is Action.UPSTREAM_FAILED
        assert counts is not None and (counts.skipped, counts.upstream_failed) == (1, 1)


# The tr_* conformance scenarios, rebuilt as shapes: ok* succeed, bad* fail, skip* skip themselves,
# uf* sit below bad* with all_success, and join_<mix> has exactly that upstream mix.
_MIXES = {
    "ss": ["ok1", "ok2"],
    "sf": ["ok1", "bad1"],
    "sk": ["ok1", "skip1"],
    "su": ["ok1", "uf1"],
    "ff": ["bad1", "bad2"],
    "kk": ["skip1", "skip2"],
    "fk": ["bad1", "skip1"],
    "uu": ["uf1", "uf2"],
    "ku": ["skip1", "uf1"],
    "sfk": ["ok1", "bad1", "skip1"],
}
_OUTCOMES = {"ok1": SUCCESS, "ok2": SUCCESS, "bad1": FAILED, "bad2": FAILED, "skip1": SKIPPED, "skip2": SKIPPED}
# The conformance README's matrix: final state of join_<mix>, and the run's state.
_MATRIX = {
    #                                   ss sf sk su ff kk fk uu ku sfk  run
    TriggerRule.ALL_SUCCESS:          ("S  U  K  U  U  K  U  U  K  U", "failed"),
    TriggerRule.ALL_FAILED:           ("K  K  K  K  S  K  K  S  K  K", "success"),
    TriggerRule.ALL_DONE:             ("S  S  S  S  S  S  S  S  S  S", "success"),
    TriggerRule.ALL_SKIPPED:          ("K  K  K  K  K  S  K  K  K  K", "success"),
    TriggerRule.ONE_SUCCESS:          ("S  S  S  S  U  K  U  U  U  S", "failed"),
    TriggerRule.ONE_FAILED:           ("K  S  K  S  S  K  S  S  S  S", "success"),
    TriggerRule.NONE_FAILED:          ("S  U  S  U  U  S  U  U  U  U", "failed"),
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS: ("S  U  S  U  U  K  U  U  U  U", "failed"),
    TriggerRule.ALWAYS:               ("S  S  S  S  S  S  S  S  S  S", "success"),
}  # fmt: skip
_CELL = {"S": SUCCESS, "K": SKIPPED, "U": UPSTREAM_FAILED}


def _matrix_shape(rule: TriggerRule) -> DagShape:
    edges = ["bad1 >> uf1", "bad2 >> uf2"]
    edges += [f"{up} >> join_{mix}" for mix, ups in _MIXES.items() for up in ups]
    return shape_from_edges(edges, dag_id=f"tr_{rule.value}", rules={f"join_{mix}": rule for mix in _MIXES})


class TestConformanceMatrix:
    @pytest.mark.parametrize("rule", list(_MATRIX), ids=str)
    def test_passes_reproduce_the_trigger_rule_matrix(self, rule: TriggerRule) -> None:
        """Driving the tr_<rule> scenario's shape through passes gives Airflow's recorded join states and run state."""
        shape = _matrix_shape(rule)
        outcomes = {**_OUTCOMES, "uf1": SUCCESS, "uf2": SUCCESS, **{f"join_{m}": SUCCESS for m in _MIXES}}
        trace = drive_to_completion(shape, outcomes)
        row, run_state = _MATRIX[rule]
        expected = {f"join_{mix}": _CELL[cell] for mix, cell in zip(_MIXES, row.split(), strict=True)}
        assert {f"join_{mix}": trace.state(f"join_{mix}") for mix in _MIXES} == expected
        assert run_outcome(shape, trace.states)[0] is DagRunState(run_state)


class TestCountsKeptUpToDate:
    """The snapshot keeps each task's direct-upstream counts as states change; they must always equal
    a count from scratch, whatever happened before (so a wide join costs the same as a narrow one)."""

    @given(
        shape=dag_shapes(min_tasks=2, max_tasks=7),
        changes=st.lists(
            st.tuples(st.integers(0, 6), st.sampled_from([None, *TaskState]), st.integers(0, 3)), max_size=40
        ),
    )
    def test_kept_counts_equal_counts_from_scratch(
        self, shape: DagShape, changes: list[tuple[int, TaskState | None, int]]
    ) -> None:
        snapshot = RunSnapshot({(tid, -1): None for tid in shape.tasks})
        ids = sorted(shape.tasks)
        for step, (which, state, expand_to) in enumerate(changes):
            task_id = ids[which % len(ids)]
            if step % 5 == 4:  # now and then a task expands into several instances
                snapshot.replace_instances(task_id, [(task_id, i) for i in range(expand_to)], state)
            else:
                for key in snapshot.instances(task_id):
                    snapshot.set(key, state)
            for tid, task in shape.tasks.items():
                kept = snapshot.counts(shape, task.upstream, key=(tid, -1))
                fresh = snapshot.counts(shape, list(task.upstream), key=(tid, -1))
                assert kept == fresh
