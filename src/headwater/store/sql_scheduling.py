"""The scheduler's queries: DAGs and pause flags, pools, runs by state, and the guarded task-instance
transitions that make a try run at most once however often it is delivered.

Every transition a worker makes is conditional on the row still being the try it was given (same
try number, same queuing scheduler, still queued or running): a try that was cleared, declared lost
or already finished is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, or_, select, text, tuple_, update

from headwater.model.states import DagRunState, TaskState
from headwater.store import tables as t
from headwater.store.records import DagRunRecord, TaskInstanceRecord, XComRow
from headwater.store.sql_dags import DEFAULT_POOL, DagEntry  # noqa: F401 - where callers found them before
from headwater.store.sql_history import archive_tries, archive_try
from headwater.store.sql_runs import RunQueries
from headwater.store.xcom.base import BaseXCom, purge_rows, purges
from headwater.store.xcom.codec import REFERENCE_PREFIX

_STREAM_BLOBS_ABOVE = 8 * 1024 * 1024
_STREAM_CHUNK = 4 * 1024 * 1024

ACTIVE_TI_STATES = (TaskState.QUEUED.value, TaskState.RUNNING.value)


@dataclass(frozen=True)
class TryEnd:
    """A worker's report of how a try ended, written in one transaction with its XComs and skips."""

    state: TaskState
    reason: str
    end_date: dt.datetime
    duration: float
    next_retry_at: dt.datetime | None
    xcoms: Sequence[XComRow]
    skipped: Sequence[tuple[str, int, str, dict[str, Any] | None]]
    """Instances the try skipped (branch, short-circuit): task id, map index, reason, decision."""


@dataclass(frozen=True)
class TryLease:
    """An instance's current try as its row shows it: who claimed it and when it last renewed its lease."""

    state: TaskState | None
    try_number: int
    queued_by: str | None
    hostname: str | None
    pid: int | None
    heartbeat_at: dt.datetime | None


_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def _ti_key(dag_id: str, run_id: str, task_id: str, map_index: int) -> Any:
    ti = t.task_instance
    return and_(ti.c.dag_id == dag_id, ti.c.run_id == run_id, ti.c.task_id == task_id, ti.c.map_index == map_index)


def _key_params(key: tuple[str, str, str, int]) -> dict[str, Any]:
    return {"b_dag_id": key[0], "b_run_id": key[1], "b_task_id": key[2], "b_map_index": key[3]}


class _HotStatements:
    """The statements a worker runs for every try, built once (building a statement costs more than
    running it on SQLite)."""

    def __init__(self) -> None:
        ti = t.task_instance
        key = and_(
            ti.c.dag_id == bindparam("b_dag_id"),
            ti.c.run_id == bindparam("b_run_id"),
            ti.c.task_id == bindparam("b_task_id"),
            ti.c.map_index == bindparam("b_map_index"),
        )
        running = and_(key, ti.c.state == TaskState.RUNNING.value, ti.c.try_number == bindparam("b_try"))
        waiting = (None, TaskState.SCHEDULED.value, TaskState.UP_FOR_RETRY.value)
        self.begin_try = (
            update(ti)
            .where(
                key,
                or_(
                    # handed over straight from the scheduler's memory: the row still shows the last try
                    and_(
                        or_(ti.c.state.is_(None), ti.c.state.in_(waiting[1:])),
                        ti.c.try_number == bindparam("b_try") - 1,
                    ),
                    # recorded as queued first (a message that may wait in a broker)
                    and_(
                        ti.c.state == TaskState.QUEUED.value,
                        ti.c.try_number == bindparam("b_try"),
                        ti.c.queued_by.is_not_distinct_from(bindparam("b_queued_by", type_=ti.c.queued_by.type)),
                    ),
                ),
            )
            .values(
                try_number=bindparam("b_try"),
                queued_by=bindparam("b_queued_by", type_=ti.c.queued_by.type),
                state=bindparam("state"),
                start_date=bindparam("start_date"),
                hostname=bindparam("hostname"),
                pid=bindparam("pid"),
                heartbeat_at=bindparam("heartbeat_at"),
            )
        )
        self.heartbeat = (
            update(ti).where(running, ti.c.pid == bindparam("b_pid")).values(heartbeat_at=bindparam("heartbeat_at"))
        )
        ending: dict[str, Any] = {
            "state": bindparam("state"),
            "reason": bindparam("reason"),
            "end_date": bindparam("end_date"),
            "duration": bindparam("duration"),
            "next_retry_at": bindparam("next_retry_at"),
            "heartbeat_at": None,
            "decision": None,
        }
        self.end_try = update(ti).where(running, ti.c.pid == bindparam("b_pid")).values(ending)
        self.end_try_any_pid = update(ti).where(running).values(ending)
        self.skip = (
            update(ti)
            .where(key, or_(ti.c.state.is_(None), ti.c.state != TaskState.RUNNING.value))
            .values(
                state=TaskState.SKIPPED.value,
                reason=bindparam("reason"),
                decision=bindparam("decision"),
                start_date=bindparam("start_date"),
                end_date=bindparam("end_date"),
                duration=0.0,
            )
        )


