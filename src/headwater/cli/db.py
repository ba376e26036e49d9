"""``headwater db``: maintaining the metadata database."""

from __future__ import annotations

import sys

import click

from headwater.cli.common import confirmed, required_datetime, services


@click.group()
def db() -> None:
    """Maintain the metadata database."""


@db.command("clean")
@click.option("--older-than", required=True, help="Delete history from before this date (ISO 8601).")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def clean(older_than: str, dry_run: bool, yes: bool) -> None:
    """Delete finished runs that ended before a date (with their task instances, XComs, offloaded XCom
    data and logs), and older XComs of other finished runs. Each DAG's latest scheduled run stays:
    the schedule continues from it."""
    from headwater.services import maintenance

    cutoff = required_datetime(older_than, "--older-than")
    with services() as ctx:
        planned = maintenance.plan_clean(ctx, older_than=cutoff)
        summary = (
            f"{len(planned.runs)} run(s), {planned.task_instances} task instance(s) and {planned.xcoms} XCom(s) "
            f"from before {cutoff.isoformat()}"
        )
        if dry_run:
            click.echo(f"Would delete {summary}.")
            for dag_id, run_id in planned.runs:
                click.echo(f"  {dag_id} {run_id}")
            return
        if not (planned.runs or planned.xcoms):
            click.echo(f"Nothing from before {cutoff.isoformat()} to delete.")
            return
        if not yes and not confirmed(f"Delete {summary}?"):
            click.echo("Nothing deleted (pass --yes to delete without being asked).")
            sys.exit(1)
        done = maintenance.clean(ctx, older_than=cutoff)
    report = done.report
    click.echo(
        f"Deleted {len(report.runs)} run(s), {report.task_instances} task instance(s) and {report.xcoms} XCom(s)."
    )
    for reason in done.skipped:
        click.echo(f"Skipped: {reason}", err=True)
