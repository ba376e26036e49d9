"""Resolving both sides of ``>>`` to tasks (a group's roots or leaves, an XComArg's task, a label) and
recording the edge."""

from __future__ import annotations

from typing import Any

from headwater.model.baseoperator import BaseOperator
from headwater.model.labels import Label


def endpoints(item: Any, *, as_upstream: bool) -> list[Any]:
    """The tasks an item stands for on one side of ``>>`` (a group's leaves or roots, an XComArg's task)."""
    if isinstance(item, Label):
        return [item]
    references = getattr(item, "iter_references", None)
    if references is not None:  # XComArg: the task(s) it reads
        return [operator for operator, _ in references()]
    if isinstance(item, BaseOperator) or getattr(item, "is_mapped", False):
        return [item]
    if hasattr(item, "get_leaves"):  # TaskGroup
        return list(item.get_leaves() if as_upstream else item.get_roots())
    raise TypeError(
        f"Cannot set a dependency with {item!r} ({type(item).__name__}); use a task, a task group, "
        "the result of a @task call, or a list of them."
    )


def connect(up: Any, down: Any) -> None:
    if isinstance(down, Label):
        down.set_upstream(up)
        return
    if isinstance(up, Label):
        up.set_downstream(down)
        return
    for u in endpoints(up, as_upstream=True):
        for d in endpoints(down, as_upstream=False):
            if isinstance(u, Label) or isinstance(d, Label):
                connect(u, d)
                continue
            dag = u.dag or d.dag
            if u.dag is not None and d.dag is not None and u.dag is not d.dag:
                raise ValueError(
                    f"Tasks {u.task_id!r} (DAG {u.dag.dag_id!r}) and {d.task_id!r} (DAG {d.dag.dag_id!r}) "
                    "are in different DAGs; a dependency must stay within one DAG."
                )
            if dag is None:
                raise ValueError(
                    f"Task {u.task_id!r} >> {d.task_id!r}: neither task belongs to a DAG. Create them "
                    "inside `with DAG(...)`, under @dag, or pass dag=."
                )
            for t in (u, d):
                if t.dag is None:
                    dag.add_task(t)
            u.downstream_task_ids.add(d.task_id)
            d.upstream_task_ids.add(u.task_id)
