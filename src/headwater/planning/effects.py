"""What branch, short-circuit and latest-only operators do to the tasks below them.

The operator only reports what its callable returned; these functions decide which task
instances that skips, with a reason for each, exactly as Airflow's ``SkipMixin`` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from headwater.errors import UnknownBranchTarget
from headwater.model.states import TaskState
from headwater.planning.passes import RunSnapshot
from headwater.planning.shape import DagShape, TIKey


@dataclass(frozen=True)
class Skip:
    task_id: str
    reason: str
    by: str = ""
    """The task whose operator decided the skip."""
    kind: str = "branch"
    """``branch``, ``short_circuit`` or ``latest_only``."""

    @property
    def explained(self) -> dict[str, str]:
        return {"kind": self.kind, "by": self.by}


def skipped_instances(
    snapshot: RunSnapshot, skips: Iterable[Skip], *, map_index: int = -1
) -> list[tuple[TIKey, str, dict[str, str]]]:
    """The instances a branch or short-circuit skips now. Like Airflow, a skip overwrites whatever state
    the instance has, except while it runs. A mapped instance (``map_index >= 0``) skips only the
    downstream instances with the same map index, which unmapped tasks do not have."""
    found: list[tuple[TIKey, str, dict[str, str]]] = []
    for skip in skips:
        for key in snapshot.instances(skip.task_id):
            if map_index >= 0 and key[1] != map_index:
                continue
            if snapshot.states[key] is not TaskState.RUNNING:
                found.append((key, skip.reason, skip.explained))
    return found


def branch_targets(returned: object, *, dag_id: str, task_id: str) -> list[str]:
    """Normalise a branch callable's return value (``None``, an id, or ids) to a list of ids."""
    if returned is None:
        return []
    if isinstance(returned, str):
        return [returned]
    if isinstance(returned, Iterable):
        items = list(returned)
        bad = [i for i in items if not isinstance(i, str)]
        if bad:
            raise TypeError(
                f"DAG {dag_id!r}, task {task_id!r}: a branch must return task ids as strings; got "
                f"{', '.join(f'{b!r} ({type(b).__name__})' for b in bad)}."
            )
        return items
    raise TypeError(
        f"DAG {dag_id!r}, task {task_id!r}: a branch must return None, a task id or a list of task ids; "
        f"got {returned!r} ({type(returned).__name__})."
    )


def resolve_branch(shape: DagShape, task_id: str, targets: Sequence[str]) -> list[str]:
    """Check the ids a branch returned and expand group ids to the group's roots."""
    unknown = [t for t in targets if t not in shape.tasks and t not in shape.groups]
    if unknown:
        raise UnknownBranchTarget(
            dag_id=shape.dag_id,
            task_id=task_id,
            returned=unknown,
            choices=sorted(shape.tasks[task_id].downstream) or sorted(shape.tasks),
            downstream=bool(shape.tasks[task_id].downstream),
        )
    followed: list[str] = []
    for target in targets:
        followed.extend(shape.groups.get(target, (target,)) if target not in shape.tasks else (target,))
    return followed


def branch_skips(
    shape: DagShape, task_id: str, followed: Sequence[str], *, why: str | None = None, kind: str = "branch"
) -> list[Skip]:
    """Direct downstream tasks a branch did not follow, unless also reachable from a followed one.
    ``why`` replaces the default reason (a latest-only operator says which interval it compared)."""
    keep = set(followed)
    for target in followed:
        if target in shape.tasks:
            keep |= shape.descendants(target)
    why = why or f"branch {task_id!r} followed {sorted(set(followed))}"
    return [Skip(d, why, task_id, kind) for d in shape.tasks[task_id].downstream if d not in keep]


def short_circuit_skips(shape: DagShape, task_id: str, *, ignore_downstream_trigger_rules: bool) -> list[Skip]:
    """Tasks a falsy short-circuit skips: every descendant (default) or only the direct ones."""
    if ignore_downstream_trigger_rules:
        targets: Iterable[str] = sorted(shape.descendants(task_id))
        why = f"short-circuit {task_id!r} returned a falsy value (ignore_downstream_trigger_rules=True)"
    else:
        targets = shape.tasks[task_id].downstream
        why = f"short-circuit {task_id!r} returned a falsy value (direct downstream only)"
    return [Skip(t, why, task_id, "short_circuit") for t in targets if not shape.tasks[t].is_teardown]
