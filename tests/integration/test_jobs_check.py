"""``headwater jobs check``: what a liveness probe asks. Exit 0 while a scheduler runs and beats; 1 with
no scheduler, after it stops, or while it is hung; and a scheduler that cannot go on exits 1 with the
traceback in its log, its job recorded failed."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys

import pendulum
from scheduler_harness import Cli, SchedulerHome

from headwater.store.jobs import SCHEDULER_JOB, JobRecord, JobState
from headwater.store.sql import SqlStore

DAG = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.empty import EmptyOperator

    with DAG("probe", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        EmptyOperator(task_id="nothing")
"""


def _check(site: SchedulerHome, *options: str) -> Cli:
    return site.cli("jobs", "check", *options, check=False)


def _scheduler_job(store: SqlStore) -> list[JobRecord]:
    return store.latest_jobs(job_type=SCHEDULER_JOB, limit=1)


def _fast_heartbeat(site: SchedulerHome) -> None:
    site.extra_env["HEADWATER__SCHEDULER__SCHEDULER_HEARTBEAT_SEC"] = "0.2"
    site.extra_env["HEADWATER__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD"] = "2"


def test_no_scheduler_ever_started_is_not_alive(site: SchedulerHome) -> None:
    done = _check(site)

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "No alive job: none is running with a heartbeat within the last 30 s "
        "([scheduler] scheduler_health_check_threshold); "
        "none was ever recorded."
    )


def test_a_running_scheduler_is_alive_and_a_stopped_one_is_not(site: SchedulerHome) -> None:
    site.write_dag(DAG)
    scheduler = site.start_scheduler()
    site.wait_for("the scheduler to record its job", _scheduler_job)

    running = _check(site, "--job-type", "SchedulerJob", "--local")
    elsewhere = _check(site, "--hostname", "some-other-host")
    scheduler.send_signal(signal.SIGTERM)
    assert scheduler.wait(timeout=60) == 0, site.scheduler_log()
    stopped = _check(site)

    assert (running.returncode, running.stdout) == (0, "Found one alive job.\n"), running.stderr
    assert elsewhere.returncode == 1 and "No alive job on host some-other-host" in elsewhere.stderr
    assert stopped.returncode == 1
    assert f"pid {scheduler.pid} on {socket.gethostname()}, stopped cleanly" in stopped.stderr


def test_a_hung_scheduler_stops_being_alive_once_its_heartbeat_is_stale(site: SchedulerHome) -> None:
    _fast_heartbeat(site)
    scheduler = site.start_scheduler()
    site.wait_for("the scheduler to record its job", _scheduler_job)
    site.wait_for("a live heartbeat", lambda _: _check(site).returncode == 0)

    scheduler.send_signal(signal.SIGSTOP)  # hung: alive to the kernel, doing nothing
    try:
        stale = site.wait_for("the heartbeat to go stale", lambda _: (done := _check(site)).returncode == 1 and done)
    finally:
        scheduler.send_signal(signal.SIGCONT)
    revived = site.wait_for("the heartbeat to be renewed", lambda _: (done := _check(site)).returncode == 0 and done)

    assert "still says it runs but last beat" in stale.stderr
    assert revived.stdout == "Found one alive job.\n"


def test_several_alive_jobs_need_allow_multiple(site: SchedulerHome) -> None:
    _check(site)  # creates the database
    store = site.store
    now = pendulum.now("UTC")
    for pid in (101, 102):
        store.start_job(SCHEDULER_JOB, hostname="h", pid=pid, executor_class="LocalExecutor", now=now, stale_after=30)
    store.close()

    one = _check(site)
    two = _check(site, "--limit", "2")
    allowed = _check(site, "--limit", "0", "--allow-multiple")
    refused = _check(site, "--allow-multiple")

    assert (one.returncode, one.stdout) == (0, "Found one alive job.\n")
    assert two.returncode == 1 and "Found 2 alive jobs; expected one" in two.stderr
    assert (allowed.returncode, allowed.stdout) == (0, "Found 2 alive jobs.\n")
    assert refused.returncode == 2 and "--allow-multiple needs --limit above 1" in refused.stderr


def test_a_scheduler_that_cannot_start_exits_1_with_the_traceback_and_its_job_failed(site: SchedulerHome) -> None:
    site.write_dag(DAG)
    site.cli("pools", "list")  # creates the database
    with sqlite3.connect(site.home / "headwater.db") as db:  # a hand-edited row the scheduler cannot read
        db.execute(
            "INSERT INTO dag_run (dag_id, run_id, run_type, logical_date, external_trigger, conf, state) "
            "VALUES ('probe', 'manual__x', 'manual', '2024-01-02 00:00:00', 1, '{not json', 'running')"
        )

    scheduler = site.start_scheduler()
    code = scheduler.wait(timeout=60)
    log = site.scheduler_log()

    assert code == 1, log
    assert "CRITICAL headwater.scheduler: headwater scheduler stops on an error it cannot recover from:" in log
    assert "Traceback (most recent call last)" in log and "JSONDecodeError" in log
    store = site.store
    try:
        [job] = store.latest_jobs(job_type=SCHEDULER_JOB, state=None)
    finally:
        store.close()
    assert job.state is JobState.FAILED and job.end_date is not None


def test_the_scheduler_command_exits_1_rather_than_silently_on_a_broken_pipe(site: SchedulerHome) -> None:
    """click takes an uncaught BrokenPipeError for a closed stdout and exits 1 without a word."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from headwater.scheduler.scheduler import Scheduler\n"
            "def broken(self, **_): raise BrokenPipeError(32, 'Broken pipe')\n"
            "Scheduler.run = broken\n"
            "from headwater.cli.main import main; main(['scheduler'])",
        ],
        env=site.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert "headwater scheduler stops on an error it cannot recover from" in done.stderr
    assert "BrokenPipeError: [Errno 32] Broken pipe" in done.stderr


def test_an_unreachable_database_is_no_alive_scheduler(site: SchedulerHome) -> None:
    site.database_url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1

    done = _check(site)

    assert done.returncode == 1
    assert done.stderr.startswith("Cannot read the metadata database, so no job can be seen alive: connection failed")
