"""Commands about stored data: ``tasks xcom`` (what a task pushed, how big, where it lives) and
``db clean`` (delete finished history older than a date)."""

from __future__ import annotations

import shutil
import struct
import sys
from pathlib import Path
from typing import Any

import click

from headwater.cli.control import _confirmed, _settings, _store, _user_errors
from headwater.cli.errors import CliError
from headwater.cli.output import output_option, render

_TABLE_VALUE_WIDTH = 60


def _xcom_record(row: Any, backend: Any) -> dict[str, Any]:
    """One stored XCom as a listing shows it: the value as the backend lists it, its size and place. A
    row that cannot be read is listed with why, so one bad row does not hide the others."""
    from headwater.store.xcom import codec

    obj = backend.__new__(backend)
    obj.__dict__.update(row.__dict__)
    record: dict[str, Any] = {"key": row.key, "map_index": row.map_index}
    kind: Any = None
    size: Any = len(row.value or b"")
    location: Any = "database"
    try:
        reference = codec.offload_reference(row.value)
        if reference is not None:
            kind, size, location = reference.get("type"), reference.get("size"), reference.get("url")
        else:
            kind = codec.stored_type(row.value)
    except (ValueError, struct.error):  # a custom backend's own format: no type to show
        kind = None
    try:
        value = codec.to_display(obj.orm_deserialize_value())
    except Exception as err:  # noqa: BLE001 - a custom backend's error or a damaged row: shown, not fatal
        value = f"<unreadable: {type(err).__name__}: {err}>"
    record.update(type=kind, size=size, location=location, timestamp=row.timestamp, value=value)
    return record


def register_xcom(tasks: click.Group) -> None:
    @tasks.command("xcom")
    @click.argument("dag_id")
    @click.argument("run_id")
    @click.argument("task_id")
    @click.option("--key", help="Only the XCom with this key.")
    @click.option("--map-index", type=int, default=None, help="Only this mapped instance.")
    @output_option
    def xcom(dag_id: str, run_id: str, task_id: str, key: str | None, map_index: int | None, output: str) -> None:
        """The XComs a task instance pushed: value, type, size in bytes (serialized) and where they live."""
        settings = _settings()
        with _store(settings) as store:
            if store.get_run(dag_id, run_id) is None:
                raise CliError(f"DAG {dag_id!r} has no run {run_id!r}; `headwater dags list-runs {dag_id}` lists them.")
            if not any(i.task_id == task_id for i in store.task_instances(dag_id, run_id)):
                raise CliError(
                    f"Run {run_id!r} of DAG {dag_id!r} has no task {task_id!r}; "
                    f"`headwater tasks states-for-dag-run {dag_id} {run_id}` lists its tasks."
                )
            rows = store.xcoms_of(dag_id, run_id, task_id)
            backend = store.xcom_backend
        rows = [r for r in rows if (key is None or r.key == key) and (map_index is None or r.map_index == map_index)]
        with _user_errors():
            records = [_xcom_record(r, backend) for r in sorted(rows, key=lambda r: (r.map_index, r.key))]
        if output == "table":
            for record in records:
                text = str(record["value"])
                record["value"] = text if len(text) <= _TABLE_VALUE_WIDTH else text[: _TABLE_VALUE_WIDTH - 1] + "…"
                del record["timestamp"]
        click.echo(render(records, output))


def register_db(main: click.Group) -> None:
    @main.group()
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
        from headwater.cli.main import _parse_datetime

        cutoff = _parse_datetime(older_than, "--older-than")
        settings = _settings()
        with _store(settings) as store:
            planned = store.clean(cutoff, dry_run=True)
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
            if not yes and not _confirmed(f"Delete {summary}?"):
                click.echo("Nothing deleted (pass --yes to delete without being asked).")
                sys.exit(1)
            done = store.clean(cutoff)
        skipped = _remove_run_logs(settings.home / "logs", done.runs)
        click.echo(f"Deleted {len(done.runs)} run(s), {done.task_instances} task instance(s) and {done.xcoms} XCom(s).")
        for reason in skipped:
            click.echo(f"Skipped: {reason}", err=True)


def _remove_run_logs(base: Path, runs: list[tuple[str, str]]) -> list[str]:
    """Remove the log folder of each deleted run; a folder whose path would leave ``base`` (ids stored
    unchecked) or that cannot be removed is skipped, and why is returned."""
    from headwater.errors import UnsafePath
    from headwater.runtime.logs import run_log_folder

    skipped: list[str] = []
    for dag_id, run_id in runs:
        try:
            logs = run_log_folder(base, dag_id, run_id)
            if logs.is_dir():
                shutil.rmtree(logs)
        except UnsafePath as err:
            skipped.append(str(err))
        except OSError as err:
            skipped.append(f"could not remove the logs of DAG {dag_id!r}, run {run_id!r}: {err}")
    return skipped
