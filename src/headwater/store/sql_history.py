"""Every try keeps its record: ``task_instance_history``, as Airflow 2.10 keeps it.

A try's row is copied from its task instance in the transaction that records how the try ended (a
worker's report, a lost try declared, a run timing out, ``dags test``'s pass), and when a clear resets
an instance whose try was never recorded (a running try: recorded as ``failed``, as Airflow does). The
copy is ``INSERT ... SELECT`` from the instance's row, so what is kept is exactly what was written, and
a try already recorded is never recorded twice.

The state kept is the try's own outcome as Airflow's history shows it: a try that failed and will be
retried is ``failed`` (its instance is ``up_for_retry``); one that did not finish is ``failed``.
Unlike Airflow, which keeps only earlier tries there, the last try is recorded too once it ended: the
tries of an instance are its history rows, plus its live row while a try is under way.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, delete, insert, literal, null, select

from headwater.model.states import TaskState
from headwater.store import tables as t
from headwater.store.records import TaskInstanceRecord

_FINISHED = (
    TaskState.SUCCESS.value,
    TaskState.FAILED.value,
    TaskState.SKIPPED.value,
    TaskState.UPSTREAM_FAILED.value,
    TaskState.REMOVED.value,
)
"""Airflow's ``State.finished``: kept as they are; any other state of an ended try is kept as failed."""

_COPIED = (
    "dag_id",
    "run_id",
    "task_id",
    "map_index",
    "try_number",
    "start_date",
    "duration",
    "max_tries",
    "operator",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "queued_at",
    "queued_by",
    "hostname",
    "pid",
    "reason",
    "decision",
)


@dataclass(frozen=True)
class TryRecord:
    """One try of a task instance."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    state: TaskState | None
    start_date: dt.datetime | None
    end_date: dt.datetime | None
    duration: float | None
    max_tries: int | None
    operator: str | None
    pool: str | None
    pool_slots: int | None
    queue: str | None
    priority_weight: int | None
    queued_at: dt.datetime | None
    queued_by: str | None
    hostname: str | None
    pid: int | None
    executor: str | None
    reason: str | None
    decision: dict[str, Any] | None
    recorded_at: dt.datetime | None
    """When the try's end was recorded; None for the try under way (read from the live instance)."""


def _archive_statement(*where: Any) -> Any:
    """``INSERT ... SELECT``: the current try of the instances matching ``where`` (with a try, not yet
    recorded) into the history, stamped with the bound ``h_now``."""
    ti, h = t.task_instance, t.task_instance_history
    recorded = (
        select(h.c.try_number)
        .where(
            h.c.dag_id == ti.c.dag_id,
            h.c.run_id == ti.c.run_id,
            h.c.task_id == ti.c.task_id,
            h.c.map_index == ti.c.map_index,
            h.c.try_number == ti.c.try_number,
        )
        .exists()
    )
    at = bindparam("h_now", type_=t.UtcDateTime())
    rows = select(
        *(ti.c[name] for name in _COPIED),
        case((ti.c.state.in_(_FINISHED), ti.c.state), else_=literal(TaskState.FAILED.value)),
        case((ti.c.end_date.is_(None), at), else_=ti.c.end_date),
        null(),
        at,
    ).where(*where, ti.c.try_number > 0, ~recorded)
    return insert(h).from_select([*_COPIED, "state", "end_date", "executor", "recorded_at"], rows)


_ARCHIVE_ONE = _archive_statement(
    t.task_instance.c.dag_id == bindparam("h_dag_id"),
    t.task_instance.c.run_id == bindparam("h_run_id"),
    t.task_instance.c.task_id == bindparam("h_task_id"),
    t.task_instance.c.map_index == bindparam("h_map_index"),
)
"""Built once: a worker runs it for every try it ends (building a statement costs more than running it)."""


