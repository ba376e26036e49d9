"""Task instances: those of a run, one of them, and clearing them so the scheduler runs them again."""

from __future__ import annotations

import datetime as dt

from headwater.scheduler.backfill import ClearPlan
from headwater.services.context import ServiceContext
from headwater.services.errors import (
    InvalidRequest,
    MappedTaskNeedsIndex,
    NotFound,
    refusing_arguments,
    run_not_found,
    translated,
)
from headwater.store.records import TaskInstanceRecord


def list_task_instances(
    ctx: ServiceContext, *, dag_id: str, run_id: str, limit: int | None = None, offset: int = 0
) -> list[TaskInstanceRecord]:
    """The task instances of a run, by task id and map index; NotFound when the run is not recorded."""
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidRequest(f"limit and offset cannot be negative; got limit {limit}, offset {offset}.")
    if ctx.store.get_run(dag_id, run_id) is None:
        raise run_not_found(dag_id, run_id)
    instances = sorted(ctx.store.task_instances(dag_id, run_id), key=lambda i: (i.task_id, i.map_index))
    return instances[offset : None if limit is None else offset + limit]


def get_task_instance(
    ctx: ServiceContext, *, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> TaskInstanceRecord:
    """One task instance. NotFound names the run and how to list its task instances; a mapped task asked
    for without a map index is refused with the range of its indexes."""
    ti = ctx.store.instance(dag_id, run_id, task_id, map_index)
    if ti is not None:
        return ti
    if ctx.store.get_run(dag_id, run_id) is None:
        raise run_not_found(dag_id, run_id)
    mapped = sorted(i.map_index for i in ctx.store.task_instances(dag_id, run_id) if i.task_id == task_id)
    if mapped and map_index < 0:
        raise MappedTaskNeedsIndex(dag_id=dag_id, run_id=run_id, task_id=task_id, first=mapped[0], last=mapped[-1])
    raise NotFound(
        f"Run {run_id!r} of DAG {dag_id!r} has no task instance {task_id!r} (map index {map_index}); "
        f"`headwater tasks states-for-dag-run {dag_id} {run_id}` lists them.",
        dag_id=dag_id,
        run_id=run_id,
        task_id=task_id,
    )


def require_task(ctx: ServiceContext, *, dag_id: str, run_id: str, task_id: str) -> None:
    """Refuse a run that is not recorded, or a task the run has no instance of (mapped or not)."""
    if ctx.store.get_run(dag_id, run_id) is None:
        raise run_not_found(dag_id, run_id)
    if not any(i.task_id == task_id for i in ctx.store.task_instances(dag_id, run_id)):
        raise NotFound(
            f"Run {run_id!r} of DAG {dag_id!r} has no task {task_id!r}; "
            f"`headwater tasks states-for-dag-run {dag_id} {run_id}` lists its tasks.",
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
        )


def plan_clear(
    ctx: ServiceContext,
    *,
    dag_id: str,
    task_regex: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    downstream: bool = False,
    upstream: bool = False,
) -> ClearPlan:
    """What a clear resets, for a caller to show or confirm before :func:`clear`: the tasks whose id
    matches ``task_regex`` (all when None; with their downstream/upstream tasks when asked, in the DAG's
    order) in the runs with a logical date in [start, end]."""
    from headwater.scheduler.backfill import plan_clear as plan

    with translated(), refusing_arguments():
        return plan(
            ctx.settings,
            ctx.store,
            dag_id,
            task_regex=task_regex,
            start=start,
            end=end,
            downstream=downstream,
            upstream=upstream,
        )


def clear(ctx: ServiceContext, plan: ClearPlan) -> int:
    """Reset the task instances of ``plan`` (with their XComs) and queue their runs again; returns how
    many were reset."""
    from headwater.scheduler.backfill import clear as reset

    with translated():
        done = reset(ctx.store, plan)
    ctx.changed()
    return done
