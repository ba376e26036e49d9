"""What a task instance can learn about earlier runs (``ti.get_previous_ti()`` and friends), through the
store's read interface only: the runtime never imports the scheduler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pendulum

from headwater.model.timetables import NullTimetable, to_utc
from headwater.planning.past import previous_run_includes_manual

if TYPE_CHECKING:
    from headwater.model.dag import DAG
    from headwater.store.records import DagRunRecord, TaskInstanceRecord


class RunHistory(Protocol):
    """The store reads earlier runs need (every store provides them)."""

    def previous_run(self, dag_id: str, logical_date: dt.datetime, *, include_manual: bool) -> DagRunRecord | None: ...

    def last_successful_run(self, dag_id: str, before: dt.datetime) -> DagRunRecord | None: ...

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]: ...


@dataclass(frozen=True)
class PreviousTaskInstance:
    """A finished instance of the same task in an earlier run, read-only, with Airflow's attribute names."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    state: str | None
    try_number: int
    max_tries: int
    start_date: pendulum.DateTime | None
    end_date: pendulum.DateTime | None
    duration: float | None
    logical_date: pendulum.DateTime
    hostname: str | None
    operator: str | None
    pool: str
    queue: str
    priority_weight: int

    @property
    def execution_date(self) -> pendulum.DateTime:
        return self.logical_date

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} [{self.state}]>"


def previous_dag_run(
    history: RunHistory, dag: DAG, logical_date: dt.datetime, state: str | None, *, catchup_by_default: bool
) -> DagRunRecord | None:
    """The run Airflow's ``_get_previous_dagrun`` picks: with no ``state``, a DAG that catches up (and can be
    scheduled) looks at scheduled and backfill runs only, any other at every run; with a ``state``, the
    latest earlier run in that state, manual ones included."""
    if state is None:
        catchup = dag.catchup if dag.catchup is not None else catchup_by_default
        schedulable = not isinstance(dag.timetable, NullTimetable)
        include_manual = previous_run_includes_manual(catchup=catchup, schedulable=schedulable)
        return history.previous_run(dag.dag_id, logical_date, include_manual=include_manual)
    if state == "success":
        return history.last_successful_run(dag.dag_id, logical_date)
    run = history.previous_run(dag.dag_id, logical_date, include_manual=True)
    while run is not None and run.state.value != state:
        run = history.previous_run(dag.dag_id, run.logical_date, include_manual=True)
    return run


def previous_task_instance(
    history: RunHistory,
    dag: DAG,
    task_id: str,
    logical_date: dt.datetime,
    state: str | None,
    *,
    catchup_by_default: bool,
) -> PreviousTaskInstance | None:
    """This task's unmapped instance in ``previous_dag_run`` (Airflow looks up map index -1 there too)."""
    run = previous_dag_run(history, dag, logical_date, state, catchup_by_default=catchup_by_default)
    if run is None:
        return None
    for record in history.task_instances(dag.dag_id, run.run_id):
        if record.task_id == task_id and record.map_index == -1:
            return PreviousTaskInstance(
                dag_id=record.dag_id,
                task_id=record.task_id,
                run_id=record.run_id,
                map_index=record.map_index,
                state=record.state.value if record.state is not None else None,
                try_number=record.try_number,
                max_tries=record.max_tries,
                start_date=to_utc(record.start_date) if record.start_date is not None else None,
                end_date=to_utc(record.end_date) if record.end_date is not None else None,
                duration=record.duration,
                logical_date=to_utc(run.logical_date),
                hostname=record.hostname,
                operator=record.operator,
                pool=record.pool,
                queue=record.queue,
                priority_weight=record.priority_weight,
            )
    return None
