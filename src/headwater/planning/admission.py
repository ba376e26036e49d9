"""Which ready task instances start now: priority weights, pools, ``max_active_tasks`` and parallelism.

Airflow's scheduler walks the scheduled instances by priority and admits each one its pool, its DAG and
the executors have room for (``SchedulerJobRunner._executable_task_instances_to_queued``). These
functions make the same choices from plain numbers and say, for every instance left waiting, why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.model.dag import DAG

WEIGHT_RULES: tuple[str, ...] = ("absolute", "downstream", "upstream")
"""Airflow's built-in ``weight_rule`` values."""

DB_SAFE_MINIMUM = -(2**31)
DB_SAFE_MAXIMUM = 2**31 - 1
"""Airflow clamps a total priority weight into a 32-bit integer column (``db_safe_priority``)."""

UNLIMITED = -1
"""A pool size of -1 means the pool never runs out of slots, as in Airflow."""


@dataclass(frozen=True)
class WeightInput:
    """What a task's total priority weight depends on; ``upstream``/``downstream`` are direct neighbours."""

    priority_weight: int
    weight_rule: str
    upstream: tuple[str, ...] = ()
    downstream: tuple[str, ...] = ()


def priority_weights(tasks: Mapping[str, WeightInput]) -> dict[str, int]:
    """Each task's effective priority (Airflow's ``priority_weight_total``).

    ``absolute`` is the task's own weight; ``downstream`` adds the weights of every task reachable below it,
    ``upstream`` of every task reachable above it. Each relative counts once however many paths lead to it,
    so a diamond does not double-count. Totals are clamped to a 32-bit integer, as Airflow stores them.

    One pass in topological order keeps each task's relatives as a bit set. Where a task's neighbours share
    no relatives (chains, fans, trees) their sums simply add up; only where paths rejoin is the union summed
    again. So chains and fans of thousands of tasks take milliseconds."""
    for task_id, task in tasks.items():
        if task.weight_rule not in WEIGHT_RULES:
            raise ValueError(
                f"Task {task_id!r} has weight_rule {task.weight_rule!r}; valid rules are "
                f"{', '.join(repr(rule) for rule in WEIGHT_RULES)}."
            )
    sums: dict[str, dict[str, int]] = {}
    for rule in ("downstream", "upstream"):
        if any(task.weight_rule == rule for task in tasks.values()):
            sums[rule] = _relative_sums(tasks, upstream=rule == "upstream")
    totals: dict[str, int] = {}
    for task_id, task in tasks.items():
        total = task.priority_weight + (sums[task.weight_rule][task_id] if task.weight_rule in sums else 0)
        totals[task_id] = max(DB_SAFE_MINIMUM, min(DB_SAFE_MAXIMUM, total))
    return totals


def dag_priority_weights(dag: DAG) -> dict[str, int]:
    """``priority_weights`` of every task of ``dag`` (what the scheduler stores and ``ti.priority_weight`` reads)."""
    return priority_weights(
        {
            task_id: WeightInput(
                task.priority_weight,
                str(getattr(task.weight_rule, "value", task.weight_rule)),
                tuple(task.upstream_task_ids),
                tuple(task.downstream_task_ids),
            )
            for task_id, task in dag.task_dict.items()
        }
    )


def _relative_sums(tasks: Mapping[str, WeightInput], *, upstream: bool) -> dict[str, int]:
    """For each task, the summed weights of the distinct tasks reachable from it in one direction."""
    order = list(tasks)
    index = {task_id: i for i, task_id in enumerate(order)}
    weight = [tasks[task_id].priority_weight for task_id in order]
    masks: dict[int, int] = {}
    for i, w in enumerate(weight):
        masks[w] = masks.get(w, 0) | 1 << i

    def neighbours(task_id: str) -> tuple[str, ...]:
        task = tasks[task_id]
        found = task.upstream if upstream else task.downstream
        for other in found:
            if other not in tasks:
                raise ValueError(f"Task {task_id!r} names {other!r} as a relative, but there is no such task.")
        return found

    def weighed(relatives: int, count: int) -> int:
        if len(masks) <= count:
            return sum(w * (relatives & mask).bit_count() for w, mask in masks.items())
        total = 0
        while relatives:
            lowest = relatives & -relatives
            total += weight[lowest.bit_length() - 1]
            relatives ^= lowest
        return total

    pending = {task_id: len(set(neighbours(task_id))) for task_id in tasks}
    back: dict[str, list[str]] = {task_id: [] for task_id in tasks}
    for task_id in tasks:
        for other in set(neighbours(task_id)):
            back[other].append(task_id)
    ready = [task_id for task_id, count in pending.items() if count == 0]
    reach: dict[str, int] = {}
    sums: dict[str, int] = {}
    while ready:
        task_id = ready.pop()
        relatives, separate_count, separate_sum = 0, 0, 0
        for other in set(neighbours(task_id)):
            relatives |= 1 << index[other] | reach[other]
            separate_count += 1 + reach[other].bit_count()
            separate_sum += tasks[other].priority_weight + sums[other]
        count = relatives.bit_count()
        reach[task_id] = relatives
        sums[task_id] = separate_sum if count == separate_count else weighed(relatives, count)
        for parent in back[task_id]:
            pending[parent] -= 1
            if pending[parent] == 0:
                ready.append(parent)
    if len(reach) != len(tasks):
        stuck = sorted(set(tasks) - set(reach))
        raise ValueError(f"Tasks {', '.join(map(repr, stuck))} form a cycle; priority weights need a DAG.")
    return sums


CandidateKey = tuple[str, str, str, int]
"""``(dag_id, run_id, task_id, map_index)``."""


