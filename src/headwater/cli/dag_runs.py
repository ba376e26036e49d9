"""The run commands of ``headwater dags``: trigger, list-runs, backfill."""

from __future__ import annotations

import click

from headwater.cli import output
from headwater.cli.common import parse_conf, parse_datetime, required_datetime, services
from headwater.cli.errors import CliError


@click.command("trigger")
@click.argument("dag_id")
@click.option("-c", "--conf", help="Run conf as a JSON object.")
@click.option("-e", "--logical-date", "--exec-date", "logical_date", help="Logical date (ISO 8601); default: now.")
@click.option("-r", "--run-id", help="The run's id; default: manual__<logical date>.")
@output.output_option
def trigger(dag_id: str, conf: str | None, logical_date: str | None, run_id: str | None, fmt: str) -> None:
    """Queue a manual run of DAG_ID; the scheduler runs it (once the DAG is unpaused). Prints the run id."""
    from headwater.services import runs

    conf_value = parse_conf(conf)
    logical = parse_datetime(logical_date, "--logical-date")
    with services() as ctx:
        triggered = runs.trigger(ctx, dag_id=dag_id, conf=conf_value, logical_date=logical, run_id=run_id)
    click.echo(triggered.run.run_id if fmt == "table" else output.runs([triggered.run], fmt))
    if triggered.paused:
        click.echo(f"DAG {dag_id!r} is paused: the run waits until `headwater dags unpause {dag_id}`.", err=True)


@click.command("list-runs")
@click.argument("dag_id", required=False)
@click.option("-d", "--dag-id", "dag_id_option", help="The DAG (Airflow's spelling).")
@click.option("--state", help="Only runs in this state.")
@output.output_option
def list_runs(dag_id: str | None, dag_id_option: str | None, state: str | None, fmt: str) -> None:
    """One record per run of DAG_ID, newest first."""
    from headwater.services import runs

    dag = dag_id or dag_id_option
    if dag is None:
        raise CliError("Name the DAG: headwater dags list-runs DAG_ID.")
    with services() as ctx:
        states = runs.run_states([state]) if state is not None else None
        found = runs.list_runs(ctx, dag_id=dag, states=states)
    click.echo(output.runs(found, fmt))


@click.command("backfill")
@click.argument("dag_id")
@click.option("-s", "--start-date", required=True, help="First logical date (ISO 8601), inclusive.")
@click.option("-e", "--end-date", required=True, help="Last logical date (ISO 8601), inclusive.")
@click.option(
    "--reprocess",
    type=click.Choice(["none", "failed", "completed"]),
    default="none",
    show_default=True,
    help="Which existing finished runs to run again.",
)
@click.option("--max-active-runs", type=int, help="Runs of this backfill at once; default: the DAG's.")
@click.option("--run-backwards", is_flag=True, help="Start with the newest logical date.")
@click.option("--dry-run", is_flag=True, help="Print the runs it would create; create nothing.")
@click.option("--wait", is_flag=True, help="Return once every run of the backfill has finished.")
@click.option("-c", "--conf", help="Conf of the runs it creates, as a JSON object.")
@output.output_option
def backfill(
    dag_id: str,
    start_date: str,
    end_date: str,
    reprocess: str,
    max_active_runs: int | None,
    run_backwards: bool,
    dry_run: bool,
    wait: bool,
    conf: str | None,
    fmt: str,
) -> None:
    """Run DAG_ID for every logical date of its schedule within [START, END]; the scheduler runs them."""
    from headwater.services import runs

    conf_value = parse_conf(conf)
    start, end = required_datetime(start_date, "--start-date"), required_datetime(end_date, "--end-date")
    with services() as ctx:
        result = runs.backfill(
            ctx,
            dag_id=dag_id,
            start=start,
            end=end,
            reprocess=reprocess,
            run_backwards=run_backwards,
            max_active_runs=max_active_runs,
            conf=conf_value,
            dry_run=dry_run,
        )
        for skipped in result.skipped:
            click.echo(f"Skipping {skipped.logical_date.isoformat()}: {skipped.reason}.", err=True)
        click.echo(output.backfill(result, fmt, dry_run=dry_run))
        if not (wait and result.runs):
            return
        finished = runs.wait_for_runs(
            ctx, result.runs, on_finished=lambda run: click.echo(f"{run.run_id}: {run.state.value}", err=True)
        )
    failed = [run.run_id for run in finished if run.state.value == "failed"]
    if failed:
        raise CliError(f"{len(failed)} backfill run(s) failed: {', '.join(failed)}.")
