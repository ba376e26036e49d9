"""``headwater jobs check``: is a scheduler alive? Airflow's command, for supervisors and container
probes (a Kubernetes liveness probe, a systemd watchdog script): exit status 0 when a job of the type
beat within ``[scheduler] scheduler_health_check_threshold`` seconds, 1 otherwise, saying why."""

from __future__ import annotations

import socket
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from headwater.cli.common import load_settings
from headwater.cli.errors import CliError
from headwater.services.health import JOB_TYPES

if TYPE_CHECKING:
    from headwater.store.jobs import JobRecord


@click.group()
def jobs() -> None:
    """Long-running headwater processes and their heartbeats."""


@jobs.command("check")
@click.option("--job-type", type=click.Choice(JOB_TYPES), help="The type of job to check (default: any).")
@click.option("--hostname", help="Only jobs on this host.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="How many of the most recent running jobs to check (0: all).",
)
@click.option("--allow-multiple", is_flag=True, help="Succeed when several alive jobs are found.")
@click.option("--local", is_flag=True, help="Only jobs on this host (its hostname).")
def check(job_type: str | None, hostname: str | None, limit: int, allow_multiple: bool, local: bool) -> None:
    """Exit 0 when a matching job is alive (its heartbeat is recent), 1 when none is."""
    from headwater.services.context import opened
    from headwater.services.errors import Unavailable
    from headwater.services.health import check_jobs

    if allow_multiple and limit == 1:
        raise CliError("--allow-multiple needs --limit above 1 (or 0, for every job): one job is checked now.")
    if hostname is not None and local:
        raise CliError("--hostname and --local both name the host; give one of them.")
    host = socket.gethostname() if local else hostname
    settings = load_settings()
    try:
        with opened(settings, xcom=False) as ctx:
            health = check_jobs(ctx, job_type=job_type, hostname=host, limit=limit)
    except Unavailable as err:
        click.echo(f"Cannot read the metadata database, so no job can be seen alive: {err.detail}", err=True)
        sys.exit(1)
    if not health.alive:
        what = f"{job_type or 'job'}{f' on host {host}' if host else ''}"
        seen = _last_seen(health.latest, health.now) if health.latest is not None else "none was ever recorded"
        click.echo(
            f"No alive {what}: none is running with a heartbeat within the last {health.threshold:g} s "
            f"([scheduler] scheduler_health_check_threshold); {seen}.",
            err=True,
        )
        sys.exit(1)
    if len(health.alive) > 1 and not allow_multiple:
        click.echo(f"Found {len(health.alive)} alive jobs; expected one (--allow-multiple accepts several).", err=True)
        sys.exit(1)
    click.echo("Found one alive job." if len(health.alive) == 1 else f"Found {len(health.alive)} alive jobs.")


def _last_seen(job: JobRecord, now: datetime) -> str:
    """What became of the latest job: stopped (and when), ended by an error, or still running but silent."""
    from headwater.store.jobs import JobState

    who = f"the latest, pid {job.pid} on {job.hostname},"
    if job.state is JobState.RUNNING:
        ago = (now - job.latest_heartbeat).total_seconds()
        beat = job.latest_heartbeat.isoformat()
        return f"{who} still says it runs but last beat {ago:.0f} s ago ({beat}): it hangs, or died unrecorded"
    ended = job.end_date or job.latest_heartbeat
    ago = (now - ended).total_seconds()
    how = "stopped cleanly" if job.state is JobState.SUCCESS else "ended by an error or found dead"
    return f"{who} {how} {ago:.0f} s ago ({ended.isoformat()})"
