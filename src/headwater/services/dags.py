"""DAGs: what the DAGs folder defines (with lint counts and import errors), lint findings, pausing.

Listing and lint parse the DAG files in this process for now; they take the settings, not a store, so
they work before any database exists. (A later step reads DAGs from their serialized form in the store.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from headwater.config import Settings
from headwater.dagbag import DagBag
from headwater.lint import Finding
from headwater.services.context import ServiceContext
from headwater.services.errors import InvalidRequest, translated


@dataclass
class DagSummary:
    """One DAG of the folder: where it is defined, its schedule, its size and how its lint went."""

    dag_id: str
    fileloc: str
    schedule: str
    tasks: int
    lint_errors: int
    lint_warnings: int


@dataclass
class DagListing:
    """The DAGs a file or folder defines, by id, and the files that failed to import (file -> error)."""

    dags: list[DagSummary]
    import_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class LintReport:
    """Lint findings ordered by file and line, how many DAGs were linted, and the files that failed."""

    findings: list[Finding]
    dag_count: int
    import_errors: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        from headwater.lint import ERROR

        return sum(f.level == ERROR for f in self.findings)


def list_dags(settings: Settings, *, path: str | Path | None = None) -> DagListing:
    """The DAGs of ``path`` (default: the DAGs folder) sorted by id, each with its lint counts."""
    from headwater.lint import ERROR

    bag, findings = _parse_and_lint(settings, path)
    dags = [
        DagSummary(
            dag_id=d.dag_id,
            fileloc=d.fileloc or "",
            schedule=d.timetable.summary,
            tasks=len(d.task_dict),
            lint_errors=sum(f.dag_id == d.dag_id and f.level == ERROR for f in findings),
            lint_warnings=sum(f.dag_id == d.dag_id and f.level != ERROR for f in findings),
        )
        for d in sorted(bag.dags.values(), key=lambda d: d.dag_id)
    ]
    return DagListing(dags, dict(bag.import_errors))


def lint(
    settings: Settings,
    *,
    path: str | Path | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> LintReport:
    """The lint findings of ``path`` (default: the DAGs folder); ``select`` keeps only those codes (all
    when empty), ``ignore`` leaves codes out. An unknown code is refused, listing the codes there are."""
    from headwater.lint import CODES

    chosen = {
        name: [c.strip().upper() for c in codes if c.strip()]
        for name, codes in (("select", select), ("ignore", ignore))
    }
    for name, codes in chosen.items():
        unknown = [c for c in codes if c not in CODES]
        if unknown:
            raise InvalidRequest(f"--{name}: unknown code(s) {', '.join(unknown)}; the codes are {', '.join(CODES)}.")
    bag, findings = _parse_and_lint(settings, path, select=chosen["select"] or CODES, ignore=chosen["ignore"])
    return LintReport(findings, len(bag.dags), dict(bag.import_errors))


def _parse_and_lint(
    settings: Settings, path: str | Path | None, *, select: Sequence[str] | None = None, ignore: Sequence[str] = ()
) -> tuple[DagBag, list[Finding]]:
    from headwater.lint import CODES, lint_dags

    bag = DagBag.load(path or settings.dags_folder, timeout=settings.dagbag_import_timeout)
    findings = lint_dags(
        bag.dags.values(),
        bag.import_seconds,
        import_budget=settings.lint_import_budget,
        select=select or CODES,
        ignore=ignore,
    )
    return bag, findings


def set_paused(ctx: ServiceContext, *, dag_id: str, paused: bool) -> None:
    """Pause (no new runs start) or unpause a DAG; a DAG the scheduler has not recorded yet is looked up
    in the DAGs folder first, so a typo is refused naming the DAGs there are."""
    from headwater.scheduler.control import find_dag

    with translated():
        if not ctx.store.set_paused(dag_id, paused):
            find_dag(ctx.settings, ctx.store, dag_id)
            ctx.store.set_paused(dag_id, paused)
    ctx.changed()


def is_paused(ctx: ServiceContext, *, dag_id: str) -> bool:
    """Whether runs of the DAG wait; a DAG not recorded yet counts as paused (it is created paused)."""
    return ctx.store.pause_flags().get(dag_id, True)