@dataclass(frozen=True)
class Candidate:
    """A task instance ready to run (state ``scheduled``), with what admission weighs it by."""

    key: CandidateKey
    pool: str
    pool_slots: int
    priority: int
    logical_date: datetime


@dataclass(frozen=True)
class Admission:
    """The candidates that start now, in admission order, and the others with the reason each waits."""

    admitted: list[Candidate]
    waiting: list[tuple[Candidate, str]]


def admission_order(candidate: Candidate) -> tuple[int, datetime, int, str, str, str]:
    """Airflow's order: priority high to low, then oldest logical date, then map index; the remaining key
    parts only make the order independent of how the candidates were listed."""
    dag_id, run_id, task_id, map_index = candidate.key
    return (-candidate.priority, candidate.logical_date, map_index, dag_id, run_id, task_id)


def admit(
    candidates: Iterable[Candidate],
    *,
    pool_open: Mapping[str, int],
    pool_size: Mapping[str, int],
    dag_open: Mapping[str, int],
    open_slots: int,
    task_open: Mapping[tuple[str, str], int] | None = None,
    run_task_open: Mapping[tuple[str, str, str], int] | None = None,
) -> Admission:
    """Admit candidates in ``admission_order`` while their pool, their DAG and the executors have room.

    ``pool_size`` is each pool's total (-1: unlimited) and ``pool_open`` its free slots; ``dag_open`` is each
    DAG's ``max_active_tasks`` minus its running and queued instances; ``open_slots`` is parallelism minus
    the instances running or queued anywhere (a huge number stands for Airflow's ``parallelism = 0``).
    ``task_open`` holds, per ``(dag_id, task_id)`` with a ``max_active_tis_per_dag``, that limit minus the
    task's running and queued instances in every run; ``run_task_open``, per ``(dag_id, run_id, task_id)``
    with a ``max_active_tis_per_dagrun``, that limit minus its running and queued instances in that run. A
    task missing from them has no such limit.

    A candidate that does not fit waits without blocking the ones after it: as in Airflow, a lower-priority
    instance of the same pool that needs fewer slots may start ahead of a higher-priority one that needs
    more. Airflow checks, in this order, the pool, then the DAG, then the task's limits (across runs, then
    in the run), then the executor; the reason names the first limit that holds a candidate back.

    Airflow examines at most ``max_tis_per_query`` candidates per scheduler loop; this function examines
    them all, so it may admit in one call what Airflow admits over consecutive loops."""
    free_pool = dict(pool_open)
    free_dag = dict(dag_open)
    free_task = dict(task_open or {})
    free_run_task = dict(run_task_open or {})
    admitted: list[Candidate] = []
    waiting: list[tuple[Candidate, str]] = []
    for candidate in sorted(candidates, key=admission_order):
        dag_id = candidate.key[0]
        if dag_id not in free_dag:
            raise ValueError(f"No max_active_tasks count given for DAG {dag_id!r}; pass it in dag_open.")
        reason = _pool_reason(candidate, free_pool, pool_size)
        if reason is None and free_dag[dag_id] <= 0:
            reason = (
                f"DAG {dag_id!r} has reached its max_active_tasks limit: it waits until one of the DAG's "
                "running or queued tasks finishes"
            )
        if reason is None:
            reason = _task_reason(candidate, free_task, free_run_task)
        if reason is None and open_slots <= 0:
            reason = "parallelism reached: every executor slot is taken until a running task finishes"
        if reason is not None:
            waiting.append((candidate, reason))
            continue
        admitted.append(candidate)
        task_key = (dag_id, candidate.key[2])
        if task_key in free_task:
            free_task[task_key] -= 1
        run_task_key = (dag_id, candidate.key[1], candidate.key[2])
        if run_task_key in free_run_task:
            free_run_task[run_task_key] -= 1
        if pool_size[candidate.pool] != UNLIMITED:
            free_pool[candidate.pool] = free_pool.get(candidate.pool, 0) - candidate.pool_slots
        free_dag[dag_id] -= 1
        open_slots -= 1
    return Admission(admitted, waiting)


def _task_reason(
    candidate: Candidate,
    free_task: Mapping[tuple[str, str], int],
    free_run_task: Mapping[tuple[str, str, str], int],
) -> str | None:
    dag_id, run_id, task_id, _ = candidate.key
    if free_task.get((dag_id, task_id), 1) <= 0:
        return (
            f"task {task_id!r} has reached its max_active_tis_per_dag limit: it waits until one of its running or "
            "queued instances (in any run) finishes"
        )
    if free_run_task.get((dag_id, run_id, task_id), 1) <= 0:
        return (
            f"task {task_id!r} has reached its max_active_tis_per_dagrun limit: it waits until one of its running "
            "or queued instances in this run finishes"
        )
    return None


def _pool_reason(candidate: Candidate, free_pool: Mapping[str, int], pool_size: Mapping[str, int]) -> str | None:
    pool, slots = candidate.pool, candidate.pool_slots
    if pool not in pool_size:
        return f"pool {pool!r} does not exist: create it with `headwater pools set {pool} SLOTS`"
    size = pool_size[pool]
    if size == UNLIMITED:
        return None
    if slots > size:
        return (
            f"needs {slots} slots but pool {pool!r} has only {size} in total, so it will never run: enlarge "
            f"the pool with `headwater pools set {pool} {slots}` or lower the task's pool_slots"
        )
    free = free_pool.get(pool, 0)
    if free <= 0:
        return f"pool {pool!r} is full: all {size} of its slots are in use"
    if slots > free:
        return f"needs {slots} slots of pool {pool!r} but only {free} of its {size} are free"
    return None
