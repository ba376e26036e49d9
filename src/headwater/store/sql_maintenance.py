"""Keeping the metadata DB small: ``db clean`` deletes finished history older than a date.

What the scheduler still needs is kept: runs that are not finished, and each DAG's latest scheduled
or backfill run (the schedule continues from it; without it, catch-up would create the deleted runs
again). Offloaded XCom data goes with its rows, through the backend's ``purge``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, delete, func, select

from headwater.model.states import DagRunState
from headwater.store import tables as t
from headwater.store.records import XComRow
from headwater.store.sql_scheduling import SchedulingQueries

_FINISHED = (DagRunState.SUCCESS.value, DagRunState.FAILED.value)


@dataclass
class CleanReport:
    runs: list[tuple[str, str]] = field(default_factory=list)
    """The (dag id, run id) of every run deleted."""
    task_instances: int = 0
    xcoms: int = 0
    """XCom rows deleted, those of the deleted runs included."""


class MaintenanceQueries(SchedulingQueries):
    def clean(self, older_than: dt.datetime, *, dry_run: bool = False) -> CleanReport:
        """Delete finished runs that ended before ``older_than`` (with their task instances and XComs),
        and XComs written before it in other finished runs. With ``dry_run``, only count."""
        r, ti, x = t.dag_run, t.task_instance, t.xcom
        report = CleanReport()
        doomed: list[XComRow] = []
        with self.engine.begin() as conn:
            kept = _latest_automated_runs(conn)
            old_runs = conn.execute(
                select(r.c.dag_id, r.c.run_id).where(
                    r.c.state.in_(_FINISHED), func.coalesce(r.c.end_date, r.c.logical_date) < older_than
                )
            ).all()
            report.runs = [(row.dag_id, row.run_id) for row in old_runs if (row.dag_id, row.run_id) not in kept]
            finished_runs = select(r.c.dag_id, r.c.run_id).where(r.c.state.in_(_FINISHED)).subquery()
            in_finished_run = (
                select(finished_runs.c.run_id)
                .where(finished_runs.c.dag_id == x.c.dag_id, finished_runs.c.run_id == x.c.run_id)
                .exists()
            )
            old_xcoms = (in_finished_run, x.c.timestamp < older_than)
            report.xcoms = conn.execute(select(func.count()).select_from(x).where(*old_xcoms)).scalar_one()
            for dag_id, run_id in report.runs:
                of_run = (x.c.dag_id == dag_id, x.c.run_id == run_id, x.c.timestamp >= older_than)
                report.xcoms += conn.execute(select(func.count()).select_from(x).where(*of_run)).scalar_one()
                report.task_instances += conn.execute(
                    select(func.count()).select_from(ti).where(ti.c.dag_id == dag_id, ti.c.run_id == run_id)
                ).scalar_one()
            if dry_run:
                conn.rollback()
                return report
            doomed = self._delete_xcoms(conn, *old_xcoms)
            for dag_id, run_id in report.runs:
                doomed += self._delete_xcoms(conn, x.c.dag_id == dag_id, x.c.run_id == run_id)
                for table in (t.task_instance, t.dag_run, t.task_instance_history):
                    conn.execute(delete(table).where(table.c.dag_id == dag_id, table.c.run_id == run_id))
        self._purge(doomed)
        return report


def _latest_automated_runs(conn: Connection) -> set[tuple[str, str]]:
    r = t.dag_run
    latest = (
        select(r.c.dag_id, func.max(r.c.logical_date).label("logical_date"))
        .where(r.c.run_type.in_(("scheduled", "backfill")))
        .group_by(r.c.dag_id)
        .subquery()
    )
    rows = conn.execute(
        select(r.c.dag_id, r.c.run_id).join(
            latest, and_(r.c.dag_id == latest.c.dag_id, r.c.logical_date == latest.c.logical_date)
        )
    ).all()
    return {(row.dag_id, row.run_id) for row in rows}
