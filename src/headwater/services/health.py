"""Is a scheduler (or another long-running job) alive: its heartbeat is recent enough."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the CLI at start-up for JOB_TYPES: nothing heavy at module level
    from headwater.services.context import ServiceContext
    from headwater.store.jobs import JobRecord

JOB_TYPES = ("BackfillJob", "LocalTaskJob", "SchedulerJob", "TriggererJob", "DagProcessorJob")
"""Airflow's job types; headwater records ``SchedulerJob`` (the others are accepted and never alive)."""


@dataclass
class JobsHealth:
    """The running jobs whose heartbeat is within ``threshold`` seconds of ``now``, and the latest job
    of any state (to say what became of it when none is alive)."""

    alive: list[JobRecord]
    latest: JobRecord | None
    threshold: float
    now: dt.datetime


def check_jobs(
    ctx: ServiceContext,
    *,
    job_type: str | None = None,
    hostname: str | None = None,
    limit: int = 1,
    now: dt.datetime | None = None,
) -> JobsHealth:
    """Which of the ``limit`` most recent running jobs (0: all) of the type and host are alive, by
    ``[scheduler] scheduler_health_check_threshold``."""
    from headwater.store.jobs import is_alive

    threshold = ctx.settings.scheduler_health_check_threshold
    running = ctx.store.latest_jobs(job_type=job_type, hostname=hostname, limit=limit)
    latest = ctx.store.latest_jobs(job_type=job_type, hostname=hostname, state=None, limit=1)
    at = now or dt.datetime.now(dt.UTC)
    alive = [job for job in running if is_alive(job, now=at, threshold=threshold)]
    return JobsHealth(alive, latest[0] if latest else None, threshold, at)
