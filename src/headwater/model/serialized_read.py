"""Reading a stored DAG document back as plain records: what a process that never imports DAG files
(the API, the UI) knows about a DAG's tasks, edges, groups and params. No DAG object is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from headwater.model.serialized import DOCUMENT_VERSION


class UnreadableDocument(ValueError):
    """A stored DAG document this version of headwater cannot read."""


@dataclass(frozen=True)
class ParamDoc:
    name: str
    value: Any
    """The default (``None`` without one; ``{"__repr": ...}`` for a value JSON cannot hold)."""
    has_default: bool
    description: str | None
    schema: dict[str, Any]

    def dump(self) -> dict[str, Any]:
        """As Airflow's REST API shows a param."""
        return {
            "__class": "airflow.models.param.Param",
            "value": self.value,
            "description": self.description,
            "schema": self.schema,
        }


@dataclass(frozen=True)
class TaskDoc:
    task_id: str
    operator_name: str
    trigger_rule: str
    downstream_task_ids: tuple[str, ...]
    upstream_task_ids: tuple[str, ...]
    task_group_id: str | None
    is_mapped: bool
    params: tuple[ParamDoc, ...]
    """The DAG's params overridden by the task's own, as the task sees them."""
    fields: dict[str, Any] = field(repr=False)
    """Every stored field (retries, pool, queue, template_fields, doc_md, ui_color, ...)."""

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


@dataclass(frozen=True)
class EdgeDoc:
    source_task_id: str
    target_task_id: str
    label: str | None


@dataclass(frozen=True)
class GroupDoc:
    group_id: str | None
    """None for the DAG's root group."""
    label: str | None
    tooltip: str
    is_mapped: bool
    task_ids: tuple[str, ...]
    """The tasks directly in this group, in declared order."""
    groups: tuple[GroupDoc, ...]

    def walk(self) -> Iterator[GroupDoc]:
        """This group and every group below it, depth first."""
        yield self
        for child in self.groups:
            yield from child.walk()


@dataclass(frozen=True)
class DagDoc:
    dag_id: str
    fileloc: str | None
    description: str | None
    doc_md: str | None
    owners: tuple[str, ...]
    tags: tuple[str, ...]
    schedule_summary: str
    timetable_description: str | None
    params: tuple[ParamDoc, ...]
    tasks: tuple[TaskDoc, ...]
    edges: tuple[EdgeDoc, ...]
    root: GroupDoc
    fields: dict[str, Any] = field(repr=False)
    """Every stored DAG field (start_date, catchup, max_active_runs, default_view, ...)."""

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def task(self, task_id: str) -> TaskDoc | None:
        return next((t for t in self.tasks if t.task_id == task_id), None)


def read_document(document: Mapping[str, Any]) -> DagDoc:
    """The DAG a stored document describes; raises ``UnreadableDocument`` for another version."""
    version = document.get("__version")
    if version != DOCUMENT_VERSION:
        raise UnreadableDocument(
            f"stored DAG document has version {version!r}, this headwater reads version {DOCUMENT_VERSION}; "
            "let the scheduler parse the DAG files again (it rewrites every document when it starts)"
        )
    dag = document["dag"]
    dag_params = _params(dag["params"])
    tasks = tuple(_task(task, dag["params"]) for task in dag["tasks"])
    return DagDoc(
        dag_id=dag["dag_id"],
        fileloc=dag["fileloc"],
        description=dag["description"],
        doc_md=dag["doc_md"],
        owners=tuple(dag["owners"]),
        tags=tuple(dag["tags"]),
        schedule_summary=dag["schedule"]["summary"],
        timetable_description=dag["schedule"]["description"],
        params=dag_params,
        tasks=tasks,
        edges=tuple(EdgeDoc(e["source_task_id"], e["target_task_id"], e.get("label")) for e in dag["edges"]),
        root=_group(dag["task_group"]),
        fields=dict(dag),
    )


def _params(raw: Mapping[str, Any]) -> tuple[ParamDoc, ...]:
    return tuple(
        ParamDoc(name, p["value"], p["has_default"], p["description"], dict(p["schema"])) for name, p in raw.items()
    )


def _task(raw: Mapping[str, Any], dag_params: Mapping[str, Any]) -> TaskDoc:
    return TaskDoc(
        task_id=raw["task_id"],
        operator_name=raw["operator_name"],
        trigger_rule=raw["trigger_rule"],
        downstream_task_ids=tuple(raw["downstream_task_ids"]),
        upstream_task_ids=tuple(raw["upstream_task_ids"]),
        task_group_id=raw["task_group_id"],
        is_mapped=raw["is_mapped"],
        params=_params({**dag_params, **raw["params"]}),
        fields=dict(raw),
    )


def _group(raw: Mapping[str, Any]) -> GroupDoc:
    children = raw["children"]
    return GroupDoc(
        group_id=raw["group_id"],
        label=raw["label"],
        tooltip=raw["tooltip"],
        is_mapped=raw["is_mapped"],
        task_ids=tuple(c["task_id"] for c in children if c["type"] == "task"),
        groups=tuple(_group(c) for c in children if c["type"] == "group"),
    )
