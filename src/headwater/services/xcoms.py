"""XComs: what a task instance pushed — the value as its backend shows it, its type, size and place."""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any

from headwater.services.context import ServiceContext
from headwater.services.errors import translated
from headwater.services.task_instances import require_task
from headwater.store.records import XComRow


@dataclass
class XComRecord:
    """One stored XCom. ``size`` is the serialized size in bytes; ``location`` is ``database`` or the URL
    of the offloaded object; ``value`` says ``<unreadable: ...>`` for a row that cannot be read."""

    key: str
    map_index: int
    type: str | None
    size: int | None
    location: str
    timestamp: dt.datetime | None
    value: Any


def list_xcoms(
    ctx: ServiceContext,
    *,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str | None = None,
    map_index: int | None = None,
) -> list[XComRecord]:
    """The XComs a task instance pushed (all its mapped instances unless ``map_index``), by map index and
    key. NotFound when the run or the task is not recorded."""
    require_task(ctx, dag_id=dag_id, run_id=run_id, task_id=task_id)
    rows = [
        r
        for r in ctx.store.xcoms_of(dag_id, run_id, task_id)
        if (key is None or r.key == key) and (map_index is None or r.map_index == map_index)
    ]
    with translated():
        return [_record(r, ctx.store.xcom_backend) for r in sorted(rows, key=lambda r: (r.map_index, r.key))]


def _record(row: XComRow, backend: Any) -> XComRecord:
    """A row as listed: one that cannot be read is listed with why, so it does not hide the others."""
    from headwater.store.xcom import codec

    obj = backend.__new__(backend)
    obj.__dict__.update(row.__dict__)
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
    return XComRecord(row.key, row.map_index, kind, size, location, row.timestamp, value)
