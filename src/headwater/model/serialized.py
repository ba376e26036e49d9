"""A DAG as a JSON document: what the database keeps about a DAG's structure, so that processes which
must not import users' DAG files (the API, the UI) can still show tasks, edges, groups and params.

The document is deterministic: the same DAG gives the same bytes (sorted keys, sorted ids, no memory
addresses), so its hash tells whether a re-parsed DAG changed. Values that JSON cannot hold (a param's
default that is a ``date``-like object of a user's class, say) are kept as ``{"__repr": "..."}``.
Pure: no I/O. ``headwater.model.serialized_read`` turns a document back into plain records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.model.params import Param
from headwater.model.taskgroup import TaskGroup

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.model.dag import DAG

DOCUMENT_VERSION = 1
"""Bumped when the document's shape changes in a way an old reader would misread."""

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

_TIMETABLE_DESCRIPTIONS = {"None": "Never, external triggers only", "@once": "Once, as soon as possible"}
"""Airflow's wording for the schedules whose description does not depend on their value."""


def json_safe(value: Any) -> Any:
    """``value`` as JSON can hold it, the same every time: datetimes in ISO 8601, durations in seconds,
    sets sorted, anything else as its repr without memory addresses."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__repr": repr(value)}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((json_safe(v) for v in value), key=canonical_json)
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a user's class whose repr fails is still stored, by its type's name
        text = f"<{type(value).__name__}>"
    return {"__repr": _ADDRESS.sub("", text)}


def canonical_json(document: Any) -> str:
    """The one text of a JSON-safe value: sorted keys, no spaces."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of the document's canonical text: equal hashes, equal DAG structure."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def serialize_dag(dag: DAG) -> dict[str, Any]:
    """The DAG's document (``{"__version": 1, "dag": {...}}``), JSON-safe and deterministic."""
    tasks = [_task(task) for _, task in sorted(dag.task_dict.items())]
    edges = [
        {"source_task_id": task_id, "target_task_id": down, **_edge_extra(dag, task_id, down)}
        for task_id, task in sorted(dag.task_dict.items())
        for down in sorted(task.downstream_task_ids)
    ]
    owners = sorted({part.strip() for t in dag.task_dict.values() for part in str(t.owner).split(",")} - {""})
    summary = dag.timetable.summary
    document = {
        "dag_id": dag.dag_id,
        "fileloc": dag.fileloc,
        "description": dag.description,
        "doc_md": dag.doc_md,
        "owners": owners,
        "tags": sorted({str(tag) for tag in dag.tags}),
        "schedule": {
            "summary": summary,
            "timetable": type(dag.timetable).__name__,
            "description": getattr(dag.timetable, "description", None) or _TIMETABLE_DESCRIPTIONS.get(summary),
        },
        "start_date": json_safe(dag.start_date),
        "end_date": json_safe(dag.end_date),
        "catchup": dag.catchup is not False,
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "max_consecutive_failed_dag_runs": getattr(dag, "max_consecutive_failed_dag_runs", 0) or 0,
        "dagrun_timeout": json_safe(dag.dagrun_timeout),
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "render_template_as_native_obj": dag.render_template_as_native_obj,
        "template_searchpath": [str(p) for p in dag.template_searchpath],
        "default_view": getattr(dag, "default_view", None) or "grid",
        "orientation": getattr(dag, "orientation", None) or "LR",
        "dag_display_name": getattr(dag, "dag_display_name", None) or dag.dag_id,
        "has_on_success_callback": dag.on_success_callback is not None,
        "has_on_failure_callback": dag.on_failure_callback is not None,
        "params": serialize_params(dag.params.raw()),
        "tasks": tasks,
        "edges": edges,
        "task_group": _group(dag.task_group),
    }
    return {"__version": DOCUMENT_VERSION, "dag": json_safe(document)}


def serialize_params(params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each param as Airflow's ``Param.dump()`` shows it: its default (``value``), description and schema;
    a plain value is a param with that default and no schema."""
    found: dict[str, dict[str, Any]] = {}
    for name, param in params.items():
        if isinstance(param, Param):
            found[name] = {
                "value": json_safe(param.value) if param.has_value else None,
                "has_default": param.has_value,
                "description": param.description,
                "schema": json_safe(param.schema),
            }
        else:
            found[name] = {"value": json_safe(param), "has_default": True, "description": None, "schema": {}}
    return found


def _edge_extra(dag: DAG, upstream: str, downstream: str) -> dict[str, Any]:
    info = dag.get_edge_info(upstream, downstream)
    return {"label": info["label"]} if info and "label" in info else {}


def _task(task: BaseOperator) -> dict[str, Any]:
    operator_class = getattr(task, "operator_class", type(task))
    group = task.task_group
    return {
        "task_id": task.task_id,
        "label": task.label,
        "task_display_name": getattr(task, "task_display_name", None) or task.task_id,
        "operator_name": getattr(operator_class, "custom_operator_name", None) or operator_class.__name__,
        "task_type": task.task_type,
        "class_ref": {"module_path": operator_class.__module__, "class_name": operator_class.__name__},
        "owner": task.owner,
        "trigger_rule": str(getattr(task.trigger_rule, "value", task.trigger_rule)),
        "retries": task.retries,
        "retry_delay": json_safe(task.retry_delay),
        "retry_exponential_backoff": task.retry_exponential_backoff,
        "max_retry_delay": json_safe(task.max_retry_delay),
        "execution_timeout": json_safe(task.execution_timeout),
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "queue": task.queue,
        "priority_weight": task.priority_weight,
        "weight_rule": str(task.weight_rule),
        "depends_on_past": task.depends_on_past,
        "wait_for_downstream": task.wait_for_downstream,
        "max_active_tis_per_dag": task.max_active_tis_per_dag,
        "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
        "start_date": json_safe(task.start_date),
        "end_date": json_safe(task.end_date),
        "upstream_task_ids": sorted(task.upstream_task_ids),
        "downstream_task_ids": sorted(task.downstream_task_ids),
        "task_group_id": group.group_id if group is not None else None,
        "is_mapped": task.is_mapped,
        "is_setup": task.is_setup,
        "is_teardown": task.is_teardown,
        "template_fields": [str(f) for f in task.template_fields],
        "doc_md": task.doc_md,
        "ui_color": getattr(task, "ui_color", "#fff"),
        "ui_fgcolor": getattr(task, "ui_fgcolor", "#000"),
        "params": serialize_params(task._own_params),
    }


def _group(group: TaskGroup) -> dict[str, Any]:
    """The group tree; children in the order they were declared (the order a graph draws them)."""
    children: list[dict[str, Any]] = []
    for child in group.children.values():
        if isinstance(child, TaskGroup):
            children.append(_group(child))
        else:
            children.append({"type": "task", "task_id": child.task_id})
    return {
        "type": "group",
        "group_id": group.group_id,
        "label": group.label,
        "tooltip": group.tooltip,
        "prefix_group_id": group.prefix_group_id,
        "is_mapped": group.is_mapped,
        "children": children,
    }
