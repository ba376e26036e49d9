"""Which DAG and task group a new task joins: the ``with DAG(...)`` / ``with TaskGroup(...)`` stack.

Airflow's authoring model attaches a task to the innermost open DAG and group. That implicit
"current" is part of the user-facing model, so it lives here, once, and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.model.dag import DAG
    from headwater.model.taskgroup import TaskGroup

_dags: list[DAG] = []
_groups: list[TaskGroup] = []
autoregistered: list[DAG] | None = None
"""While a DAG bag imports a file: every DAG opened with ``with`` (or built by ``@dag``) in it."""


def push_dag(dag: DAG) -> None:
    _dags.append(dag)
    if autoregistered is not None:
        autoregistered.append(dag)


def pop_dag() -> None:
    _dags.pop()


def current_dag() -> DAG | None:
    return _dags[-1] if _dags else None


def push_group(group: TaskGroup) -> None:
    _groups.append(group)


def pop_group() -> None:
    _groups.pop()


def current_group(dag: DAG | None) -> TaskGroup | None:
    """The innermost open group that belongs to ``dag`` (or the DAG's root group)."""
    for group in reversed(_groups):
        if group.dag is dag:
            return group
    return dag.task_group if dag is not None else None
