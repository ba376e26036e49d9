"""This scheduler's row in the ``job`` table: recorded when it starts, its heartbeat renewed every
``[scheduler] scheduler_heartbeat_sec`` while its loop makes progress, and its end recorded when it stops
(``success`` for a deliberate shutdown, ``failed`` for an error)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

from headwater.config import Settings
from headwater.store.jobs import SCHEDULER_JOB, JobState
from headwater.store.sql import SqlStore

log = logging.getLogger("headwater.scheduler")


class SchedulerJob:
    def __init__(self, settings: Settings, store: SqlStore, *, hostname: str) -> None:
        self.settings, self.store, self.hostname = settings, store, hostname
        self.id: int | None = None
        self._next_beat = 0.0

    def begin(self, now: dt.datetime) -> None:
        """Record this scheduler as running (once; again if its row was ended by someone else)."""
        if self.id is not None:
            return
        self.id = self.store.start_job(
            SCHEDULER_JOB,
            hostname=self.hostname,
            pid=os.getpid(),
            executor_class=self.settings.executor,
            now=now,
            stale_after=self.settings.scheduler_health_check_threshold,
        )
        self._next_beat = time.monotonic() + self.settings.scheduler_heartbeat_sec

    def beat(self, now: dt.datetime) -> None:
        """Renew the heartbeat when it is due."""
        if self.id is None:
            self.begin(now)
            return
        if time.monotonic() < self._next_beat:
            return
        if not self.store.job_heartbeat(self.id, now=now):
            log.warning("This scheduler's job row %d was ended or removed from outside; recording a new one.", self.id)
            self.id = None
            self.begin(now)
            return
        self._next_beat = time.monotonic() + self.settings.scheduler_heartbeat_sec

    def end(self, state: JobState, now: dt.datetime) -> None:
        if self.id is not None:
            self.store.end_job(self.id, state=state, now=now)
            self.id = None
