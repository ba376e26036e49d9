"""One scheduling pass: given the states at its start, decide what runs and what is skipped or failed.

A decision made in a pass is visible to other tasks only in the next pass, as in Airflow; this is
what makes ``join_ku`` under ``all_success`` end *skipped* (its skipped upstream is seen one pass
before the other upstream becomes upstream_failed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from headwater.model.states import SCHEDULABLE_STATES, TaskState
from headwater.model.trigger_rule import TriggerRule
from headwater.planning.counts import UpstreamCounts, count_states, count_tally
from headwater.planning.shape import DagShape, TIKey
from headwater.planning.trigger_rules import RUN, Action, Verdict, evaluate, setup_constraint


@dataclass(frozen=True)
class Decision:
    """What a pass decided for one task instance, and why."""

    key: TIKey
    action: Action
    reason: str
    pass_number: int
    counts: UpstreamCounts | None = None
    explained: dict[str, Any] | None = None
    """For a task ended without running: the rule, the upstream states at the start of this pass and
    those that fired the rule (what ``tasks why`` shows, as decided here)."""


@dataclass
class PassPlan:
    number: int
    decisions: list[Decision] = field(default_factory=list)

    @property
    def to_run(self) -> list[Decision]:
        return [d for d in self.decisions if d.action is Action.RUN]

    @property
    def changes(self) -> list[Decision]:
        """Decisions that set a terminal state without running (skipped, upstream_failed)."""
        return [d for d in self.decisions if d.action in (Action.SKIP, Action.UPSTREAM_FAILED)]


class RunSnapshot:
    """The states of one run's task instances, indexed for counting upstreams.

    The counts over a task's direct upstream are kept up to date as states change, so evaluating a task
    that joins a thousand upstream tasks costs the same as one that has one.
    """

    def __init__(self, states: Mapping[TIKey, TaskState | None], absent: Iterable[str] = ()) -> None:
        self.states: dict[TIKey, TaskState | None] = dict(states)
        self.absent = frozenset(absent)
        """Tasks with no instance in this run (their start/end dates exclude it): each counts as an
        upstream that never finishes, as in Airflow, where a downstream task then waits for ever."""
        self.indexes: dict[str, list[int]] = {}
        for task_id, map_index in self.states:
            self.indexes.setdefault(task_id, []).append(map_index)
        self._tallies: dict[str, dict[tuple[TaskState | None, bool], int]] = {}
        """Per task: how many instances of its direct upstream tasks are in each (state, is_setup)."""
        self._feeds: dict[str, list[tuple[str, bool]]] = {}
        """Per task: the tallies its instances count in, with whether it is a setup task."""

    def set(self, key: TIKey, state: TaskState | None) -> None:
        known = key in self.states
        if not known:
            self.indexes.setdefault(key[0], []).append(key[1])
        else:
            self._count(key[0], self.states[key], -1)
        self.states[key] = state
        self._count(key[0], state, +1)

    def _count(self, task_id: str, state: TaskState | None, delta: int) -> None:
        for consumer, is_setup in self._feeds.get(task_id, ()):
            tally = self._tallies[consumer]
            tally[(state, is_setup)] = tally.get((state, is_setup), 0) + delta

    def replace_instances(self, task_id: str, keys: Iterable[TIKey], state: TaskState | None) -> None:
        """Swap a mapped task's placeholder instance for its expanded ones."""
        for index in self.indexes.pop(task_id, []):
            self._count(task_id, self.states.pop((task_id, index)), -1)
        for key in keys:
            self.set(key, state)

    def instances(self, task_id: str) -> list[TIKey]:
        return [(task_id, i) for i in sorted(self.indexes.get(task_id, []))]

    def counts(self, shape: DagShape, upstream: Iterable[str], *, key: TIKey | None = None) -> UpstreamCounts:
        """Counts over every instance of each upstream task; an expanded instance in a mapped task group
        sees only the same map index of upstream tasks in its group (once they are expanded)."""
        group = shape.tasks[key[0]].mapped_group if key is not None and key[1] >= 0 else None
        if key is not None and group is None and upstream is shape.tasks[key[0]].upstream:
            return self._direct_counts(shape, key[0])
        pairs: list[tuple[TaskState | None, bool]] = []
        for up in upstream:
            is_setup = shape.tasks[up].is_setup
            indexes = self.indexes.get(up, ())
            if group is not None and shape.tasks[up].mapped_group == group and key is not None and key[1] in indexes:
                indexes = [key[1]]
            for index in indexes:
                pairs.append((self.states[(up, index)], is_setup))
            if up in self.absent:
                pairs.append((None, is_setup))
        return count_states(pairs)

    def upstream_states(
        self, shape: DagShape, key: TIKey, upstream: Iterable[str] | None = None
    ) -> dict[str, str | None]:
        """The state of each upstream instance a rule looks at for ``key`` (its direct upstream unless
        ``upstream`` names others), labelled ``task`` or ``task[i]``: the instances ``counts`` counts."""
        group = shape.tasks[key[0]].mapped_group if key[1] >= 0 else None
        found: dict[str, str | None] = {}
        for up in shape.tasks[key[0]].upstream if upstream is None else upstream:
            indexes = self.indexes.get(up, ())
            if group is not None and shape.tasks[up].mapped_group == group and key[1] in indexes:
                indexes = [key[1]]
            for index in sorted(indexes):
                state = self.states[(up, index)]
                found[up if index < 0 else f"{up}[{index}]"] = state.value if state is not None else None
            if up in self.absent:
                found[up] = None
        return found

    def _direct_counts(self, shape: DagShape, task_id: str) -> UpstreamCounts:
        tally = self._tallies.get(task_id)
        if tally is None:
            tally = self._tallies[task_id] = {}
            for up in shape.tasks[task_id].upstream:
                is_setup = shape.tasks[up].is_setup
                self._feeds.setdefault(up, []).append((task_id, is_setup))
                for index in self.indexes.get(up, ()):
                    pair = (self.states[(up, index)], is_setup)
                    tally[pair] = tally.get(pair, 0) + 1
                if up in self.absent:
                    tally[(None, is_setup)] = tally.get((None, is_setup), 0) + 1
        return count_tally(tally)


