"""THE place that turns service records into what a command prints: ``-o table|json|yaml`` listings
(Airflow's listing formats), and the text of ``dags test``, ``dags list``, ``dags lint`` and ``tasks why``.
Commands echo what these functions return; nothing else formats a record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from headwater.lint import Finding
    from headwater.services.dags import DagListing, LintReport
    from headwater.services.runs import Backfill
    from headwater.services.why import Explanation, Step
    from headwater.services.xcoms import XComRecord
    from headwater.store.records import DagRunRecord, TaskInstanceRecord

OUTPUT_CHOICES = ("table", "json", "yaml")

F = TypeVar("F", bound=Callable[..., Any])

RUN_COLUMNS = (
    "dag_id",
    "run_id",
    "run_type",
    "state",
    "logical_date",
    "start_date",
    "end_date",
    "data_interval_start",
    "data_interval_end",
)
TASK_INSTANCE_COLUMNS = (
    "dag_id",
    "run_id",
    "task_id",
    "map_index",
    "state",
    "try_number",
    "start_date",
    "end_date",
    "reason",
)
_TABLE_VALUE_WIDTH = 60
_MARKS = {
    "success": "ok",
    "failed": "FAILED",
    "skipped": "skipped",
    "upstream_failed": "upstream_failed",
    "up_for_retry": "retry",
}


def output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        "fmt",
        type=click.Choice(OUTPUT_CHOICES),
        default="table",
        show_default=True,
        help="Output format.",
    )(command)


def plain(value: Any) -> Any:
    """A value as JSON/YAML shows it: dates in ISO 8601, enums as their string."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def fields(record: Any, columns: Sequence[str], **renamed: str) -> dict[str, Any]:
    """The ``columns`` of a dataclass record as a row; ``renamed`` maps a column to the record's field."""
    return {name: getattr(record, renamed.get(name, name)) for name in columns}