_HOT = _HotStatements()


class SchedulingQueries(RunQueries):
    """Mixed into ``SqlStore``: what the scheduler, the workers and the CLI's control commands ask."""

    engine: Engine
    xcom_backend: type[BaseXCom] | None

    def _delete_xcoms(self, conn: Connection, *where: Any) -> list[XComRow]:
        """Delete XCom rows; returns those whose data lives elsewhere and must be purged once this commits:
        every row for a backend with a ``purge`` of its own, else only offload references (found by their
        prefix, so no other value is read). One statement each, so a row written meanwhile is either
        deleted and returned or left alone."""
        x = t.xcom
        if self.xcom_backend is not None and purges(self.xcom_backend):
            found = conn.execute(delete(x).where(*where).returning(*x.c)).all()
        else:
            is_reference = func.substr(x.c.value, 1, len(REFERENCE_PREFIX)) == REFERENCE_PREFIX
            found = conn.execute(delete(x).where(*where, is_reference).returning(*x.c)).all()
            conn.execute(delete(x).where(*where))
        return [XComRow(r.dag_id, r.run_id, r.task_id, r.map_index, r.key, r.value, r.timestamp) for r in found]

    def _insert_xcoms(self, conn: Connection, rows: Sequence[XComRow]) -> None:
        """Insert XCom rows. On SQLite a large value is streamed into a blob of its size instead of being
        bound whole, which would make SQLite copy it twice (the bound value, then the record)."""
        streamed = [r for r in rows if conn.dialect.name == "sqlite" and len(r.value) > _STREAM_BLOBS_ABOVE]
        bound = [r.__dict__ for r in rows if len(r.value) <= _STREAM_BLOBS_ABOVE or conn.dialect.name != "sqlite"]
        if bound:
            conn.execute(insert(t.xcom), bound)
        for row in streamed:
            inserted = conn.execute(insert(t.xcom).values({**row.__dict__, "value": func.zeroblob(len(row.value))}))
            view = memoryview(row.value)
            sqlite: Any = conn.connection.driver_connection
            with sqlite.blobopen("xcom", "value", inserted.lastrowid) as blob:
                for start in range(0, len(view), _STREAM_CHUNK):
                    blob.write(view[start : start + _STREAM_CHUNK])

    def _purge(self, rows: Sequence[XComRow]) -> None:
        """After the deletion is committed: a failed commit leaves both the rows and their data."""
        if rows:
            purge_rows(self.xcom_backend or BaseXCom, rows)

    # -- task instances --------------------------------------------------------------------------

    def active_instances(self) -> list[TaskInstanceRecord]:
        """Every queued or running instance: what a starting scheduler must adopt or declare lost."""
        from headwater.store.sql import ti_record

        ti = t.task_instance
        with self.engine.connect() as conn:
            rows = conn.execute(select(ti).where(ti.c.state.in_(ACTIVE_TI_STATES))).all()
        return [ti_record(r) for r in rows]

    def instance(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> TaskInstanceRecord | None:
        from headwater.store.sql import ti_record

        with self.engine.connect() as conn:
            row = conn.execute(select(t.task_instance).where(_ti_key(dag_id, run_id, task_id, map_index))).first()
        return ti_record(row) if row is not None else None

    def begin_try(
        self,
        key: tuple[str, str, str, int],
        *,
        try_number: int,
        queued_by: str | None,
        hostname: str,
        pid: int,
        now: dt.datetime,
    ) -> bool:
        """Mark a queued try running in this process; False when it is no longer the try that was queued
        (cleared, run elsewhere, declared lost): the caller must not run it."""
        params = {**_key_params(key), "b_try": try_number, "b_queued_by": queued_by}
        values = {"state": TaskState.RUNNING.value, "start_date": now, "hostname": hostname, "pid": pid}
        with self.engine.begin() as conn:
            done = conn.execute(_HOT.begin_try, {**params, **values, "heartbeat_at": now})
        return bool(done.rowcount)

    def heartbeat(self, key: tuple[str, str, str, int], *, try_number: int, pid: int, now: dt.datetime) -> bool:
        """Renew the lease of a running try; False when the try is no longer this process's."""
        with self.engine.begin() as conn:
            done = conn.execute(
                _HOT.heartbeat, {**_key_params(key), "b_try": try_number, "b_pid": pid, "heartbeat_at": now}
            )
        return bool(done.rowcount)

    def end_try(
        self,
        key: tuple[str, str, str, int],
        *,
        try_number: int,
        pid: int | None,
        end: TryEnd,
        notify: tuple[str, str] | None = None,
    ) -> bool:
        """Record how a running try ended, with its XComs and the skips it caused, in one transaction;
        False (and nothing written) when the try is no longer this process's running try.

        ``notify`` is a PostgreSQL channel and payload sent in the same transaction: listeners hear of
        the end exactly when it is committed, never before and never for a write that was rolled back."""
        dag_id, run_id, _, _ = key
        params = {
            **_key_params(key),
            "b_try": try_number,
            "b_pid": pid,
            "state": end.state.value,
            "reason": end.reason,
            "end_date": end.end_date,
            "duration": end.duration,
            "next_retry_at": end.next_retry_at,
        }
        doomed: list[XComRow] = []
        with self.engine.begin() as conn:
            done = conn.execute(_HOT.end_try if pid is not None else _HOT.end_try_any_pid, params)
            if not done.rowcount:
                conn.rollback()
                return False
            archive_try(conn, end.end_date, key)
            if try_number > 1:  # an earlier try's values go (a cleared instance's went when it was cleared)
                x = t.xcom
                doomed = self._delete_xcoms(
                    conn, x.c.dag_id == key[0], x.c.run_id == key[1], x.c.task_id == key[2], x.c.map_index == key[3]
                )
            if end.xcoms:
                self._insert_xcoms(conn, end.xcoms)
            for target, index, reason, decision in end.skipped:
                conn.execute(
                    _HOT.skip,
                    {
                        **_key_params((dag_id, run_id, target, index)),
                        "reason": reason,
                        "decision": decision,
                        "start_date": end.end_date,
                        "end_date": end.end_date,
                    },
                )
            if notify is not None:
                conn.execute(_NOTIFY, {"channel": notify[0], "payload": notify[1]})
        self._purge(doomed)
        return True

    def notify(self, channel: str, payload: str) -> None:
        """Send a PostgreSQL notification on its own (a try a worker did not run, say)."""
        with self.engine.begin() as conn:
            conn.execute(_NOTIFY, {"channel": channel, "payload": payload})

    def try_leases(self, keys: Iterable[tuple[str, str, str, int]]) -> dict[tuple[str, str, str, int], TryLease]:
        """Where the given instances' tries stand: what an executor checks its in-flight tries against."""
        ti = t.task_instance
        wanted = list(keys)
        found: dict[tuple[str, str, str, int], TryLease] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = conn.execute(
                    select(
                        ti.c.dag_id,
                        ti.c.run_id,
                        ti.c.task_id,
                        ti.c.map_index,
                        ti.c.state,
                        ti.c.try_number,
                        ti.c.queued_by,
                        ti.c.hostname,
                        ti.c.pid,
                        ti.c.heartbeat_at,
                    ).where(tuple_(ti.c.dag_id, ti.c.run_id, ti.c.task_id, ti.c.map_index).in_(chunk))
                )
                for r in rows:
                    found[(r.dag_id, r.run_id, r.task_id, r.map_index)] = TryLease(
                        TaskState(r.state) if r.state else None,
                        r.try_number,
                        r.queued_by,
                        r.hostname,
                        r.pid,
                        r.heartbeat_at,
                    )
        return found

    def skip_running(
        self, dag_id: str, run_id: str, keys: Iterable[tuple[str, int]], *, reason: str, now: dt.datetime
    ) -> None:
        """Skip instances still running (a run past its ``dagrun_timeout``): their tries are being stopped,
        and a try that ended meanwhile keeps its own outcome."""
        ti = t.task_instance
        with self.engine.begin() as conn:
            for task_id, map_index in keys:
                done = conn.execute(
                    update(ti)
                    .where(_ti_key(dag_id, run_id, task_id, map_index), ti.c.state == TaskState.RUNNING.value)
                    .values(state=TaskState.SKIPPED.value, reason=reason, end_date=now, heartbeat_at=None)
                )
                if done.rowcount:
                    archive_try(conn, now, (dag_id, run_id, task_id, map_index))

    def end_lost_try(
        self,
        key: tuple[str, str, str, int],
        *,
        try_number: int,
        state: TaskState,
        reason: str,
        now: dt.datetime,
        next_retry_at: dt.datetime | None,
    ) -> TaskInstanceRecord | None:
        """Declare a queued or running try lost; returns the instance as it now stands (a try that
        finished meanwhile keeps its own outcome: a success is never overwritten)."""
        ti = t.task_instance
        with self.engine.begin() as conn:
            done = conn.execute(
                update(ti)
                .where(_ti_key(*key), ti.c.state.in_(ACTIVE_TI_STATES), ti.c.try_number == try_number)
                .values(state=state.value, reason=reason, end_date=now, next_retry_at=next_retry_at, heartbeat_at=None)
            )
            if done.rowcount:
                archive_try(conn, now, key)
        return self.instance(*key)

    def requeue_unstarted(self, key: tuple[str, str, str, int], *, try_number: int) -> bool:
        """Give back a try that was queued but never started: it will be queued again with the same
        number (a try that never ran does not use up a retry)."""
        ti = t.task_instance
        with self.engine.begin() as conn:
            done = conn.execute(
                update(ti)
                .where(_ti_key(*key), ti.c.state == TaskState.QUEUED.value, ti.c.try_number == try_number)
                .values(state=None, try_number=try_number - 1, queued_by=None, queued_at=None)
            )
        return bool(done.rowcount)

    def task_states(self, dag_id: str, run_id: str, task_ids: Iterable[str]) -> dict[str, list[TaskState | None]]:
        """The states of every instance of these tasks in one run."""
        ti = t.task_instance
        found: dict[str, list[TaskState | None]] = {}
        query = select(ti.c.task_id, ti.c.state).where(
            ti.c.dag_id == dag_id, ti.c.run_id == run_id, ti.c.task_id.in_(list(task_ids))
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found.setdefault(row.task_id, []).append(TaskState(row.state) if row.state else None)
        return found

    def clear_instances(
        self,
        run: DagRunRecord,
        retries: dict[str, int],
        *,
        mapped: Iterable[str] = (),
        backfill: tuple[str, int | None, int] | None = None,
    ) -> int:
        """Reset the instances of the tasks in ``retries`` (task id -> its ``retries``) so they run again:
        no state, their XComs deleted, as many retries as a fresh instance; a mapped task goes back to
        one unexpanded instance. The run is queued again (the scheduler picks it up), optionally as part
        of a backfill. Returns how many instances were reset."""
        ti, x, r = t.task_instance, t.xcom, t.dag_run
        task_ids = list(retries)
        mapped = [m for m in mapped if m in retries]
        of_run = and_(ti.c.dag_id == run.dag_id, ti.c.run_id == run.run_id)
        with self.engine.begin() as conn:
            found = conn.execute(
                select(ti.c.task_id, ti.c.map_index, ti.c.try_number).where(of_run, ti.c.task_id.in_(task_ids))
            ).all()
            archive_tries(conn, dt.datetime.now(dt.UTC), of_run, ti.c.task_id.in_(task_ids))  # a try under way too
            of_tasks = (x.c.dag_id == run.dag_id, x.c.run_id == run.run_id, x.c.task_id.in_(task_ids))
            doomed = self._delete_xcoms(conn, *of_tasks)
            if mapped:
                conn.execute(delete(ti).where(of_run, ti.c.task_id.in_(mapped), ti.c.map_index >= 0))
            for row in found:
                if row.task_id in mapped and row.map_index >= 0:
                    continue
                conn.execute(
                    update(ti)
                    .where(of_run, ti.c.task_id == row.task_id, ti.c.map_index == row.map_index)
                    .values(
                        state=None,
                        reason="cleared",
                        decision=None,
                        max_tries=row.try_number + retries[row.task_id],
                        start_date=None,
                        end_date=None,
                        duration=None,
                        next_retry_at=None,
                        queued_by=None,
                        queued_at=None,
                        hostname=None,
                        pid=None,
                        heartbeat_at=None,
                    )
                )
            for task_id in mapped:  # a mapped task that had expanded: its placeholder comes back
                if not any(row.task_id == task_id and row.map_index < 0 for row in found):
                    tries = max((row.try_number for row in found if row.task_id == task_id), default=0)
                    conn.execute(
                        insert(ti).values(
                            dag_id=run.dag_id,
                            run_id=run.run_id,
                            task_id=task_id,
                            map_index=-1,
                            state=None,
                            try_number=tries,
                            max_tries=tries + retries[task_id],
                            reason="cleared",
                        )
                    )
            values: dict[str, Any] = {"state": DagRunState.QUEUED.value, "end_date": None}
            if run.state in (DagRunState.SUCCESS, DagRunState.FAILED):  # a new life: its timeout counts afresh
                values["start_date"] = None
            if backfill is not None:
                values.update(backfill_id=backfill[0], backfill_max_active_runs=backfill[1], start_order=backfill[2])
            conn.execute(update(r).where(r.c.dag_id == run.dag_id, r.c.run_id == run.run_id).values(values))
        self._purge(doomed)
        return len(found)

    def xcoms_of(self, dag_id: str, run_id: str, task_id: str | None) -> list[XComRow]:
        """The stored XComs of one task of a run (every task's with ``None``)."""
        x = t.xcom
        query = select(x).where(x.c.dag_id == dag_id, x.c.run_id == run_id)
        if task_id is not None:
            query = query.where(x.c.task_id == task_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [XComRow(r.dag_id, r.run_id, r.task_id, r.map_index, r.key, r.value, r.timestamp) for r in rows]

    def count_instances(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.task_instance)).scalar_one())
