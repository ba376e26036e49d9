"""Creating DAG runs: scheduled, triggered by hand, or backfilled. A run is created ``queued``; the
scheduler starts it when the DAG is unpaused and under ``max_active_runs``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from headwater.errors import ConfTooLarge
from headwater.model.dag import DAG
from headwater.model.ids import DEFAULT_RUN_ID_PATTERN, check_run_id
from headwater.model.states import DagRunState
from headwater.model.timetables import DataInterval, to_utc
from headwater.planning.task_dates import tasks_in_run
from headwater.scheduler.run_driver import log_absent_tasks
from headwater.store.records import DagRunRecord, TaskInstanceRecord

RUN_TYPES = ("scheduled", "manual", "backfill")


def run_id_for(run_type: str, logical_date: datetime) -> str:
    return f"{run_type}__{to_utc(logical_date).isoformat()}"


def check_conf_size(dag_id: str, conf: Mapping[str, Any] | None, limit: int) -> None:
    """Refuse a run conf whose JSON is above ``limit`` bytes, before anything is recorded."""
    if not conf:
        return
    size = len(json.dumps(conf, separators=(",", ":"), default=str).encode("utf-8"))
    if size > limit:
        raise ConfTooLarge(dag_id, size, limit)


def new_run(
    dag: DAG,
    *,
    run_type: str,
    logical_date: datetime,
    data_interval: DataInterval,
    conf: dict[str, Any] | None = None,
    run_id: str | None = None,
    external_trigger: bool = False,
    run_id_pattern: str = DEFAULT_RUN_ID_PATTERN,
) -> DagRunRecord:
    """A new run, queued; a ``run_id`` given by a person must match ``run_id_pattern`` (``[scheduler]
    allowed_run_id_pattern``), else :class:`~headwater.errors.InvalidRunId` says why."""
    logical = to_utc(logical_date)
    return DagRunRecord(
        dag.dag_id,
        check_run_id(run_id, dag_id=dag.dag_id, pattern=run_id_pattern) if run_id else run_id_for(run_type, logical),
        run_type,
        logical,
        data_interval.start,
        data_interval.end,
        external_trigger,
        dict(conf or {}),
        DagRunState.QUEUED,
    )


def missing_instances(
    dag: DAG, run: DagRunRecord, existing: list[TaskInstanceRecord], weights: dict[str, int]
) -> list[TaskInstanceRecord]:
    """One unscheduled instance for each task of the DAG the run has none of yet (a new run, or a DAG
    that gained tasks) and takes part in (its start/end dates allow the run's logical date); a mapped
    task gets its placeholder and expands when it becomes ready."""
    have = {i.task_id for i in existing}
    missing = [task for task in dag.task_dict.values() if task.task_id not in have]
    if not existing:
        log_absent_tasks(dag, run.run_id, run.logical_date, run.run_type, missing)
    return [
        TaskInstanceRecord(
            run.dag_id,
            run.run_id,
            task.task_id,
            -1,
            None,
            0,
            task.retries,
            task.task_type,
            pool=task.pool,
            pool_slots=task.pool_slots,
            priority_weight=weights.get(task.task_id, task.priority_weight),
            queue=task.queue,
        )
        for task in tasks_in_run(dag, run.logical_date, run.run_type, missing)
    ]
