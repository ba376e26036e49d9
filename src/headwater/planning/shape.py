"""A DAG reduced to plain data: what planning needs to know about its tasks and edges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from headwater.model.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from headwater.model.dag import DAG

TIKey = tuple[str, int]
"""A task instance within a run: ``(task_id, map_index)``; ``-1`` when not mapped."""


@dataclass(frozen=True)
class TaskShape:
    task_id: str
    upstream: tuple[str, ...]
    downstream: tuple[str, ...]
    rule: TriggerRule = TriggerRule.ALL_SUCCESS
    is_setup: bool = False
    is_teardown: bool = False
    is_mapped: bool = False
    mapped_group: str | None = None
    """The mapped task group the task is in: its instances see only their own index of group siblings."""
    fails_run: bool = False
    """A teardown with ``on_failure_fail_dagrun=True`` counts as a leaf for the run's state."""
    indirect_setups: tuple[str, ...] = ()
    """Setups upstream (not direct) whose teardown is downstream of this task, or that have none."""


@dataclass
class DagShape:
    dag_id: str
    tasks: Mapping[str, TaskShape]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Group id -> ids of the group's root tasks (a branch may name a group)."""
    _reach: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _dependents: dict[str, tuple[str, ...]] | None = field(default=None, repr=False)

    def descendants(self, task_id: str) -> frozenset[str]:
        """Every task downstream of ``task_id``, transitively."""
        cached = self._reach.get(task_id)
        if cached is None:
            cached = self._reach[task_id] = self._closure(task_id, upstream=False)
        return cached

    def ancestors(self, task_id: str) -> frozenset[str]:
        """Every task upstream of ``task_id``, transitively."""
        return self._closure(task_id, upstream=True)

    def _closure(self, task_id: str, *, upstream: bool) -> frozenset[str]:
        seen: set[str] = set()
        stack = list(self.tasks[task_id].upstream if upstream else self.tasks[task_id].downstream)
        while stack:
            tid = stack.pop()
            if tid not in seen:
                seen.add(tid)
                stack.extend(self.tasks[tid].upstream if upstream else self.tasks[tid].downstream)
        return frozenset(seen)

    def dependents(self, task_id: str) -> tuple[str, ...]:
        """Tasks whose verdict may change when ``task_id`` changes state."""
        if self._dependents is None:
            deps: dict[str, list[str]] = {tid: list(t.downstream) for tid, t in self.tasks.items()}
            for tid, t in self.tasks.items():
                for setup in t.indirect_setups:
                    deps[setup].append(tid)
            self._dependents = {tid: tuple(v) for tid, v in deps.items()}
        return self._dependents[task_id]

    def run_state_leaves(self) -> tuple[str, ...]:
        """Leaves that decide the run's state: teardowns do not count unless they fail the run."""

        def ignorable(t: TaskShape) -> bool:
            return t.is_teardown and not t.fails_run

        def effective_leaf(t: TaskShape) -> bool:
            if any(not ignorable(self.tasks[d]) for d in t.downstream):
                return False
            return not ignorable(t)

        leaves = tuple(tid for tid, t in self.tasks.items() if effective_leaf(t))
        return leaves or tuple(tid for tid, t in self.tasks.items() if not t.downstream)


def shape_of(dag: DAG) -> DagShape:
    """Read the plain shape off a DAG built by the model layer."""
    tasks: dict[str, TaskShape] = {}
    for tid, task in dag.task_dict.items():
        tasks[tid] = TaskShape(
            task_id=tid,
            upstream=tuple(sorted(task.upstream_task_ids)),
            downstream=tuple(sorted(task.downstream_task_ids)),
            rule=task.trigger_rule,
            is_setup=task.is_setup,
            is_teardown=task.is_teardown,
            is_mapped=task.is_mapped,
            fails_run=task.on_failure_fail_dagrun,
            mapped_group=group.group_id if (group := task.mapped_group) is not None else None,
        )
    shape = DagShape(dag.dag_id, tasks, _group_roots(dag))
    if any(t.is_setup for t in tasks.values()):
        shape = DagShape(dag.dag_id, _with_indirect_setups(shape), shape.groups)
    return shape


def _group_roots(dag: DAG) -> dict[str, tuple[str, ...]]:
    from headwater.model.taskgroup import TaskGroup

    roots: dict[str, tuple[str, ...]] = {}
    stack = [dag.task_group]
    while stack:
        group = stack.pop()
        for child in group.children.values():
            if isinstance(child, TaskGroup):
                stack.append(child)
                if child.group_id:
                    roots[child.group_id] = tuple(sorted(t.task_id for t in child.get_roots()))
    return roots


def _with_indirect_setups(shape: DagShape) -> dict[str, TaskShape]:
    upstream_of: dict[str, set[str]] = {}

    def ancestors(tid: str) -> set[str]:
        if tid not in upstream_of:
            acc: set[str] = set()
            for up in shape.tasks[tid].upstream:
                acc.add(up)
                acc |= ancestors(up)
            upstream_of[tid] = acc
        return upstream_of[tid]

    result: dict[str, TaskShape] = {}
    for tid, task in shape.tasks.items():
        if task.is_teardown:
            result[tid] = task
            continue
        below = shape.descendants(tid)
        teardowns_below = {d for d in below if shape.tasks[d].is_teardown}
        relevant = []
        for up in ancestors(tid):
            setup = shape.tasks[up]
            if not setup.is_setup or up in task.upstream:
                continue
            its_teardowns = {d for d in setup.downstream if shape.tasks[d].is_teardown}
            if not its_teardowns or its_teardowns & teardowns_below:
                relevant.append(up)
        result[tid] = TaskShape(**{**task.__dict__, "indirect_setups": tuple(sorted(relevant))})
    return result
