"""The ``headwater`` command. Commands parse, call one function of a lower layer, and render.

Heavy imports stay inside the commands so ``headwater version`` starts fast.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import click

from headwater import __version__
from headwater.cli.errors import CliError

_LOG_HANDLER: logging.Handler | None = None


def _log_to_stderr() -> None:
    """Send task and headwater logs (INFO and up) to stderr; stdout stays for results."""
    global _LOG_HANDLER  # noqa: PLW0603 - one handler per process, replaced on each command
    root = logging.getLogger()
    if _LOG_HANDLER is not None:
        root.removeHandler(_LOG_HANDLER)
    _LOG_HANDLER = logging.StreamHandler(sys.stderr)
    _LOG_HANDLER.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    root.addHandler(_LOG_HANDLER)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter is not the user's business


def _settings() -> Any:
    from headwater.config import Settings

    try:
        return Settings.load()
    except ValueError as err:
        raise CliError(str(err)) from None


def _parse_datetime(value: str | None, option: str) -> Any:
    if value is None:
        return None
    import pendulum

    try:
        parsed = pendulum.parse(value)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise CliError(
            f"{option} {value!r} is not an ISO 8601 date or datetime (e.g. 2024-01-01T00:00:00+00:00)."
        ) from None
    if not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")  # type: ignore[union-attr]
    return parsed


def _parse_conf(value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    try:
        conf = json.loads(value)
    except json.JSONDecodeError as err:
        raise CliError(f"--conf is not valid JSON ({err.msg} at position {err.pos}): {value!r}") from None
    if not isinstance(conf, dict):
        raise CliError(f"--conf must be a JSON object such as '{{\"key\": 1}}'; got {type(conf).__name__}.")
    return conf


@click.group()
def main() -> None:
    """headwater: run Airflow-style DAGs with Airflow's semantics."""


@main.command()
def version() -> None:
    """Print headwater's version."""
    click.echo(__version__)


@main.group()
def dags() -> None:
    """Work with DAGs."""


