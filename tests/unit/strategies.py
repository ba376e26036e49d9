"""Hypothesis strategies and small builders shared by the unit tests.

* ``dag_shapes()``: random acyclic ``DagShape``s (a task's upstream tasks all have a lower index),
  each task with a random trigger rule (teardowns' ``all_done_setup_success`` excluded).
* ``outcomes_for(shape)``: what each task ends in *when it runs* (success, failed or skipped).
* ``dag_runs()``: a shape and its outcomes together.
* ``shape_from_edges()``: a hand-written shape from ``"a >> b"`` edges, for example-based tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from hypothesis import strategies as st

from headwater.model.states import TaskState
from headwater.model.trigger_rule import TriggerRule
from headwater.planning.shape import DagShape, TaskShape

RANDOM_RULES: tuple[TriggerRule, ...] = tuple(r for r in TriggerRule if r is not TriggerRule.ALL_DONE_SETUP_SUCCESS)
"""Rules a random task may carry; ``all_done_setup_success`` belongs to teardowns, which need setups."""

RUN_OUTCOMES: tuple[TaskState, ...] = (TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED)
"""What a task that runs can end in: it returns, raises, or raises a skip."""


@dataclass(frozen=True)
class DagRun:
    """A DAG's shape and the state each of its tasks ends in if it runs."""

    shape: DagShape
    outcomes: Mapping[str, TaskState]


def shape_from_edges(
    edges: Iterable[str],
    *,
    dag_id: str = "dag",
    tasks: Iterable[str] = (),
    rules: Mapping[str, TriggerRule] | None = None,
    teardowns: Iterable[str] = (),
    setups: Iterable[str] = (),
    fails_run: Iterable[str] = (),
    groups: Mapping[str, tuple[str, ...]] | None = None,
) -> DagShape:
    """A shape from edges written ``"a >> b >> c"``; ``tasks`` adds tasks without edges.

    Teardowns get ``all_done_setup_success`` unless ``rules`` says otherwise; ``fails_run`` lists
    teardowns built with ``on_failure_fail_dagrun=True``.
    """
    upstream: dict[str, set[str]] = {t: set() for t in tasks}
    downstream: dict[str, set[str]] = {t: set() for t in tasks}
    for chain in edges:
        ids = [part.strip() for part in chain.split(">>")]
        for tid in ids:
            upstream.setdefault(tid, set())
            downstream.setdefault(tid, set())
        for up, down in pairwise(ids):
            upstream[down].add(up)
            downstream[up].add(down)
    rules = rules or {}
    teardown_ids, setup_ids, fails_run_ids = set(teardowns), set(setups), set(fails_run)
    shapes = {
        tid: TaskShape(
            task_id=tid,
            upstream=tuple(sorted(upstream[tid])),
            downstream=tuple(sorted(downstream[tid])),
            rule=rules.get(tid, TriggerRule.ALL_DONE_SETUP_SUCCESS if tid in teardown_ids else TriggerRule.ALL_SUCCESS),
            is_setup=tid in setup_ids,
            is_teardown=tid in teardown_ids,
            fails_run=tid in fails_run_ids,
        )
        for tid in upstream
    }
    return DagShape(dag_id, shapes, dict(groups or {}))


@st.composite
def dag_shapes(draw: st.DrawFn, *, min_tasks: int = 1, max_tasks: int = 8, max_upstream: int = 3) -> DagShape:
    """A random acyclic shape: task ``t<i>`` takes upstream tasks only from ``t0`` .. ``t<i-1>``."""
    n = draw(st.integers(min_value=min_tasks, max_value=max_tasks))
    ids = [f"t{i}" for i in range(n)]
    upstream: dict[str, tuple[str, ...]] = {}
    for i, tid in enumerate(ids):
        chosen = draw(st.sets(st.sampled_from(ids[:i]), max_size=max_upstream)) if i else set()
        upstream[tid] = tuple(sorted(chosen))
    downstream: dict[str, list[str]] = {tid: [] for tid in ids}
    for tid, ups in upstream.items():
        for up in ups:
            downstream[up].append(tid)
    tasks = {
        tid: TaskShape(
            task_id=tid,
            upstream=upstream[tid],
            downstream=tuple(sorted(downstream[tid])),
            rule=draw(st.sampled_from(RANDOM_RULES)),
        )
        for tid in ids
    }
    return DagShape("random_dag", tasks)


def outcomes_for(shape: DagShape) -> st.SearchStrategy[dict[str, TaskState]]:
    """For each task of ``shape``, the state it ends in when it runs."""
    return st.fixed_dictionaries({tid: st.sampled_from(RUN_OUTCOMES) for tid in shape.tasks})


@st.composite
def dag_runs(draw: st.DrawFn, *, min_tasks: int = 1, max_tasks: int = 8) -> DagRun:
    """A random shape with a random outcome for every task."""
    shape = draw(dag_shapes(min_tasks=min_tasks, max_tasks=max_tasks))
    return DagRun(shape, draw(outcomes_for(shape)))
