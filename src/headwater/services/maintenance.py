"""``db clean``: deleting finished history older than a date, with the runs' log folders."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from headwater.services.context import ServiceContext
from headwater.store.sql_maintenance import CleanReport


@dataclass
class Cleaned:
    """What a clean deleted, and the log folders it left (with why)."""

    report: CleanReport
    skipped: list[str] = field(default_factory=list)


def plan_clean(ctx: ServiceContext, *, older_than: dt.datetime) -> CleanReport:
    """What :func:`clean` would delete; nothing is changed."""
    return ctx.store.clean(older_than, dry_run=True)


def clean(ctx: ServiceContext, *, older_than: dt.datetime) -> Cleaned:
    """Delete finished runs that ended before ``older_than`` (with their task instances, XComs, offloaded
    XCom data and log folders) and older XComs of other finished runs. Each DAG's latest scheduled run
    stays: the schedule continues from it."""
    done = ctx.store.clean(older_than)
    return Cleaned(done, _remove_run_logs(ctx.settings.home / "logs", done.runs))


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