def verdict_for(shape: DagShape, snapshot: RunSnapshot, key: TIKey) -> tuple[Verdict, UpstreamCounts | None]:
    """The verdict for one task instance against a snapshot; the same function explains a waiting task."""
    task = shape.tasks[key[0]]
    if not task.upstream:
        return Verdict(RUN, "no upstream tasks"), None
    if task.rule is TriggerRule.ALWAYS:
        return Verdict(RUN, "always: runs whatever the upstream states"), None
    if task.indirect_setups:
        setup_counts = snapshot.counts(shape, task.indirect_setups, key=key)
        setup_verdict = setup_constraint(setup_counts)
        if setup_verdict.action is not RUN:
            return setup_verdict, setup_counts
    counts = snapshot.counts(shape, task.upstream, key=key)
    return evaluate(task.rule, counts), counts


def plan_pass(shape: DagShape, snapshot: RunSnapshot, candidates: Iterable[TIKey], *, number: int) -> PassPlan:
    """Decide, for each candidate instance in a schedulable state, whether it runs, waits or ends."""
    plan = PassPlan(number)
    for key in candidates:
        if snapshot.states.get(key, TaskState.REMOVED) not in SCHEDULABLE_STATES:
            continue
        verdict, counts = verdict_for(shape, snapshot, key)
        explained = None
        if verdict.action in (Action.SKIP, Action.UPSTREAM_FAILED):
            explained = _explain(shape, snapshot, key, verdict)
            explained["pass"] = number
        plan.decisions.append(Decision(key, verdict.action, verdict.reason, number, counts, explained))
    return plan


_FAILED = (TaskState.FAILED.value, TaskState.UPSTREAM_FAILED.value)
_SKIPPED, _SUCCESS = TaskState.SKIPPED.value, TaskState.SUCCESS.value

_SKIPPED_BY: dict[TriggerRule, Callable[[str | None], bool]] = {
    TriggerRule.ALL_FAILED: lambda s: s is not None and s not in _FAILED,  # something did not fail
    TriggerRule.ONE_FAILED: lambda s: s is not None and s not in _FAILED,
    TriggerRule.ALL_SKIPPED: lambda s: s is not None and s != _SKIPPED,  # something did not skip
}
"""Rules whose skip is caused by upstream tasks that did *not* skip; every other rule is skipped by
the upstream tasks that did."""


def _explain(shape: DagShape, snapshot: RunSnapshot, key: TIKey, verdict: Verdict) -> dict[str, Any]:
    """What a pass records with a task it ends without running: the rule (or the setup constraint that
    decided instead), the states of the upstream instances it looked at, and which of them fired it."""
    task = shape.tasks[key[0]]
    if task.indirect_setups and verdict.reason.startswith("setup:"):
        upstream = snapshot.upstream_states(shape, key, task.indirect_setups)
        return explain_rule("setup", verdict.action, upstream)
    upstream = snapshot.upstream_states(shape, key)
    eligible = None
    if task.rule is TriggerRule.ALL_DONE_SETUP_SUCCESS:  # a teardown's rule looks at its setups only
        eligible = {label for label in upstream if shape.tasks[label.partition("[")[0]].is_setup}
    return explain_rule(task.rule.value, verdict.action, upstream, eligible, _SKIPPED_BY.get(task.rule))


def explain_rule(
    rule: str,
    action: Action,
    upstream: dict[str, str | None],
    eligible: set[str] | None = None,
    skipped_by: Callable[[str | None], bool] | None = None,
) -> dict[str, Any]:
    """The record of a rule's decision: the upstream states it saw and which of them fired it (the
    failures for upstream_failed; for a skip, the skipped ones, or what ``skipped_by`` says for rules
    that skip when upstream tasks did *not* skip or fail)."""
    candidates = {t: s for t, s in upstream.items() if eligible is None or t in eligible}
    if action is Action.UPSTREAM_FAILED:
        fired = [t for t, s in candidates.items() if s in _FAILED]
    elif skipped_by is not None:
        fired = [t for t, s in candidates.items() if skipped_by(s)]
    else:
        fired = [t for t, s in candidates.items() if s == _SKIPPED]
        fired = fired or [t for t, s in candidates.items() if s == _SUCCESS]
    return {"kind": "rule", "rule": rule, "action": action.value, "upstream": upstream, "fired_by": fired}