_MARKS = {
    "success": "ok",
    "failed": "FAILED",
    "skipped": "skipped",
    "upstream_failed": "upstream_failed",
    "up_for_retry": "retry",
}


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
    conf_value = _parse_conf(conf)
    logical = _parse_datetime(logical_date, "--logical-date")
    now = _parse_datetime(now_, "--now")
    settings = _settings()
    from headwater.errors import HeadwaterError
    from headwater.scheduler.dagtest import run_dag_test

    progress = sys.stderr if as_json else sys.stdout
    _log_to_stderr()

    def report(ti: Any) -> None:
        label = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        state = ti.state.value if ti.state else "none"
        why = f"  ({ti.reason})" if state != "success" and ti.reason else ""
        click.echo(f"{_MARKS.get(state, state):>15}  {label}{why}", file=progress)

    def replaced(run_id: str) -> None:
        click.echo(f"Replacing the earlier run {run_id!r} of this DAG and logical date.", err=True)

    try:
        with contextlib.redirect_stdout(sys.stderr), _clock_at(now):
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
    except HeadwaterError as err:
        raise CliError(str(err)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        run = result.run
        click.echo(f"DAG run {run.run_id} of {run.dag_id}: {run.state.value} ({run.reason})")
    if result.failed:
        sys.exit(1)


@contextlib.contextmanager
def _clock_at(now: Any) -> Iterator[None]:
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
@click.option("-o", "--output", type=click.Choice(["table", "json", "yaml"]), default="table")
def list_dags(path: str | None, output: str) -> None:
    """List the DAGs in a file or folder (default: the DAGs folder), with import errors."""
    from headwater.dagbag import DagBag

    settings = _settings()
    from headwater.lint import ERROR, lint_dags

    bag = DagBag.load(path or settings.dags_folder, timeout=settings.dagbag_import_timeout)
    findings = lint_dags(bag.dags.values(), bag.import_seconds, import_budget=settings.lint_import_budget)
    rows = [
        {
            "dag_id": d.dag_id,
            "fileloc": d.fileloc,
            "schedule": d.timetable.summary,
            "tasks": len(d.task_dict),
            "lint": {
                "errors": sum(f.dag_id == d.dag_id and f.level == ERROR for f in findings),
                "warnings": sum(f.dag_id == d.dag_id and f.level != ERROR for f in findings),
            },
        }
        for d in sorted(bag.dags.values(), key=lambda d: d.dag_id)
    ]
    if output == "json":
        click.echo(json.dumps({"dags": rows, "import_errors": bag.import_errors}, indent=2))
    elif output == "yaml":
        import yaml

        click.echo(yaml.safe_dump({"dags": rows, "import_errors": bag.import_errors}, sort_keys=False).rstrip())
    else:
        for row in rows:
            lint: Any = row["lint"]
            flagged = f"lint {lint['errors']}E {lint['warnings']}W"
            click.echo(
                f"{row['dag_id']:<40} {row['schedule']:<15} {row['tasks']:>4} tasks  {flagged}  {row['fileloc']}"
            )
        for filename, error in bag.import_errors.items():
            click.echo(f"Import error in {filename}:\n  {error}", err=True)
    if bag.import_errors:
        sys.exit(1)


@dags.command("lint")
@click.argument("path", required=False)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--select", help="Only these codes (comma-separated, e.g. HW001,HW002).")
@click.option("--ignore", help="Leave out these codes (comma-separated).")
def lint_dags_command(path: str | None, output: str, select: str | None, ignore: str | None) -> None:
    """Report the classic traps in the DAGs of a file or folder (default: the DAGs folder). Exit status
    1 when an error-level finding remains (or a file fails to import)."""
    from headwater.dagbag import DagBag
    from headwater.lint import CODES, ERROR, lint_dags

    def codes(option: str | None, name: str) -> list[str]:
        chosen = [c.strip().upper() for c in (option or "").split(",") if c.strip()]
        unknown = [c for c in chosen if c not in CODES]
        if unknown:
            raise CliError(f"--{name}: unknown code(s) {', '.join(unknown)}; the codes are {', '.join(CODES)}.")
        return chosen

    settings = _settings()
    bag = DagBag.load(path or settings.dags_folder, timeout=settings.dagbag_import_timeout)
    findings = lint_dags(
        bag.dags.values(),
        bag.import_seconds,
        import_budget=settings.lint_import_budget,
        select=codes(select, "select") or CODES,
        ignore=codes(ignore, "ignore"),
    )
    if output == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2))
    else:
        for f in findings:
            where = f"{f.file}:{f.line}" if f.line is not None else f"{f.file}"
            tasks = f" ({', '.join(f.task_ids)})" if f.task_ids else ""
            click.echo(f"{where}: {f.code} {f.level}: DAG {f.dag_id!r}{tasks}: {f.message}\n    fix: {f.fix}")
        errors = sum(f.level == ERROR for f in findings)
        click.echo(f"{errors} error(s), {len(findings) - errors} warning(s) in {len(bag.dags)} DAG(s).", err=True)
    for filename, error in bag.import_errors.items():
        click.echo(f"Import error in {filename}:\n  {error}", err=True)
    if bag.import_errors or any(f.level == ERROR for f in findings):
        sys.exit(1)


@main.group()
def tasks() -> None:
    """Work with task instances."""


def _register_control() -> None:
    from headwater.cli.celery import register_celery
    from headwater.cli.control import register, register_backfill, register_pools, register_tasks
    from headwater.cli.data import register_db, register_xcom
    from headwater.cli.explain import register_why
    from headwater.cli.jobs import register_jobs

    register(main, dags)
    register_tasks(tasks)
    register_pools(main)
    register_backfill(dags, tasks)
    register_xcom(tasks)
    register_why(tasks)
    register_db(main)
    register_celery(main)
    register_jobs(main)


_register_control()
