"""DAG runs: list and get them, trigger one, backfill a date range (and wait for it)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from headwater.model.states import DagRunState
from headwater.planning.dagruns import REPROCESS_CHOICES
from headwater.services.context import ServiceContext
from headwater.services.errors import InvalidRequest, refusing_arguments, run_not_found, translated
from headwater.store.records import DagRunRecord

FINISHED = (DagRunState.SUCCESS, DagRunState.FAILED)


def run_states(names: Iterable[str]) -> list[DagRunState]:
    """Run states from their names (Airflow's strings), refusing a name that is no state."""
    states = []
    for name in names:
        try:
            states.append(DagRunState(name))
        except ValueError:
            valid = ", ".join(s.value for s in DagRunState)
            raise InvalidRequest(f"--state {name!r} is not one of {valid}.") from None
    return states


def list_runs(
    ctx: ServiceContext,
    *,
    dag_id: str | None = None,
    states: Sequence[DagRunState] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[DagRunRecord]:
    """Runs (of one DAG, or of all), newest logical date first; ``limit``/``offset`` page through them."""
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidRequest(f"limit and offset cannot be negative; got limit {limit}, offset {offset}.")
    end = None if limit is None else offset + limit
    return ctx.store.runs(dag_id, states, limit=end)[offset:end]


def get_run(ctx: ServiceContext, *, dag_id: str, run_id: str) -> DagRunRecord:
    """One run; NotFound names the DAG and how to list its runs."""
    run = ctx.store.get_run(dag_id, run_id)
    if run is None:
        raise run_not_found(dag_id, run_id)
    return run


@dataclass
class Triggered:
    """A run queued by a trigger, and whether it waits for its DAG to be unpaused."""

    run: DagRunRecord
    paused: bool


def trigger(
    ctx: ServiceContext,
    *,
    dag_id: str,
    conf: dict[str, Any] | None = None,
    logical_date: dt.datetime | None = None,
    run_id: str | None = None,
) -> Triggered:
    """Queue a manual run (the scheduler starts it once the DAG is unpaused). A run id or logical date the
    DAG already has is a Conflict; a conf the DAG's params refuse or a bad run id is an InvalidRequest."""
    from headwater.scheduler.control import trigger as record_trigger
    from headwater.services.dags import is_paused

    with translated():
        run = record_trigger(ctx.settings, ctx.store, dag_id, conf=conf, logical_date=logical_date, run_id=run_id)
    ctx.changed()
    return Triggered(run, is_paused(ctx, dag_id=dag_id))


@dataclass
class BackfillDate:
    """A logical date a backfill runs: created new, or an existing run run again."""

    logical_date: dt.datetime
    data_interval_start: dt.datetime
    data_interval_end: dt.datetime
    action: str


@dataclass
class SkippedDate:
    logical_date: dt.datetime
    reason: str


@dataclass
class Backfill:
    """What a backfill plans (in the order its runs start), which dates it leaves alone and why, and the
    runs it queued (none on a dry run)."""

    dag_id: str
    planned: list[BackfillDate]
    skipped: list[SkippedDate]
    runs: list[DagRunRecord] = field(default_factory=list)


def backfill(
    ctx: ServiceContext,
    *,
    dag_id: str,
    start: dt.datetime,
    end: dt.datetime,
    reprocess: str = "none",
    run_backwards: bool = False,
    max_active_runs: int | None = None,
    conf: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> Backfill:
    """Queue a run of the DAG for every logical date of its schedule within [start, end] (``reprocess``:
    ``none``, ``failed`` or ``completed`` finished runs are run again); with ``dry_run``, only the plan."""
    from headwater.scheduler.backfill import plan_backfill, start_backfill

    if max_active_runs is not None and max_active_runs < 1:
        raise InvalidRequest(f"--max-active-runs must be at least 1; got {max_active_runs}.")
    if reprocess not in REPROCESS_CHOICES:
        raise InvalidRequest(f"reprocess {reprocess!r} is not one of {', '.join(REPROCESS_CHOICES)}.")
    with translated():
        with refusing_arguments():
            plan = plan_backfill(
                ctx.settings, ctx.store, dag_id, start=start, end=end, reprocess=reprocess, run_backwards=run_backwards
            )
        result = Backfill(
            dag_id,
            planned=[BackfillDate(**row) for row in plan.rows()],
            skipped=[SkippedDate(info.logical_date, why) for info, why in plan.skip],
        )
        if dry_run:
            return result
        result.runs = start_backfill(ctx.store, plan, max_active_runs=max_active_runs, conf=conf)
    ctx.changed()
    return result


def wait_for_runs(
    ctx: ServiceContext,
    runs: Iterable[DagRunRecord],
    *,
    on_finished: Callable[[DagRunRecord], None] | None = None,
    poll_seconds: float = 0.2,
) -> list[DagRunRecord]:
    """Block until every run has finished, calling ``on_finished`` with each as it does; returns them
    all in their final state, in the order they finished."""
    pending = {(r.dag_id, r.run_id) for r in runs}
    finished: list[DagRunRecord] = []
    while pending:
        for dag_id, run_id in sorted(pending):
            run = ctx.store.get_run(dag_id, run_id)
            if run is not None and run.state in FINISHED:
                pending.discard((dag_id, run_id))
                finished.append(run)
                if on_finished is not None:
                    on_finished(run)
        if pending:
            time.sleep(poll_seconds)
    return finished
