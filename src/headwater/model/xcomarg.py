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
    """The value ``operator`` pushes under ``key``; resolved when the consuming task runs.

    Stands for its task(s) on either side of ``>>``, can be made a setup or teardown, and can be
    transformed (``map``, ``zip``, ``concat``) for ``.expand``, as Airflow's ``XComArg``."""

    def __init__(self, operator: BaseOperator, key: str = RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    # -- references -------------------------------------------------------------------------------

    def iter_references(self) -> Iterator[tuple[BaseOperator, str]]:
        """The ``(task, key)`` pairs this argument reads."""
        yield self.operator, self.key

    @staticmethod
    def iter_xcom_references(arg: Any) -> Iterator[tuple[BaseOperator, str]]:
        """Every ``(task, key)`` an arbitrary value refers to, looking inside lists, tuples, sets and dicts."""
        for found in find_xcomargs(arg):
            yield from found.iter_references()

    @staticmethod
    def apply_upstream_relationship(op: BaseOperator, arg: Any) -> None:
        """Make every task ``arg`` refers to an upstream of ``op``."""
        for operator, _ in XComArg.iter_xcom_references(arg):
            op.set_upstream(operator)

    @property
    def roots(self) -> list[BaseOperator]:
        return [operator for operator, _ in self.iter_references()]

    @property
    def leaves(self) -> list[BaseOperator]:
        return [operator for operator, _ in self.iter_references()]

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        for operator, _ in self.iter_references():
            operator.set_upstream(other)

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        for operator, _ in self.iter_references():
            operator.set_downstream(other)

    # -- setup and teardown -----------------------------------------------------------------------

    @property
    def is_setup(self) -> bool:
        return self.operator.is_setup

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        self.operator.is_setup = value

    @property
    def is_teardown(self) -> bool:
        return self.operator.is_teardown

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        self.operator.is_teardown = value

    @property
    def on_failure_fail_dagrun(self) -> bool:
        return self.operator.on_failure_fail_dagrun

    @on_failure_fail_dagrun.setter
    def on_failure_fail_dagrun(self, value: bool) -> None:
        self.operator.on_failure_fail_dagrun = value

    def as_setup(self) -> XComArg:
        """Make the task(s) behind this argument setup tasks; returns the argument, for ``>>`` chains."""
        for operator, _ in self.iter_references():
            operator.as_setup()
        return self

    def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> XComArg:
        """Make the task(s) behind this argument teardowns (rule ``all_done_setup_success``), downstream of
        ``setups`` (tasks or TaskFlow results, made setups too); returns the argument."""
        for operator, _ in self.iter_references():
            operator.as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        return self

    # -- reading the value ------------------------------------------------------------------------

    def __getitem__(self, key: str) -> XComArg:
        if not isinstance(key, str):
            raise ValueError(
                f"The output of task {self.operator.task_id!r} can only be indexed by an XCom key (a str), "
                f"not by {type(key).__name__} {key!r}; to use an element, pass the whole output to a @task."
            )
        return XComArg(self.operator, key)

    def __eq__(self, other: object) -> bool:
        if type(other) is not XComArg or type(self) is not XComArg:
            return NotImplemented
        return self.operator is other.operator and self.key == other.key

    def __hash__(self) -> int:
        return hash((id(self.operator), self.key))

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"The output of task {self.operator.task_id!r} is not known until it runs, so it cannot be "
            "iterated while the DAG is defined. Pass it to a @task, or map over it with .expand()."
        )

    def __str__(self) -> str:
        """A Jinja expression pulling the value, for an f-string in a templated field (Airflow's old style)."""
        dag_id = self.operator.dag.dag_id if self.operator.dag is not None else None
        return (
            f"{{{{ task_instance.xcom_pull(task_ids='{self.operator.task_id}', dag_id='{dag_id}', "
            f"key='{self.key}') }}}}"
        )

    def _needs_return_value(self, what: str) -> None:
        if self.key != RETURN_KEY:
            raise ValueError(
                f"Cannot {what} the XCom {self.key!r} of task {self.operator.task_id!r}: only a task's return "
                f"value can be mapped over. Return the list from the task instead of pushing it under a key."
            )

    def map(self, function: Any) -> MapXComArg:
        """Each element of this output passed through ``function`` when read (for ``.expand``)."""
        self._needs_return_value("map over")
        return MapXComArg(self, [function])

    def zip(self, *others: XComArg, fillvalue: Any = _MISSING) -> ZipXComArg:
        """Tuples of this output's elements with the others' (the shortest wins unless ``fillvalue``)."""
        self._needs_return_value("zip")
        return ZipXComArg([self, *others], fillvalue)

    def concat(self, *others: XComArg) -> ConcatXComArg:
        """This output's elements followed by the others'."""
        self._needs_return_value("concatenate")
        return ConcatXComArg([self, *others])

    def __enter__(self) -> XComArg:
        self.operator.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.operator.__exit__(*exc)

    def resolve(self, context: dict[str, Any], session: Any = None, *, include_xcom: bool = True) -> Any:
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
        if self.key == RETURN_KEY:
            return f"XComArg({self.operator!r})"
        return f"XComArg({self.operator!r}, {self.key!r})"


class MapXComArg(XComArg):
    """An output transformed element by element when read."""

    def __init__(self, source: XComArg, functions: list[Any]) -> None:
        super().__init__(source.operator, source.key)
        self.source, self.functions = source, functions

    def iter_references(self) -> Iterator[tuple[BaseOperator, str]]:
        yield from self.source.iter_references()

    def map(self, function: Any) -> MapXComArg:
        return MapXComArg(self.source, [*self.functions, function])

    def resolve(self, context: dict[str, Any], session: Any = None, *, include_xcom: bool = True) -> Any:
        elements = self.elements(context)
        return None if elements is None else [element.get() for element in elements]

    def elements(self, context: dict[str, Any]) -> list[MappedElement] | None:
        """One not-yet-transformed element per source item: a task expanded over this output gets its map
        index's element and transforms it when that instance runs, as Airflow does, so a function raising
        AirflowSkipException skips (or any other error fails) that instance alone."""
        value = self.source.resolve(context)
        if value is None:
            return None
        items = list(value.items()) if isinstance(value, dict) else list(value)
        return [MappedElement(item, self.functions) for item in items]


class MappedElement:
    """One item of a ``.map()``-ed output with the functions still to apply to it."""

    def __init__(self, item: Any, functions: list[Any]) -> None:
        self.item, self.functions = item, functions

    def get(self) -> Any:
        value = self.item
        for function in self.functions:
            value = function(value)
        return value

    def __repr__(self) -> str:
        return f"MappedElement({self.item!r})"


class ZipXComArg(XComArg):
    """Several outputs zipped element by element."""

    def __init__(self, sources: list[XComArg], fillvalue: Any) -> None:
        super().__init__(sources[0].operator, sources[0].key)
        self.sources, self.fillvalue = sources, fillvalue

    def iter_references(self) -> Iterator[tuple[BaseOperator, str]]:
        for source in self.sources:
            yield from source.iter_references()

    def resolve(self, context: dict[str, Any], session: Any = None, *, include_xcom: bool = True) -> Any:
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

    def iter_references(self) -> Iterator[tuple[BaseOperator, str]]:
        for source in self.sources:
            yield from source.iter_references()

    def concat(self, *others: XComArg) -> ConcatXComArg:
        return ConcatXComArg([*self.sources, *others])

    def resolve(self, context: dict[str, Any], session: Any = None, *, include_xcom: bool = True) -> Any:
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