def render(rows: Sequence[dict[str, Any]], output: str, *, columns: Sequence[str] | None = None) -> str:
    """Rows as Airflow's listing commands print them: a table, a JSON list or a YAML list."""
    rows = [{k: plain(v) for k, v in row.items()} for row in rows]
    if output == "json":
        return json.dumps(rows, indent=2)
    if output == "yaml":
        return _yaml(rows) if rows else "[]"
    names = list(columns or (rows[0].keys() if rows else []))
    if not rows:
        return "No data found"
    cells = [[_cell(row.get(name)) for name in names] for row in rows]
    widths = [max(len(name), *(len(c[i]) for c in cells)) for i, name in enumerate(names)]
    line = " | ".join(name.ljust(w) for name, w in zip(names, widths, strict=True))
    rule = "=+=".join("=" * w for w in widths)
    body = [" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join([line, rule, *body])


def _yaml(document: Any) -> str:
    import yaml

    return str(yaml.safe_dump(document, sort_keys=False, default_flow_style=False)).rstrip()


def _cell(value: Any) -> str:
    return "None" if value is None else str(value)


# -- runs and task instances ----------------------------------------------------------------------


def runs(found: Iterable[DagRunRecord], output: str) -> str:
    return render([fields(r, RUN_COLUMNS) for r in found], output)


def task_instances(found: Iterable[TaskInstanceRecord], output: str) -> str:
    return render([fields(i, TASK_INSTANCE_COLUMNS) for i in found], output)


def backfill(result: Backfill, output: str, *, dry_run: bool) -> str:
    """A dry run's plan (the action column in the table only), or the runs queued."""
    if dry_run:
        columns = ["logical_date", "data_interval_start", "data_interval_end"] + (["action"] * (output == "table"))
        return render([fields(d, columns) for d in result.planned], output)
    if output != "table":
        return runs(result.runs, output)
    if not result.runs:
        return "Nothing to backfill."
    return "\n".join(
        [f"Backfill queued {len(result.runs)} run(s) of {result.dag_id}:", *(f"  {r.run_id}" for r in result.runs)]
    )


def task_done(ti: TaskInstanceRecord) -> str:
    """The line ``dags test`` prints as each task instance finishes."""
    label = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
    state = ti.state.value if ti.state else "none"
    why = f"  ({ti.reason})" if state != "success" and ti.reason else ""
    return f"{_MARKS.get(state, state):>15}  {label}{why}"


# -- DAGs and lint --------------------------------------------------------------------------------


def dag_listing(listing: DagListing, output: str) -> str:
    """``dags list``: a line per DAG in the table (import errors go to stderr: :func:`import_errors`), or
    one document with the DAGs and the import errors."""
    if output == "table":
        return "\n".join(
            f"{d.dag_id:<40} {d.schedule:<15} {d.tasks:>4} tasks  lint {d.lint_errors}E {d.lint_warnings}W  {d.fileloc}"
            for d in listing.dags
        )
    rows = [
        {
            **fields(d, ("dag_id", "fileloc", "schedule", "tasks")),
            "lint": {"errors": d.lint_errors, "warnings": d.lint_warnings},
        }
        for d in listing.dags
    ]
    document = {"dags": rows, "import_errors": listing.import_errors}
    return json.dumps(document, indent=2) if output == "json" else _yaml(document)


def import_errors(errors: dict[str, str]) -> list[str]:
    return [f"Import error in {filename}:\n  {error}" for filename, error in errors.items()]


def lint_findings(report: LintReport, output: str) -> str:
    if output == "json":
        return json.dumps([f.as_dict() for f in report.findings], indent=2)
    return "\n".join(_finding(f) for f in report.findings)


def _finding(f: Finding) -> str:
    where = f"{f.file}:{f.line}" if f.line is not None else f"{f.file}"
    tasks = f" ({', '.join(f.task_ids)})" if f.task_ids else ""
    return f"{where}: {f.code} {f.level}: DAG {f.dag_id!r}{tasks}: {f.message}\n    fix: {f.fix}"


def lint_summary(report: LintReport) -> str:
    return f"{report.errors} error(s), {len(report.findings) - report.errors} warning(s) in {report.dag_count} DAG(s)."


# -- Celery workers -------------------------------------------------------------------------------


def workers(found: Sequence[dict[str, Any]], output: str) -> str:
    """``celery status``: the table joins the queues and names the running tries; JSON/YAML keep lists."""
    if output != "table":
        return render(found, output)
    rows = [{**w, "queues": ",".join(w["queues"]), "running": ", ".join(map(_try_label, w["running"]))} for w in found]
    return render(rows, output)


def _try_label(running: dict[str, Any]) -> str:
    index = "" if running.get("map_index", -1) in (-1, None) else f"[{running['map_index']}]"
    return f"{running['dag_id']}/{running['run_id']}/{running['task_id']}{index} try {running['try_number']}"


# -- XComs ----------------------------------------------------------------------------------------


def xcoms(records: Iterable[XComRecord], output: str) -> str:
    """The table shortens long values and leaves out the timestamp; JSON and YAML keep everything."""
    rows = [dataclasses.asdict(r) for r in records]
    if output == "table":
        for row in rows:
            text = str(row["value"])
            row["value"] = text if len(text) <= _TABLE_VALUE_WIDTH else text[: _TABLE_VALUE_WIDTH - 1] + "…"
            del row["timestamp"]
    return render(rows, output)


# -- why ------------------------------------------------------------------------------------------


def why_text(explanation: Explanation) -> str:
    step = explanation.step
    lines = [_headline(step), *(f"  {line}" for line in why_details(step))]
    lines += [f"  <- {_headline(cause)}" for cause in explanation.steps[1:]]
    return "\n".join(lines)


def why_json(explanation: Explanation) -> str:
    document = {"dag_id": explanation.dag_id, "run_id": explanation.run_id, **_step_document(explanation.step)}
    if explanation.chained:
        document["chain"] = [_step_document(s) for s in explanation.steps]
    return json.dumps(document, indent=2, default=str)


def _headline(step: Step) -> str:
    when = f" (pass {step.decided_in})" if step.decided_in is not None else ""
    return f"{step.label} {step.state or 'no state yet'}: {step.reason or 'no decision recorded yet'}{when}"


def _step_document(step: Step) -> dict[str, Any]:
    return {
        "task_id": step.task_id,
        "map_index": step.map_index,
        "state": step.state,
        "reason": step.reason,
        "pass": step.decided_in,
        "try_number": step.try_number,
        "decision": step.decision,
        "details": why_details(step),
    }


def why_details(step: Step) -> list[str]:
    """The lines under a step's headline: the rule and the upstream states it saw (the ones that fired
    it marked), or the operator that decided, or the try's retry time, host or queue; then what an
    undecided instance waits for now."""
    from headwater.services.why import OPERATOR_DECISIONS

    decision = step.decision or {}
    details: list[str] = []
    if decision.get("kind") == "rule":
        fired = set(decision.get("fired_by", []))
        what = "setup constraint" if decision["rule"] == "setup" else f"trigger rule {decision['rule']}"
        looked_at = "setup tasks" if decision["rule"] == "setup" else "upstream"
        details.append(f"{what}; {looked_at} at the start of pass {decision.get('pass')}:")
        for up, up_state in sorted(decision.get("upstream", {}).items()):
            mark = "   <- fired the rule" if up in fired else ""
            details.append(f"  {up:<30} {up_state or 'no state'}{mark}")
    elif decision.get("kind") in OPERATOR_DECISIONS:
        details.append(f"decided by {OPERATOR_DECISIONS[decision['kind']]} {decision['by']!r}")
    elif step.state == "up_for_retry" and step.next_retry_at is not None:
        details.append(f"next try ({step.try_number + 1}) at {step.next_retry_at.isoformat()}")
    elif step.state == "running":
        details.append(f"try {step.try_number} running since {step.start_date} on {step.hostname} (pid {step.pid})")
    elif step.state == "queued":
        details.append(f"try {step.try_number + 1} queued at {step.queued_at} for a free worker slot")
    if step.unloadable is not None:
        details.append(f"(the DAG cannot be loaded to say what it waits for: {step.unloadable})")
    if step.now is not None:
        details.append(f"now: {step.now}")
    if step.waiting_for:
        details.append(
            "waiting for: " + ", ".join(f"{up} ({s or 'no state yet'})" for up, s in step.waiting_for.items())
        )
    return details
