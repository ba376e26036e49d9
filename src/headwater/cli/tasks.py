"""``headwater tasks``: the task instances of a run, a try's log, its XComs, why it is in its state, and
clearing instances so the scheduler runs them again."""

from __future__ import annotations

import sys

import click

from headwater.cli import output
from headwater.cli.common import confirmed, parse_datetime, services


@click.group()
def tasks() -> None:
    """Work with task instances."""


@tasks.command("states-for-dag-run")
@click.argument("dag_id")
@click.argument("run_id")
@output.output_option
def states_for_dag_run(dag_id: str, run_id: str, fmt: str) -> None:
    """One record per task instance of a run."""
    from headwater.services.task_instances import list_task_instances

    with services() as ctx:
        found = list_task_instances(ctx, dag_id=dag_id, run_id=run_id)
    click.echo(output.task_instances(found, fmt))


@tasks.command("logs")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_id")
@click.option("--map-index", type=int, default=-1)
@click.option("--try", "try_number", type=int, default=None, help="Which try; default: the latest.")
def logs(dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int | None) -> None:
    """Print the log of one try of a task instance (lines above [logging] max_log_line_bytes are split)."""
    from headwater.services.logs import log_file, read_log

    with services() as ctx:
        found = log_file(ctx, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, try_number=try_number)
        for line in read_log(ctx, found):  # streamed: a huge log is never held whole
            sys.stdout.write(line)


@tasks.command("xcom")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_id")
@click.option("--key", help="Only the XCom with this key.")
@click.option("--map-index", type=int, default=None, help="Only this mapped instance.")
@output.output_option
def xcom(dag_id: str, run_id: str, task_id: str, key: str | None, map_index: int | None, fmt: str) -> None:
    """The XComs a task instance pushed: value, type, size in bytes (serialized) and where they live."""
    from headwater.services.xcoms import list_xcoms

    with services() as ctx:
        found = list_xcoms(ctx, dag_id=dag_id, run_id=run_id, task_id=task_id, key=key, map_index=map_index)
    click.echo(output.xcoms(found, fmt))


@tasks.command("why")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_id")
@click.option("--map-index", type=int, default=-1)
@click.option("--chain", is_flag=True, help="Follow the cause upstream to its root.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def why(dag_id: str, run_id: str, task_id: str, map_index: int, chain: bool, as_json: bool) -> None:
    """Why a task instance is in its state: the decision recorded when it was made."""
    from headwater.services.why import explain

    with services() as ctx:
        explanation = explain(ctx, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, chain=chain)
    click.echo(output.why_json(explanation) if as_json else output.why_text(explanation))


@tasks.command("clear")
@click.argument("dag_id")
@click.option("-t", "--task-regex", help="Clear tasks whose id matches this regular expression.")
@click.option("-s", "--start-date", help="Earliest logical date (ISO 8601), inclusive.")
@click.option("-e", "--end-date", help="Latest logical date (ISO 8601), inclusive.")
@click.option("-d", "--downstream", is_flag=True, help="Also clear the tasks downstream of those matched.")
@click.option("-u", "--upstream", is_flag=True, help="Also clear the tasks upstream of those matched.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def clear_tasks(
    dag_id: str,
    task_regex: str | None,
    start_date: str | None,
    end_date: str | None,
    downstream: bool,
    upstream: bool,
    yes: bool,
) -> None:
    """Reset task instances (and their XComs) so the scheduler runs them again."""
    from headwater.services.task_instances import clear, plan_clear

    start, end = parse_datetime(start_date, "--start-date"), parse_datetime(end_date, "--end-date")
    with services() as ctx:
        plan = plan_clear(
            ctx, dag_id=dag_id, task_regex=task_regex, start=start, end=end, downstream=downstream, upstream=upstream
        )
        if not plan.runs:
            click.echo(f"No runs of {dag_id} in that date range; nothing to clear.")
            return
        click.echo(
            f"Clearing {', '.join(plan.task_ids)} in {len(plan.runs)} run(s): "
            + ", ".join(r.run_id for r in plan.runs),
            err=True,
        )
        if not yes and not confirmed("Clear these task instances?"):
            click.echo("Nothing cleared (pass --yes to clear without being asked).")
            sys.exit(1)
        reset = clear(ctx, plan)
    click.echo(f"Cleared {reset} task instance(s) in {len(plan.runs)} run(s); the scheduler will run them again.")
