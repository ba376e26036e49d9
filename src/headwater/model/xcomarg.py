"""``XComArg``: a task's future output, usable as another task's argument and as a ``>>`` endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from headwater.model.dependencies import DependencyMixin

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator

RETURN_KEY = "return_value"
_MISSING: Any = object()


class XComArg(DependencyMixin):
    """The value ``operator`` pushes under ``key``; resolved when the consuming task runs."""

    def __init__(self, operator: BaseOperator, key: str = RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    def __getitem__(self, key: str) -> XComArg:
        return XComArg(self.operator, key)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"The output of task {self.operator.task_id!r} is not known until it runs, so it cannot be "
            "iterated while the DAG is defined. Pass it to a @task, or map over it with .expand()."
        )

    def set_upstream(self, other: Any) -> None:
        self.operator.set_upstream(other)

    def set_downstream(self, other: Any) -> None:
        self.operator.set_downstream(other)

    def resolve(self, context: dict[str, Any]) -> Any:
        """The pushed value (through the XCom backend); ``None`` when the return value (or a key of a
        ``multiple_outputs`` task) was not pushed; ``XComNotFound`` for any other missing key."""
        value = context["ti"].xcom_pull(task_ids=self.operator.task_id, key=self.key, default=_MISSING)
        if value is not _MISSING:
            return value
        if self.key == RETURN_KEY or getattr(self.operator, "multiple_outputs", False):
            return None
        from headwater.errors import XComNotFound

        dag_id = self.operator.dag.dag_id if self.operator.dag is not None else "?"
        raise XComNotFound(dag_id, self.operator.task_id, self.key)

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, {self.key!r})"


def find_xcomargs(value: Any) -> Iterator[XComArg]:
    """Every XComArg inside a value built of lists, tuples, sets and dicts."""
    if isinstance(value, XComArg):
        yield value
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from find_xcomargs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from find_xcomargs(item)


def resolve_xcomargs(value: Any, context: dict[str, Any]) -> Any:
    """``value`` with every XComArg replaced by what it resolves to now."""
    if isinstance(value, XComArg):
        return value.resolve(context)
    if isinstance(value, list):
        return [resolve_xcomargs(v, context) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve_xcomargs(v, context) for v in value)
    if isinstance(value, dict):
        return {k: resolve_xcomargs(v, context) for k, v in value.items()}
    return value
