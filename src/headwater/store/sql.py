"""The SQL store: the ``Store`` contract on SQLite or PostgreSQL through SQLAlchemy Core."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, insert, or_, select, tuple_, update

from headwater.model.states import DagRunState, TaskState
from headwater.store import tables as t
from headwater.store.database import make_engine, migrate
from headwater.store.jobs import JobQueries
from headwater.store.records import DagRunRecord, RunChanges, TaskInstanceRecord, XComRow
from headwater.store.sql_dags import DagQueries
from headwater.store.sql_history import HistoryQueries, append_tries, delete_history
from headwater.store.sql_maintenance import MaintenanceQueries
from headwater.store.sql_serialized import SerializedQueries
from headwater.store.xcom.base import BaseXCom

_TI_FIELDS = (
    "state",
    "try_number",
    "max_tries",
    "operator",
    "start_date",
    "end_date",
    "duration",
    "reason",
    "pass_number",
    "pool",
    "pool_slots",
    "priority_weight",
    "queue",
    "queued_at",
    "queued_by",
    "hostname",
    "pid",
    "heartbeat_at",
    "next_retry_at",
    "decision",
)


_PASS_FIELDS = (
    "state",
    "try_number",
    "max_tries",
    "start_date",
    "end_date",
    "duration",
    "reason",
    "pass_number",
    "queued_at",
    "queued_by",
    "next_retry_at",
    "decision",
)
"""What a pass may change on an instance already stored; where it runs (host, pid, lease) belongs to the
worker, and its pool, priority and queue are fixed when it is created."""


def _ti_row(ti: TaskInstanceRecord) -> dict[str, Any]:
    row = {f: getattr(ti, f) for f in _TI_FIELDS}
    row["state"] = ti.state.value if ti.state is not None else None
    row.update(dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id, map_index=ti.map_index)
    return row


_SCHEDULER_MAY_OVERWRITE = (TaskState.SCHEDULED, TaskState.UP_FOR_RETRY, TaskState.QUEUED)
"""With ``RunChanges.guarded``, the states a pass's write may replace: never a running try's row, never a
recorded end (a worker, a clear or a lost-try declaration may have written it since the scheduler read it)."""


def ti_record(row: Any) -> TaskInstanceRecord:
    """A task-instance row as a record."""
    values = {f: getattr(row, f) for f in _TI_FIELDS}
    values["state"] = TaskState(row.state) if row.state else None
    return TaskInstanceRecord(
        dag_id=row.dag_id, run_id=row.run_id, task_id=row.task_id, map_index=row.map_index, **values
    )


def _run_row(run: DagRunRecord) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "run_type": run.run_type,
        "logical_date": run.logical_date,
        "data_interval_start": run.data_interval_start,
        "data_interval_end": run.data_interval_end,
        "external_trigger": run.external_trigger,
        "conf": run.conf,
        "state": run.state.value,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "reason": run.reason,
        "backfill_id": run.backfill_id,
        "backfill_max_active_runs": run.backfill_max_active_runs,
        "start_order": run.start_order,
    }


def run_record(row: Any) -> DagRunRecord:
    return DagRunRecord(
        dag_id=row.dag_id,
        run_id=row.run_id,
        run_type=row.run_type,
        logical_date=row.logical_date,
        data_interval_start=row.data_interval_start,
        data_interval_end=row.data_interval_end,
        external_trigger=row.external_trigger,
        conf=row.conf or {},
        state=DagRunState(row.state),
        start_date=row.start_date,
        end_date=row.end_date,
        reason=row.reason,
        backfill_id=row.backfill_id,
        backfill_max_active_runs=row.backfill_max_active_runs,
        start_order=row.start_order,
    )


class SqlStore(MaintenanceQueries, JobQueries, DagQueries, SerializedQueries, HistoryQueries):
    """The metadata store on a database; each ``record`` call is one transaction."""

    def __init__(self, url: str, *, xcom_backend: type[BaseXCom] | None = None) -> None:
        self.url = url
        self.xcom_backend = xcom_backend
        """The backend whose ``purge`` runs for XCom rows this store deletes (clears, retries, replaced runs)."""
        self.engine: Engine = make_engine(url)
        migrate(self.engine)
        ti = t.task_instance
        self._update_ti = (
            update(ti)
            .where(
                and_(
                    ti.c.dag_id == bindparam("b_dag_id"),
                    ti.c.run_id == bindparam("b_run_id"),
                    ti.c.task_id == bindparam("b_task_id"),
                    ti.c.map_index == bindparam("b_map_index"),
                )
            )
            .values({f: bindparam(f) for f in _PASS_FIELDS})
        )
        self._update_ti_guarded = self._update_ti.where(
            or_(ti.c.state.is_(None), *(ti.c.state == s.value for s in _SCHEDULER_MAY_OVERWRITE))
        )

    def start_run(self, run: DagRunRecord, instances: list[TaskInstanceRecord], *, replace: bool) -> bool:
        doomed: list[XComRow] = []
        with self.engine.begin() as conn:
            where = and_(t.dag_run.c.dag_id == run.dag_id, t.dag_run.c.run_id == run.run_id)
            existed = conn.execute(select(t.dag_run.c.id).where(where)).first() is not None
            if existed:
                if not replace:
                    raise ValueError(f"DAG {run.dag_id!r} already has a run {run.run_id!r}.")
                doomed = self._delete_xcoms(conn, t.xcom.c.dag_id == run.dag_id, t.xcom.c.run_id == run.run_id)
                for table in (t.task_instance, t.dag_run):
                    conn.execute(delete(table).where(table.c.dag_id == run.dag_id, table.c.run_id == run.run_id))
                delete_history(conn, run.dag_id, run.run_id)
            conn.execute(insert(t.dag_run), [_run_row(run)])
            if instances:
                conn.execute(insert(t.task_instance), [_ti_row(i) for i in instances])
        self._purge(doomed)
        return existed

    def record(self, changes: RunChanges) -> None:
        if not changes:
            return
        dag_id, run_id = changes.dag_id, changes.run_id
        doomed: list[XComRow] = []
        with self.engine.begin() as conn:
            if changes.removed_instances:
                ti = t.task_instance
                conn.execute(
                    delete(ti).where(
                        ti.c.dag_id == dag_id,
                        ti.c.run_id == run_id,
                        tuple_(ti.c.task_id, ti.c.map_index).in_(changes.removed_instances),
                    )
                )
            if changes.instances:
                updates = [
                    {
                        **{f: row[f] for f in _PASS_FIELDS},
                        "b_dag_id": dag_id,
                        "b_run_id": run_id,
                        "b_task_id": row["task_id"],
                        "b_map_index": row["map_index"],
                    }
                    for row in map(_ti_row, changes.instances)
                ]
                conn.execute(self._update_ti_guarded if changes.guarded else self._update_ti, updates)
            if changes.new_instances:
                conn.execute(insert(t.task_instance), [_ti_row(i) for i in changes.new_instances])
            append_tries(conn, dt.datetime.now(dt.UTC), changes.ended_tries)
            if changes.xcoms_cleared:
                x = t.xcom
                doomed = self._delete_xcoms(
                    conn,
                    x.c.dag_id == dag_id,
                    x.c.run_id == run_id,
                    tuple_(x.c.task_id, x.c.map_index).in_(changes.xcoms_cleared),
                )
            if changes.xcoms_added:
                self._insert_xcoms(conn, changes.xcoms_added)
            if changes.run is not None:
                row = _run_row(changes.run)
                where = [t.dag_run.c.dag_id == dag_id, t.dag_run.c.run_id == run_id]
                if changes.guarded:  # a run cleared (queued again) meanwhile keeps its new life
                    where.append(t.dag_run.c.state == DagRunState.RUNNING.value)
                conn.execute(
                    update(t.dag_run)
                    .where(*where)
                    .values(
                        state=row["state"], end_date=row["end_date"], start_date=row["start_date"], reason=row["reason"]
                    )
                )
        self._purge(doomed)

    def get_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.dag_run).where(t.dag_run.c.dag_id == dag_id, t.dag_run.c.run_id == run_id)
            ).first()
        return run_record(row) if row else None

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        ti = t.task_instance
        with self.engine.connect() as conn:
            rows = conn.execute(select(ti).where(ti.c.dag_id == dag_id, ti.c.run_id == run_id)).all()
        return [ti_record(r) for r in rows]

    def xcoms(self, dag_id: str, run_id: str) -> list[XComRow]:
        x = t.xcom
        with self.engine.connect() as conn:
            rows = conn.execute(select(x).where(x.c.dag_id == dag_id, x.c.run_id == run_id)).all()
        return [XComRow(r.dag_id, r.run_id, r.task_id, r.map_index, r.key, r.value, r.timestamp) for r in rows]

    def last_successful_run(self, dag_id: str, before: dt.datetime) -> DagRunRecord | None:
        r = t.dag_run
        with self.engine.connect() as conn:
            row = conn.execute(
                select(r)
                .where(r.c.dag_id == dag_id, r.c.state == DagRunState.SUCCESS.value, r.c.logical_date < before)
                .order_by(r.c.logical_date.desc())
                .limit(1)
            ).first()
        return run_record(row) if row else None

    def record_import_error(self, filename: str, message: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(t.import_error).where(t.import_error.c.filename == filename))
            conn.execute(insert(t.import_error), [{"filename": filename, "stacktrace": message, "timestamp": now}])

    def clear_import_error(self, filename: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.import_error).where(t.import_error.c.filename == filename))

    def import_errors(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.filename: r.stacktrace for r in conn.execute(select(t.import_error))}

    def close(self) -> None:
        self.engine.dispose()