def archive_try(conn: Connection, now: dt.datetime, key: tuple[str, str, str, int]) -> None:
    """Record one instance's current try (dag id, run id, task id, map index) in the caller's transaction."""
    params = {"h_dag_id": key[0], "h_run_id": key[1], "h_task_id": key[2], "h_map_index": key[3], "h_now": now}
    conn.execute(_ARCHIVE_ONE, params)


def archive_tries(conn: Connection, now: dt.datetime, *where: Any) -> None:
    """Record the current try of every task instance matching ``where`` (with a try, not yet recorded),
    inside the caller's transaction."""
    conn.execute(_archive_statement(*where), {"h_now": now})


def append_tries(conn: Connection, now: dt.datetime, ended: Sequence[TaskInstanceRecord]) -> None:
    """Record tries as their instances stood when they ended (``dags test``'s passes), inside the caller's
    transaction; a try already recorded is left as it is."""
    if not ended:
        return
    rows = [
        {
            **{name: getattr(rec, name) for name in _COPIED},
            "state": _history_state(rec.state),
            "end_date": rec.end_date or now,
            "executor": None,
            "recorded_at": now,
        }
        for rec in ended
    ]
    conn.execute(_append_statement(conn.dialect.name), rows)


@functools.cache
def _append_statement(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` into the history, built once per dialect (it runs per try)."""
    h = t.task_instance_history
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(h).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(h).on_conflict_do_nothing()


def _history_state(state: TaskState | None) -> str:
    return state.value if state is not None and state.value in _FINISHED else TaskState.FAILED.value


def delete_history(conn: Connection, dag_id: str, run_id: str) -> None:
    """Forget the tries of a run that is deleted or replaced."""
    h = t.task_instance_history
    conn.execute(delete(h).where(h.c.dag_id == dag_id, h.c.run_id == run_id))


def _try(row: Any, *, live: bool) -> TryRecord:
    return TryRecord(
        dag_id=row.dag_id,
        run_id=row.run_id,
        task_id=row.task_id,
        map_index=row.map_index,
        try_number=row.try_number,
        state=TaskState(row.state) if row.state else None,
        start_date=row.start_date,
        end_date=row.end_date,
        duration=row.duration,
        max_tries=row.max_tries,
        operator=row.operator,
        pool=row.pool,
        pool_slots=row.pool_slots,
        queue=row.queue,
        priority_weight=row.priority_weight,
        queued_at=row.queued_at,
        queued_by=row.queued_by,
        hostname=row.hostname,
        pid=row.pid,
        executor=None if live else row.executor,
        reason=row.reason,
        decision=row.decision,
        recorded_at=None if live else row.recorded_at,
    )


class HistoryQueries:
    """Mixed into ``SqlStore``: reading the tries."""

    engine: Engine

    def task_tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[TryRecord]:
        """Every try of one task instance, oldest first: those that ended, then the one under way (queued,
        running, deferred, waiting for a reschedule) read from the instance itself."""
        h, ti = t.task_instance_history, t.task_instance
        with self.engine.connect() as conn:
            ended = conn.execute(
                select(h)
                .where(h.c.dag_id == dag_id, h.c.run_id == run_id, h.c.task_id == task_id, h.c.map_index == map_index)
                .order_by(h.c.try_number)
            ).all()
            live = conn.execute(
                select(ti).where(
                    ti.c.dag_id == dag_id, ti.c.run_id == run_id, ti.c.task_id == task_id, ti.c.map_index == map_index
                )
            ).first()
        tries = [_try(row, live=False) for row in ended]
        if live is not None and live.try_number > 0 and all(r.try_number != live.try_number for r in tries):
            tries.append(_try(live, live=True))
        return tries

    def run_tries(self, dag_id: str, run_id: str) -> list[TryRecord]:
        """Every recorded (ended) try of a run, by task, map index and try number."""
        h = t.task_instance_history
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(h)
                .where(h.c.dag_id == dag_id, h.c.run_id == run_id)
                .order_by(h.c.task_id, h.c.map_index, h.c.try_number)
            ).all()
        return [_try(row, live=False) for row in rows]
