"""Backfills and clears: recording the runs to (re)do; the scheduler runs them like any other run.

Backfill runs are limited by the backfill's own ``max_active_runs`` and start in logical-date order
(newest first with ``run_backwards``), so a backfill completes in a predictable order. As in Airflow 2,
where ``dags backfill`` runs whatever the pause flag says, they run even when the DAG is paused.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from headwater import planning
from headwater.config import Settings
from headwater.errors import HeadwaterError
from headwater.model.dag import DAG
from headwater.model.timetables import to_utc
from headwater.scheduler.control import find_dag
from headwater.scheduler.dagruns import check_conf_size, new_run
from headwater.store.records import DagRunRecord
from headwater.store.sql import SqlStore


@dataclass
class BackfillPlan:
    dag: DAG
    backfill_id: str
    create: list[planning.DagRunInfo] = field(default_factory=list)
    rerun: list[DagRunRecord] = field(default_factory=list)
    skip: list[tuple[planning.DagRunInfo, str]] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The runs the backfill would create or run again, in the order they will start."""
        rerun = {r.logical_date: r for r in self.rerun}
        return [
            {
                "logical_date": info.logical_date,
                "data_interval_start": info.data_interval.start,
                "data_interval_end": info.data_interval.end,
                "action": "rerun" if info.logical_date in rerun else "create",
            }
            for info in self.ordered
        ]

    ordered: list[planning.DagRunInfo] = field(default_factory=list)
    max_conf_bytes: int = Settings.max_conf_bytes


def plan_backfill(
    settings: Settings,
    store: SqlStore,
    dag_id: str,
    *,
    start: datetime,
    end: datetime,
    reprocess: str = "none",
    run_backwards: bool = False,
) -> BackfillPlan:
    dag = find_dag(settings, store, dag_id)
    if to_utc(start) > to_utc(end):
        raise HeadwaterError(f"Backfill of {dag_id!r}: --start-date {start} is after --end-date {end}.")
    plan = BackfillPlan(dag, uuid.uuid4().hex[:12], max_conf_bytes=settings.max_conf_bytes)
    existing = {to_utc(r.logical_date): r for r in store.runs_between(dag_id, to_utc(start), to_utc(end))}
    for info in planning.backfill_infos(dag.timetable, start=to_utc(start), end=to_utc(end)):
        run = existing.get(info.logical_date)
        action, why = planning.backfill_action(run.state if run else None, reprocess)
        if action == "skip":
            plan.skip.append((info, why))
            continue
        plan.ordered.append(info)
        if action == "rerun" and run is not None:
            plan.rerun.append(run)
        else:
            plan.create.append(info)
    if run_backwards:
        plan.ordered.reverse()
    return plan


def start_backfill(
    store: SqlStore, plan: BackfillPlan, *, max_active_runs: int | None, conf: dict[str, Any] | None = None
) -> list[DagRunRecord]:
    """Record the backfill's runs, queued: new ones created, existing ones cleared to run again."""
    dag = plan.dag
    limit = max_active_runs if max_active_runs is not None else dag.max_active_runs
    params = dict(conf or {})
    check_conf_size(dag.dag_id, params, plan.max_conf_bytes)
    dag.params.resolve(params, dag.dag_id)
    rerun = {r.logical_date: r for r in plan.rerun}
    retries = {task_id: task.retries for task_id, task in dag.task_dict.items()}
    mapped = [task_id for task_id, task in dag.task_dict.items() if task.is_mapped]
    runs: list[DagRunRecord] = []
    for order, info in enumerate(plan.ordered):
        existing = rerun.get(info.logical_date)
        if existing is not None:
            store.clear_instances(existing, retries, mapped=mapped, backfill=(plan.backfill_id, limit, order))
            runs.append(existing)
            continue
        run = new_run(
            dag, run_type="backfill", logical_date=info.logical_date, data_interval=info.data_interval, conf=params
        )
        run.backfill_id, run.backfill_max_active_runs, run.start_order = plan.backfill_id, limit, order
        store.start_run(run, [], replace=False)
        runs.append(run)
    return runs


@dataclass
class ClearPlan:
    dag: DAG
    runs: list[DagRunRecord]
    task_ids: list[str]


def plan_clear(
    settings: Settings,
    store: SqlStore,
    dag_id: str,
    *,
    task_regex: str | None,
    start: datetime | None,
    end: datetime | None,
    downstream: bool,
    upstream: bool = False,
) -> ClearPlan:
    """The runs and tasks ``tasks clear`` resets: tasks whose id matches the regex (with their
    downstream or upstream tasks when asked) in runs whose logical date is within [start, end]."""
    dag = find_dag(settings, store, dag_id)
    try:
        pattern = re.compile(task_regex or ".*")
    except re.error as err:
        raise HeadwaterError(f"--task-regex {task_regex!r} is not a regular expression: {err}.") from None
    chosen = {task_id for task_id in dag.task_dict if pattern.search(task_id)}
    if not chosen:
        raise HeadwaterError(f"No task of DAG {dag_id!r} matches --task-regex {task_regex!r}.")
    for task_id in list(chosen):
        task = dag.task_dict[task_id]
        if downstream:
            chosen |= set(task.get_flat_relative_ids(upstream=False))
        if upstream:
            chosen |= set(task.get_flat_relative_ids(upstream=True))
    earliest = to_utc(start) if start is not None else to_utc(datetime(1970, 1, 1))
    latest = to_utc(end) if end is not None else to_utc(datetime(9999, 12, 31))
    runs = store.runs_between(dag_id, earliest, latest)
    order = list(dag.task_dict)
    return ClearPlan(dag, runs, sorted(chosen, key=order.index))


def clear(store: SqlStore, plan: ClearPlan) -> int:
    """Reset the chosen instances of each run and queue the runs again; returns how many were reset."""
    retries = {task_id: plan.dag.task_dict[task_id].retries for task_id in plan.task_ids}
    mapped = [task_id for task_id in plan.task_ids if plan.dag.task_dict[task_id].is_mapped]
    return sum(store.clear_instances(run, retries, mapped=mapped) for run in plan.runs)
