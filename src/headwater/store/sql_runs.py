"""DAG runs as the scheduler and the control commands look them up and set their state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, and_, select, update

from headwater.model.states import DagRunState
from headwater.store import tables as t
from headwater.store.records import DagRunRecord


class RunQueries:
    """Mixed into ``SqlStore`` (through ``SchedulingQueries``): runs by DAG, state and logical date."""

    engine: Engine

    # -- runs ------------------------------------------------------------------------------------

    def runs(
        self, dag_id: str | None = None, states: Iterable[DagRunState] | None = None, *, limit: int | None = None
    ) -> list[DagRunRecord]:
        """Runs, newest logical date first."""
        from headwater.store.sql import run_record

        r = t.dag_run
        query = select(r).order_by(r.c.logical_date.desc(), r.c.id.desc())
        if dag_id is not None:
            query = query.where(r.c.dag_id == dag_id)
        if states is not None:
            query = query.where(r.c.state.in_([s.value for s in states]))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [run_record(row) for row in conn.execute(query)]

    def latest_automated_run(self, dag_id: str) -> DagRunRecord | None:
        """The scheduled or backfill run with the latest logical date: where the schedule continues from."""
        from headwater.store.sql import run_record

        r = t.dag_run
        query = (
            select(r)
            .where(r.c.dag_id == dag_id, r.c.run_type.in_(("scheduled", "backfill")))
            .order_by(r.c.logical_date.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return run_record(row) if row is not None else None

    def run_at(self, dag_id: str, logical_date: dt.datetime) -> DagRunRecord | None:
        from headwater.store.sql import run_record

        r = t.dag_run
        with self.engine.connect() as conn:
            row = conn.execute(select(r).where(r.c.dag_id == dag_id, r.c.logical_date == logical_date)).first()
        return run_record(row) if row is not None else None

    def set_run_state(
        self, dag_id: str, run_id: str, state: DagRunState, *, start_date: dt.datetime | None = None
    ) -> None:
        r = t.dag_run
        values: dict[str, Any] = {"state": state.value}
        if start_date is not None:
            values["start_date"] = start_date
        if state in (DagRunState.QUEUED, DagRunState.RUNNING):
            values["end_date"] = None
        with self.engine.begin() as conn:
            conn.execute(update(r).where(r.c.dag_id == dag_id, r.c.run_id == run_id).values(values))

    def previous_run(self, dag_id: str, logical_date: dt.datetime, *, include_manual: bool) -> DagRunRecord | None:
        """The run with the latest logical date before ``logical_date`` (manual ones only if asked)."""
        from headwater.store.sql import run_record

        r = t.dag_run
        query = select(r).where(r.c.dag_id == dag_id, r.c.logical_date < logical_date)
        if not include_manual:
            query = query.where(r.c.run_type != "manual")
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(r.c.logical_date.desc()).limit(1)).first()
        return run_record(row) if row is not None else None

    def ran_before(self, dag_id: str, task_id: str, logical_date: dt.datetime) -> bool:
        """Whether the task has an instance in any run earlier than ``logical_date``."""
        ti, r = t.task_instance, t.dag_run
        query = (
            select(ti.c.task_id)
            .join(r, and_(r.c.dag_id == ti.c.dag_id, r.c.run_id == ti.c.run_id))
            .where(ti.c.dag_id == dag_id, ti.c.task_id == task_id, r.c.logical_date < logical_date)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def runs_between(self, dag_id: str, start: dt.datetime, end: dt.datetime) -> list[DagRunRecord]:
        """Runs whose logical date is within [start, end], oldest first."""
        from headwater.store.sql import run_record

        r = t.dag_run
        query = (
            select(r)
            .where(r.c.dag_id == dag_id, r.c.logical_date >= start, r.c.logical_date <= end)
            .order_by(r.c.logical_date)
        )
        with self.engine.connect() as conn:
            return [run_record(row) for row in conn.execute(query)]
