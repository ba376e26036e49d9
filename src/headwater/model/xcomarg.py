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

    def map(self, function: Any) -> MapXComArg:
        """Each element of this output passed through ``function`` when read (for ``.expand``)."""
        return MapXComArg(self, [function])

    def zip(self, *others: XComArg, fillvalue: Any = _MISSING) -> ZipXComArg:
        """Tuples of this output's elements with the others' (the shortest wins unless ``fillvalue``)."""
        return ZipXComArg([self, *others], fillvalue)

    def concat(self, *others: XComArg) -> ConcatXComArg:
        """This output's elements followed by the others'."""
        return ConcatXComArg([self, *others])

    def __enter__(self) -> XComArg:
        self.operator.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.operator.__exit__(*exc)

    def resolve(self, context: dict[str, Any]) -> Any:
        """The pushed value (through the XCom backend); ``None`` when the return value (or a key of a
        ``multiple_outputs`` task) was not pushed; ``XComNotFound`` for any other missing key."""
        ti = context["ti"]
        group = getattr(self.operator, "mapped_group", None)
        consumer = context.get("task")
        same_group = group is not None and getattr(consumer, "mapped_group", None) is group
        indexes = ti.map_index if same_group and ti.map_index >= 0 else None
        value = ti.xcom_pull(task_ids=self.operator.task_id, key=self.key, default=_MISSING, map_indexes=indexes)
        if value is not _MISSING:
            return value
        if self.key == RETURN_KEY or getattr(self.operator, "multiple_outputs", False):
            return None
        from headwater.errors import XComNotFound

        dag_id = self.operator.dag.dag_id if self.operator.dag is not None else "?"
        raise XComNotFound(dag_id, self.operator.task_id, self.key)

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, {self.key!r})"


class MapXComArg(XComArg):
    """An output transformed element by element when read."""

    def __init__(self, source: XComArg, functions: list[Any]) -> None:
        super().__init__(source.operator, source.key)
        self.source, self.functions = source, functions

    def map(self, function: Any) -> MapXComArg:
        return MapXComArg(self.source, [*self.functions, function])

    def resolve(self, context: dict[str, Any]) -> Any:
        value = self.source.resolve(context)
        if value is None:
            return None
        items = list(value.items()) if isinstance(value, dict) else list(value)
        for function in self.functions:
            items = [function(item) for item in items]
        return items


class ZipXComArg(XComArg):
    """Several outputs zipped element by element."""

    def __init__(self, sources: list[XComArg], fillvalue: Any) -> None:
        super().__init__(sources[0].operator, sources[0].key)
        self.sources, self.fillvalue = sources, fillvalue

    def resolve(self, context: dict[str, Any]) -> Any:
        import itertools

        values = [list(s.resolve(context) or []) for s in self.sources]
        if self.fillvalue is _MISSING:
            return [tuple(t) for t in zip(*values, strict=False)]
        return [tuple(t) for t in itertools.zip_longest(*values, fillvalue=self.fillvalue)]


class ConcatXComArg(XComArg):
    """Several outputs, one after another."""

    def __init__(self, sources: list[XComArg]) -> None:
        super().__init__(sources[0].operator, sources[0].key)
        self.sources = sources

    def resolve(self, context: dict[str, Any]) -> Any:
        return [item for s in self.sources for item in (s.resolve(context) or [])]


def find_xcomargs(value: Any) -> Iterator[XComArg]:
    """Every XComArg inside a value built of lists, tuples, sets and dicts."""
    if isinstance(value, (ZipXComArg, ConcatXComArg)):
        yield from value.sources
    elif isinstance(value, MapXComArg):
        yield value.source
    elif isinstance(value, XComArg):
        yield value
    elif hasattr(value, "_hw_references"):  # MappedArgument of a mapped task group
        yield from value._hw_references()
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
