"""The jobs part of the store (``headwater.store.jobs``), written once and run against MemoryStore,
SqlStore on SQLite and SqlStore on PostgreSQL (a database of the test's own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headwater.store import MemoryStore
from headwater.store.jobs import SCHEDULER_JOB, JobState, is_alive
from headwater.store.sql import SqlStore

T0 = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = (
        f"sqlite:///{tmp_path / 'jobs.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_database")
    )
    opened = SqlStore(url)
    yield opened
    opened.close()


def _start(store: Any, pid: int, now: dt.datetime, *, hostname: str = "h1") -> int:
    job_id: int = store.start_job(
        SCHEDULER_JOB, hostname=hostname, pid=pid, executor_class="LocalExecutor", now=now, stale_after=30
    )
    return job_id


def test_a_started_job_runs_with_its_heartbeat_at_its_start(store: Any) -> None:
    job_id = _start(store, 7, at(0))

    [job] = store.latest_jobs(job_type=SCHEDULER_JOB)

    assert (job.id, job.state, job.hostname, job.pid, job.executor_class) == (
        job_id,
        JobState.RUNNING,
        "h1",
        7,
        "LocalExecutor",
    )
    assert job.start_date == job.latest_heartbeat == at(0) and job.end_date is None


def test_a_heartbeat_renews_a_running_job_and_not_an_ended_one(store: Any) -> None:
    job_id = _start(store, 7, at(0))

    renewed = store.job_heartbeat(job_id, now=at(5))
    store.end_job(job_id, state=JobState.SUCCESS, now=at(6))
    after_end = store.job_heartbeat(job_id, now=at(7))

    [job] = store.latest_jobs(state=None)
    assert (renewed, after_end) == (True, False)
    assert (job.state, job.latest_heartbeat, job.end_date) == (JobState.SUCCESS, at(5), at(6))
    assert store.latest_jobs() == []


def test_latest_jobs_come_newest_heartbeat_first_filtered_by_host_and_limited(store: Any) -> None:
    first, second, third = _start(store, 1, at(0)), _start(store, 2, at(1)), _start(store, 3, at(2), hostname="h2")
    store.job_heartbeat(first, now=at(10))

    assert [j.id for j in store.latest_jobs(limit=0)] == [first, third, second]
    assert [j.id for j in store.latest_jobs(limit=2)] == [first, third]
    assert [j.id for j in store.latest_jobs(hostname="h2", limit=0)] == [third]
    assert store.latest_jobs(job_type="TriggererJob", limit=0) == []


def test_a_new_job_marks_running_jobs_of_its_type_with_a_stale_heartbeat_failed(store: Any) -> None:
    dead = _start(store, 1, at(0))
    fresh = _start(store, 2, at(100))
    newest = _start(store, 3, at(120))

    states = {j.id: (j.state, j.end_date) for j in store.latest_jobs(state=None, limit=0)}

    assert states == {
        dead: (JobState.FAILED, at(0)),
        fresh: (JobState.RUNNING, None),
        newest: (JobState.RUNNING, None),
    }


def test_a_job_is_alive_while_it_runs_and_beat_within_the_threshold(store: Any) -> None:
    job_id = _start(store, 1, at(0))
    [job] = store.latest_jobs()

    alive = [is_alive(job, now=at(s), threshold=30) for s in (0, 29.9, 30)]
    store.end_job(job_id, state=JobState.FAILED, now=at(1))
    [ended] = store.latest_jobs(state=None)

    assert alive == [True, True, False]
    assert not is_alive(ended, now=at(1), threshold=30)
