"""Which tasks of a DAG get an instance in a run: a task's ``start_date`` / ``end_date`` (capped by
the DAG's own) bound the logical dates it takes part in, as Airflow's ``DagRun.verify_integrity`` does.

A task whose start date lies after the run's logical date, or whose end date lies before it, has no
instance in that run at all (not a skipped one): a task downstream of it waits for an upstream that
never comes, exactly as in Airflow. Backfill runs are the exception: they get every task.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from headwater.model.timetables import to_utc

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.model.dag import DAG

BACKFILL_RUN_TYPE = "backfill"


def _moment(value: Any) -> datetime | None:
    """A date bound as an aware UTC datetime (naive means UTC); anything else is no bound, as Airflow
    ignores a ``start_date`` that is not a datetime."""
    return to_utc(value) if isinstance(value, datetime) else None


def task_window(task: BaseOperator, dag: DAG | None) -> tuple[datetime | None, datetime | None]:
    """The task's effective ``(start, end)``: the later of its and the DAG's start date, the earlier of
    its and the DAG's end date (a missing one inherits the other)."""
    task_start, task_end = _moment(task.start_date), _moment(task.end_date)
    dag_start = _moment(dag.start_date) if dag is not None else None
    dag_end = _moment(dag.end_date) if dag is not None else None
    start = max(task_start, dag_start) if task_start and dag_start else task_start or dag_start
    end = min(task_end, dag_end) if task_end and dag_end else task_end or dag_end
    return start, end


def absence_reason(task: BaseOperator, dag: DAG | None, logical_date: datetime, run_type: str) -> str | None:
    """Why a run of ``run_type`` at ``logical_date`` has no instance of ``task``; ``None`` when it has one
    (bounds inclusive)."""
    if run_type == BACKFILL_RUN_TYPE:
        return None
    start, end = task_window(task, dag)
    moment = to_utc(logical_date)
    if start is not None and moment < start:
        return (
            f"task {task.task_id!r} has no instance in this run: its start_date {start.isoformat()} "
            f"(the later of the task's and the DAG's) is after the logical date {moment.isoformat()}"
        )
    if end is not None and end < moment:
        return (
            f"task {task.task_id!r} has no instance in this run: its end_date {end.isoformat()} "
            f"(the earlier of the task's and the DAG's) is before the logical date {moment.isoformat()}"
        )
    return None


def takes_part(task: BaseOperator, dag: DAG | None, logical_date: datetime, run_type: str) -> bool:
    """Whether a run of ``run_type`` at ``logical_date`` creates an instance of ``task``."""
    return absence_reason(task, dag, logical_date, run_type) is None


def tasks_in_run(
    dag: DAG, logical_date: datetime, run_type: str, tasks: Iterable[BaseOperator] | None = None
) -> list[BaseOperator]:
    """The tasks (of ``tasks``, default all of the DAG's) a run at ``logical_date`` has instances of."""
    chosen = dag.task_dict.values() if tasks is None else tasks
    return [task for task in chosen if takes_part(task, dag, logical_date, run_type)]
