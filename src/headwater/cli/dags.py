"""``headwater dags``: list, lint, test, pause and unpause DAGs; its run commands (trigger, list-runs,
backfill) are in ``headwater.cli.dag_runs``."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from headwater.cli import output
from headwater.cli.common import (
    comma_list,
    load_settings,
    log_to_stderr,
    parse_conf,
    parse_datetime,
    services,
    user_errors,
)
from headwater.cli.dag_runs import backfill, list_runs, trigger

if TYPE_CHECKING:
    import datetime as dt

    from headwater.store.records import TaskInstanceRecord


@click.group()
def dags() -> None:
    """Work with DAGs."""


@dags.command("test")
@click.argument("target")
@click.option("--dag-id", help="Pick one DAG when the file holds several.")
@click.option("--logical-date", help="Logical date (ISO 8601); default: now.")
@click.option(
    "--run-type",
    type=click.Choice(["scheduled", "manual"]),
    help="Create the run the scheduler (scheduled) or a trigger (manual) would; default: like `airflow dags test`.",
)
@click.option(
    "--now",
    "now_",
    help="The wall clock the whole run sees, parse included, ticking from it (ISO 8601); default: the real clock.",
)
@click.option("--conf", help="Run conf as a JSON object.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's states and XComs as JSON on stdout.")
def test_dag(
    target: str,
    dag_id: str | None,
    logical_date: str | None,
    run_type: str | None,
    now_: str | None,
    conf: str | None,
    as_json: bool,
) -> None:
    """Run one DAG run in this process and show each task's final state.

    TARGET is a DAG file or the id of a DAG in the DAGs folder.
    """
    conf_value = parse_conf(conf)
    logical = parse_datetime(logical_date, "--logical-date")
    now = parse_datetime(now_, "--now")
    settings = load_settings()
    from headwater.scheduler.dagtest import run_dag_test

    progress = sys.stderr if as_json else sys.stdout
    log_to_stderr()

    def report(ti: TaskInstanceRecord) -> None:
        click.echo(output.task_done(ti), file=progress)

    def replaced(run_id: str) -> None:
        click.echo(f"Replacing the earlier run {run_id!r} of this DAG and logical date.", err=True)

    with user_errors(), contextlib.redirect_stdout(sys.stderr), _clock_at(now):
        result = run_dag_test(
            settings,
            target,
            dag_id=dag_id,
            logical_date=logical,
            run_type=run_type,
            now=now,
            conf=conf_value,
            on_task_done=report,
            on_replaced=replaced,
        )
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        run = result.run
        click.echo(f"DAG run {run.run_id} of {run.dag_id}: {run.state.value} ({run.reason})")
    if result.failed:
        sys.exit(1)


@contextlib.contextmanager
def _clock_at(now: dt.datetime | None) -> Iterator[None]:
    """With ``--now``, the whole process's clock (``time.time``, ``datetime.now``, ``pendulum.now``) starts
    at that moment and ticks from it, from the parse of the DAG file on, as Airflow's would have then."""
    if now is None:
        yield
        return
    import time_machine

    with time_machine.travel(now, tick=True):
        yield


@dags.command("list")
@click.argument("path", required=False)
@output.output_option
def list_dags(path: str | None, fmt: str) -> None:
    """List the DAGs in a file or folder (default: the DAGs folder), with import errors."""
    from headwater.services.dags import list_dags as listed

    with user_errors():
        listing = listed(load_settings(), path=path)
    text = output.dag_listing(listing, fmt)
    if text or fmt != "table":
        click.echo(text)
    if fmt == "table":
        for line in output.import_errors(listing.import_errors):
            click.echo(line, err=True)
    if listing.import_errors:
        sys.exit(1)


@dags.command("lint")
@click.argument("path", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--select", help="Only these codes (comma-separated, e.g. HW001,HW002).")
@click.option("--ignore", help="Leave out these codes (comma-separated).")
def lint_dags(path: str | None, fmt: str, select: str | None, ignore: str | None) -> None:
    """Report the classic traps in the DAGs of a file or folder (default: the DAGs folder). Exit status
    1 when an error-level finding remains (or a file fails to import)."""
    from headwater.services.dags import lint

    with user_errors():
        report = lint(load_settings(), path=path, select=comma_list(select), ignore=comma_list(ignore))
    text = output.lint_findings(report, fmt)
    if text or fmt == "json":
        click.echo(text)
    if fmt == "text":
        click.echo(output.lint_summary(report), err=True)
    for line in output.import_errors(report.import_errors):
        click.echo(line, err=True)
    if report.import_errors or report.errors:
        sys.exit(1)


def _pause_command(name: str, paused: bool) -> click.Command:
    @click.command(name)
    @click.argument("dag_id")
    def toggle(dag_id: str) -> None:
        from headwater.services.dags import set_paused

        with services() as ctx:
            set_paused(ctx, dag_id=dag_id, paused=paused)
        click.echo(f"DAG {dag_id} is {'paused' if paused else 'unpaused'}.")

    toggle.help = f"{name.capitalize()} DAG_ID: {'no new runs start' if paused else 'its runs start again'}."
    return toggle


dags.add_command(_pause_command("pause", True))
dags.add_command(_pause_command("unpause", False))
for _command in (trigger, list_runs, backfill):
    dags.add_command(_command)
