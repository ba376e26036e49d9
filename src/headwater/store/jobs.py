"""Long-running processes and their heartbeats, as Airflow's ``job`` table keeps them.

A scheduler records itself when it starts, renews ``latest_heartbeat`` while its loop makes progress,
and records how it ended. ``headwater jobs check`` (and a health endpoint) ask ``latest_jobs`` and
decide with ``is_alive``: a job is alive while it says it runs and its heartbeat is recent. A process
killed outright leaves its row ``running`` with a heartbeat that grows old, which is what the check sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import replace as _copy
from enum import Enum

from sqlalchemy import Engine, insert, select, update

from headwater.store import tables as t

SCHEDULER_JOB = "SchedulerJob"
"""Airflow's name for a scheduler's job type."""


class JobState(str, Enum):
    """Airflow's job states, as stored."""

    RUNNING = "running"
    SUCCESS = "success"
    """Ended by a deliberate shutdown."""
    FAILED = "failed"
    """Ended by an error, or found dead (a heartbeat long gone) by the next job of its type."""


@dataclass
class JobRecord:
    id: int
    job_type: str
    state: JobState
    hostname: str | None
    pid: int | None
    executor_class: str | None
    start_date: dt.datetime
    end_date: dt.datetime | None
    latest_heartbeat: dt.datetime


def is_alive(job: JobRecord, *, now: dt.datetime, threshold: float) -> bool:
    """Whether a job runs and beat within the last ``threshold`` seconds."""
    return job.state is JobState.RUNNING and (now - job.latest_heartbeat).total_seconds() < threshold


class JobQueries:
    """Mixed into ``SqlStore``."""

    engine: Engine

    def start_job(
        self, job_type: str, *, hostname: str, pid: int, executor_class: str, now: dt.datetime, stale_after: float
    ) -> int:
        """Record a job that starts now; returns its id. Earlier jobs of the type still marked running
        whose heartbeat is older than ``stale_after`` seconds died without saying so: they are marked failed."""
        j = t.job
        with self.engine.begin() as conn:
            conn.execute(
                update(j)
                .where(
                    j.c.job_type == job_type,
                    j.c.state == JobState.RUNNING.value,
                    j.c.latest_heartbeat < now - dt.timedelta(seconds=stale_after),
                )
                .values(state=JobState.FAILED.value, end_date=j.c.latest_heartbeat)
            )
            found = conn.execute(
                insert(j)
                .values(
                    job_type=job_type,
                    state=JobState.RUNNING.value,
                    hostname=hostname,
                    pid=pid,
                    executor_class=executor_class,
                    start_date=now,
                    latest_heartbeat=now,
                )
                .returning(j.c.id)
            )
            return int(found.scalar_one())

    def job_heartbeat(self, job_id: int, *, now: dt.datetime) -> bool:
        """Renew a running job's heartbeat; False when the row is gone or no longer running."""
        j = t.job
        with self.engine.begin() as conn:
            done = conn.execute(
                update(j).where(j.c.id == job_id, j.c.state == JobState.RUNNING.value).values(latest_heartbeat=now)
            )
        return bool(done.rowcount)

    def end_job(self, job_id: int, *, state: JobState, now: dt.datetime) -> None:
        j = t.job
        with self.engine.begin() as conn:
            conn.execute(update(j).where(j.c.id == job_id).values(state=state.value, end_date=now))

    def latest_jobs(
        self,
        *,
        job_type: str | None = None,
        hostname: str | None = None,
        state: JobState | None = JobState.RUNNING,
        limit: int = 1,
    ) -> list[JobRecord]:
        """Jobs with the newest heartbeat first (``limit`` 0: all), filtered by type, host and state."""
        j = t.job
        query = select(j).order_by(j.c.latest_heartbeat.desc(), j.c.id.desc())
        if job_type is not None:
            query = query.where(j.c.job_type == job_type)
        if hostname is not None:
            query = query.where(j.c.hostname == hostname)
        if state is not None:
            query = query.where(j.c.state == state.value)
        if limit > 0:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            JobRecord(
                id=r.id,
                job_type=r.job_type,
                state=JobState(r.state),
                hostname=r.hostname,
                pid=r.pid,
                executor_class=r.executor_class,
                start_date=r.start_date,
                end_date=r.end_date,
                latest_heartbeat=r.latest_heartbeat,
            )
            for r in rows
        ]


class MemoryJobs:
    """The same for ``MemoryStore``."""

    def __init__(self) -> None:
        self.jobs: dict[int, JobRecord] = {}

    def start_job(
        self, job_type: str, *, hostname: str, pid: int, executor_class: str, now: dt.datetime, stale_after: float
    ) -> int:
        for job in self.jobs.values():
            stale = (now - job.latest_heartbeat).total_seconds() > stale_after
            if job.job_type == job_type and job.state is JobState.RUNNING and stale:
                job.state, job.end_date = JobState.FAILED, job.latest_heartbeat
        job_id = len(self.jobs) + 1
        self.jobs[job_id] = JobRecord(job_id, job_type, JobState.RUNNING, hostname, pid, executor_class, now, None, now)
        return job_id

    def job_heartbeat(self, job_id: int, *, now: dt.datetime) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.state is not JobState.RUNNING:
            return False
        job.latest_heartbeat = now
        return True

    def end_job(self, job_id: int, *, state: JobState, now: dt.datetime) -> None:
        job = self.jobs.get(job_id)
        if job is not None:
            job.state, job.end_date = state, now

    def latest_jobs(
        self,
        *,
        job_type: str | None = None,
        hostname: str | None = None,
        state: JobState | None = JobState.RUNNING,
        limit: int = 1,
    ) -> list[JobRecord]:
        found = [
            _copy(job)
            for job in self.jobs.values()
            if (job_type is None or job.job_type == job_type)
            and (hostname is None or job.hostname == hostname)
            and (state is None or job.state is state)
        ]
        found.sort(key=lambda job: (job.latest_heartbeat, job.id), reverse=True)
        return found[:limit] if limit > 0 else found
