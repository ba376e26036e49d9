"""``headwater dags lint``: the classic traps, found in a DAG before it runs.

Codes, in order: HW001 a join after a branch that is skipped whenever one path is not taken; HW002
an ``xcom_pull`` from a task that is not upstream, does not exist, or lacks its group prefix; HW003 a
short-circuit that skips tasks whose rules would let them run; HW004 a branch returning an id that
is no task or not directly downstream; HW005 a slow DAG file import; HW006 a deprecated trigger
rule alias; HW007 run conf or params rendered into a ``bash_command`` without ``| shquote``. The
lint reads the same parse every command uses (``headwater.dagbag``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from headwater.lint.findings import ERROR, WARNING, Finding
from headwater.lint.rules import lint_dag, slow_imports
from headwater.lint.source import ignored_codes
from headwater.model.dag import DAG

CODES = ("HW001", "HW002", "HW003", "HW004", "HW005", "HW006", "HW007")

__all__ = ["CODES", "ERROR", "WARNING", "Finding", "lint_dags"]


def lint_dags(
    dags: Iterable[DAG],
    import_seconds: dict[str, float],
    *,
    import_budget: float,
    select: Collection[str] = CODES,
    ignore: Collection[str] = (),
) -> list[Finding]:
    """Findings for these DAGs (``import_seconds`` by file, as the DagBag measured), without those
    silenced by ``# headwater: ignore[CODE]`` on the task's line, ordered by file and line."""
    dags = list(dags)
    found = [f for dag in dags for f in lint_dag(dag)]
    by_file: dict[str, list[DAG]] = {}
    for dag in dags:
        by_file.setdefault(dag.fileloc or "", []).append(dag)
    for file, seconds in import_seconds.items():
        if seconds > import_budget and file in by_file:
            found.extend(slow_imports(by_file[file], seconds, import_budget))
    kept = [
        f
        for f in found
        if f.code in select
        and f.code not in ignore
        and not (f.line is not None and f.code in ignored_codes((f.file or "", f.line)))
    ]
    return sorted(kept, key=lambda f: (f.file or "", f.line or 0, f.code, f.task_ids))
