"""Why a task instance is in its state: the decision recorded when it was made (the rule and the
upstream states at the start of the deciding pass, or the operator that skipped it, or how the try
ended), what planning says it waits for now when no pass has decided yet, and the chain of causes
upstream to the root. Records only; ``headwater.cli.output`` turns them into sentences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from headwater.services.context import ServiceContext
from headwater.services.task_instances import get_task_instance
from headwater.store.records import TaskInstanceRecord

WAITING_STATES = (None, "scheduled", "queued", "running", "up_for_retry", "deferred", "restarting")
"""States of an upstream that a waiting task is still waiting for."""

OPERATOR_DECISIONS = {"branch": "branch", "short_circuit": "short-circuit", "latest_only": "latest-only"}
"""Decision kinds recorded by an operator that skips tasks, with the operator's name for people."""


@dataclass
class Step:
    """One task instance in an explanation: its state, the reason and decision planning recorded, and
    what is known about its try (retry time, where it runs, when it was queued)."""

    task_id: str
    map_index: int
    state: str | None
    reason: str | None
    pass_number: int | None
    try_number: int
    decision: dict[str, Any] | None
    next_retry_at: dt.datetime | None = None
    start_date: dt.datetime | None = None
    hostname: str | None = None
    pid: int | None = None
    queued_at: dt.datetime | None = None
    now: str | None = None
    """For an instance no pass has decided yet: what its rule says now (asked of planning)."""
    waiting_for: dict[str, str | None] = field(default_factory=dict)
    """Upstream tasks it waits for, with their states."""
    unloadable: str | None = None
    """Why the DAG could not be loaded to say what the instance waits for."""

    @property
    def label(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"

    @property
    def decided_in(self) -> int | None:
        """The pass whose rule decided the state; an operator's skip comes from its try, not a pass."""
        pass_number = (self.decision or {}).get("pass")
        return int(pass_number) if pass_number is not None else None


@dataclass
class Explanation:
    """The instance asked about first, then (when the chain was asked for) each cause upstream."""

    dag_id: str
    run_id: str
    steps: list[Step]
    chained: bool = False

    @property
    def step(self) -> Step:
        return self.steps[0]


def explain(
    ctx: ServiceContext, *, dag_id: str, run_id: str, task_id: str, map_index: int = -1, chain: bool = False
) -> Explanation:
    """Why the task instance is in its state; with ``chain``, the causes upstream to the root. NotFound
    when the run or the instance is not recorded (a mapped task needs its map index)."""
    step = _step_of(get_task_instance(ctx, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index))
    if step.state in (None, "scheduled"):
        _waiting_for(ctx, step, dag_id, run_id)
    steps = [step]
    while chain:
        cause = _cause(ctx, dag_id, run_id, steps[-1])
        if cause is None or any(s.label == cause.label for s in steps):
            break
        steps.append(cause)
    return Explanation(dag_id, run_id, steps, chained=chain)


def _step(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, map_index: int) -> Step | None:
    ti = ctx.store.instance(dag_id, run_id, task_id, map_index)
    return _step_of(ti) if ti is not None else None


def _step_of(ti: TaskInstanceRecord) -> Step:
    return Step(
        ti.task_id,
        ti.map_index,
        ti.state.value if ti.state is not None else None,
        ti.reason,
        ti.pass_number,
        ti.try_number,
        ti.decision,
        next_retry_at=ti.next_retry_at,
        start_date=ti.start_date,
        hostname=ti.hostname,
        pid=ti.pid,
        queued_at=ti.queued_at,
    )


def _waiting_for(ctx: ServiceContext, step: Step, dag_id: str, run_id: str) -> None:
    """For an instance no pass has decided yet: what its rule is waiting for, asked of planning now."""
    from headwater import planning
    from headwater.errors import HeadwaterError
    from headwater.scheduler.control import find_dag

    try:
        dag = find_dag(ctx.settings, ctx.store, dag_id)
    except HeadwaterError as err:
        step.unloadable = str(err)
        return
    shape = planning.shape_of(dag)
    states = {(i.task_id, i.map_index): i.state for i in ctx.store.task_instances(dag_id, run_id)}
    snapshot = planning.RunSnapshot(states, absent=set(shape.tasks) - {task_id for task_id, _ in states})
    key = (step.task_id, step.map_index)
    if key not in states or step.task_id not in shape.tasks:
        return
    verdict, _ = planning.verdict_for(shape, snapshot, key)
    step.now = verdict.reason
    upstream = snapshot.upstream_states(shape, key).items()
    step.waiting_for = {up: state for up, state in upstream if state in WAITING_STATES}


def _label_key(label: str) -> tuple[str, int]:
    if label.endswith("]") and "[" in label:
        task_id, _, index = label[:-1].rpartition("[")
        return task_id, int(index)
    return label, -1


def _cause(ctx: ServiceContext, dag_id: str, run_id: str, step: Step) -> Step | None:
    """The instance whose state caused this one's: the first upstream that fired its rule, or the
    operator that skipped it. None at a root (a try's own outcome)."""
    decision = step.decision or {}
    if decision.get("kind") == "rule" and decision.get("fired_by"):
        task_id, map_index = _label_key(decision["fired_by"][0])
        return _step(ctx, dag_id, run_id, task_id, map_index)
    if decision.get("kind") in OPERATOR_DECISIONS:
        found = _step(ctx, dag_id, run_id, decision["by"], step.map_index)
        return found or _step(ctx, dag_id, run_id, decision["by"], -1)
    return None
