"""Printing records the way Airflow's listing commands do: ``-o table|json|yaml``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar

import click

OUTPUT_CHOICES = ("table", "json", "yaml")

F = TypeVar("F", bound=Callable[..., Any])


def output_option(command: F) -> F:
    return click.option(
        "-o", "--output", type=click.Choice(OUTPUT_CHOICES), default="table", show_default=True, help="Output format."
    )(command)


def plain(value: Any) -> Any:
    """A value as JSON/YAML shows it: dates in ISO 8601, enums as their string."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def render(rows: Sequence[dict[str, Any]], output: str, *, columns: Sequence[str] | None = None) -> str:
    rows = [{k: plain(v) for k, v in row.items()} for row in rows]
    if output == "json":
        return json.dumps(rows, indent=2)
    if output == "yaml":
        import yaml

        return yaml.safe_dump(rows, sort_keys=False, default_flow_style=False).rstrip() if rows else "[]"
    names = list(columns or (rows[0].keys() if rows else []))
    if not rows:
        return "No data found"
    cells = [[_cell(row.get(name)) for name in names] for row in rows]
    widths = [max(len(name), *(len(c[i]) for c in cells)) for i, name in enumerate(names)]
    line = " | ".join(name.ljust(w) for name, w in zip(names, widths, strict=True))
    rule = "=+=".join("=" * w for w in widths)
    body = [" | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join([line, rule, *body])


def _cell(value: Any) -> str:
    return "None" if value is None else str(value)
