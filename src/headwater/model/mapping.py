"""Dynamic task mapping: ``.partial(...)``, ``.expand(...)``, ``.expand_kwargs(...)``.

A mapped task is one node of the DAG; when it becomes ready its inputs are resolved and it turns
into one task instance per value (or combination of values), keyed by map index.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from headwater.model import context_stack
from headwater.model.baseoperator import BaseOperator, default_args_for
from headwater.model.xcomarg import MappedElement, MapXComArg, XComArg, find_xcomargs


class OperatorPartial:
    """An operator class with some arguments fixed; ``expand`` maps the rest."""

    def __init__(self, operator_class: type[BaseOperator], kwargs: dict[str, Any]) -> None:
        if "task_id" not in kwargs:
            raise TypeError(f"{operator_class.__name__}.partial() needs a task_id.")
        dag = kwargs.get("dag") or context_stack.current_dag()
        group = kwargs.get("task_group") or context_stack.current_group(dag)
        self.operator_class = operator_class
        self.kwargs = {**default_args_for(operator_class, dag, group, kwargs.pop("default_args", None)), **kwargs}

    def expand(self, **mapped: Any) -> MappedOperator:
        return MappedOperator(self.operator_class, self.kwargs, expand_input=mapped)

    def expand_kwargs(self, kwargs_list: Any) -> MappedOperator:
        return MappedOperator(self.operator_class, self.kwargs, expand_kwargs_input=kwargs_list)


_BASE_FIELDS = (
    "trigger_rule",
    "retries",
    "retry_delay",
    "retry_exponential_backoff",
    "max_retry_delay",
    "execution_timeout",
    "do_xcom_push",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "weight_rule",
    "max_active_tis_per_dag",
    "max_active_tis_per_dagrun",
    "depends_on_past",
    "params",
    "multiple_outputs",
    "dag",
    "task_group",
    "doc_md",
    "start_date",
    "end_date",
)


class MappedOperator(BaseOperator):
    """A task that becomes one instance per mapped value at run time."""

    @property
    def is_mapped(self) -> bool:
        return True

    def __init__(
        self,
        operator_class: type[BaseOperator],
        partial_kwargs: dict[str, Any],
        *,
        expand_input: dict[str, Any] | None = None,
        expand_kwargs_input: Any = None,
        expand_into_op_kwargs: bool = False,
    ) -> None:
        base = {k: partial_kwargs[k] for k in _BASE_FIELDS if k in partial_kwargs}
        super().__init__(task_id=partial_kwargs["task_id"], **base)
        self.operator_class = operator_class
        self.partial_kwargs = {k: v for k, v in partial_kwargs.items() if k not in ("dag", "task_group")}
        self.expand_input = dict(expand_input or {})
        self.expand_kwargs_input = expand_kwargs_input
        self.expand_into_op_kwargs = expand_into_op_kwargs
        fixed = partial_kwargs.get("op_kwargs", {}) if expand_into_op_kwargs else partial_kwargs
        if duplicated := sorted(set(fixed) & set(self.expand_input)):
            raise TypeError(
                f"Task {partial_kwargs['task_id']!r}: {', '.join(duplicated)} given to both partial() and expand(); "
                "map an argument or fix it, not both."
            )
        self.template_fields = operator_class.template_fields  # type: ignore[misc]
        for arg in [
            *find_xcomargs(self.expand_input),
            *find_xcomargs(expand_kwargs_input),
            *find_xcomargs(self.partial_kwargs),
        ]:
            self.set_upstream(arg.operator)

    @property
    def task_type(self) -> str:
        return self.operator_class.__name__

    def expansion(self, context: dict[str, Any]) -> tuple[list[dict[str, Any]], frozenset[str]]:
        """The mapped arguments of each instance in map-index order, and the names whose values came from
        upstream outputs (those are passed as they are, never rendered as templates).

        Raises ``MissingMapInput`` when an upstream output it maps over was never pushed.
        """
        rows = expand_rows(self.expand_input or None, self.expand_kwargs_input, context, self.task_id)
        if self.expand_kwargs_input is not None:
            from_xcom = (
                frozenset(k for row in rows for k in row)
                if isinstance(self.expand_kwargs_input, XComArg)
                else frozenset()
            )
            return rows, from_xcom
        return rows, frozenset(n for n, v in self.expand_input.items() if isinstance(v, XComArg))

    def unmap(self, mapped_kwargs: dict[str, Any]) -> BaseOperator:
        """A concrete operator for one map index."""
        kwargs = dict(self.partial_kwargs)
        if self.expand_into_op_kwargs:
            kwargs["op_kwargs"] = {**kwargs.get("op_kwargs", {}), **mapped_kwargs}
        else:
            kwargs.update(mapped_kwargs)
        return self.operator_class(**kwargs, _hw_unmapped_from=self)

    def execute(self, context: dict[str, Any]) -> Any:
        raise RuntimeError(f"Mapped task {self.task_id!r} runs through its expanded instances only.")


def expand_rows(
    expand_input: dict[str, Any] | None, expand_kwargs_input: Any, context: dict[str, Any], owner: str
) -> list[dict[str, Any]]:
    """The argument rows an expansion produces: the cross product of ``expand`` inputs, or the dicts of
    ``expand_kwargs``, resolving upstream outputs now (a ``.map()``-ed output's items stay ``MappedElement``s,
    transformed by ``materialize`` when their instance runs)."""
    if expand_kwargs_input is not None:
        return [dict(row) for row in _resolve(expand_kwargs_input, context, owner)]
    names = list(expand_input or {})
    columns = [_resolve((expand_input or {})[n], context, owner, lazy=True) for n in names]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]


class MappedArgument:
    """An argument of a mapped task group's function: each map index reads its own value."""

    def __init__(self, group: Any, name: str) -> None:
        self.group, self.name = group, name

    def _hw_references(self) -> list[XComArg]:
        return [*find_xcomargs(self.group.expand_input), *find_xcomargs(self.group.expand_kwargs_input)]

    def resolve(self, context: dict[str, Any]) -> Any:
        rows = self.group.expansion_rows(context)
        value = rows[context["ti"].map_index][self.name]
        return value.get() if isinstance(value, MappedElement) else value

    def __repr__(self) -> str:
        return f"MappedArgument({self.group.group_id!r}, {self.name!r})"


class MissingMapInput(LookupError):
    """Raised when a mapped task's input comes from an upstream output that was never pushed."""


def is_mappable(value: Any) -> bool:
    """Whether a task's output can be mapped over: a list-like sequence (not a string) or a dict."""
    return isinstance(value, dict) or (isinstance(value, Sequence) and not isinstance(value, (str, bytes)))


def mapped_consumers(operator: BaseOperator) -> list[str]:
    """Mapped tasks downstream of ``operator`` that expand over one of its outputs."""
    if operator.dag is None:
        return []
    found = []
    for task_id in sorted(operator.downstream_task_ids):
        task = operator.dag.task_dict[task_id]
        if isinstance(task, MappedOperator):
            sources = [*find_xcomargs(task.expand_input), *find_xcomargs(task.expand_kwargs_input)]
            if any(arg.operator.task_id == operator.task_id for arg in sources):
                found.append(task_id)
    return found


def _resolve(value: Any, context: dict[str, Any], task_id: str, *, lazy: bool = False) -> list[Any]:
    if lazy and isinstance(value, MapXComArg):
        elements = value.elements(context)
        if elements is None:
            raise MissingMapInput(
                f"the output of {value.operator.task_id!r} that {task_id!r} maps over was never pushed"
            )
        return elements
    if isinstance(value, XComArg):
        resolved = value.resolve(context)
        if resolved is None:
            raise MissingMapInput(
                f"the output of {value.operator.task_id!r} that {task_id!r} maps over was never pushed"
            )
        return list(resolved.items()) if isinstance(resolved, dict) else list(resolved)
    if isinstance(value, dict):
        return list(value.items())
    return list(value)


def materialize(mapped_kwargs: dict[str, Any]) -> dict[str, Any]:
    """One instance's mapped arguments with every ``.map()`` function applied (raises what they raise)."""
    return {k: v.get() if isinstance(v, MappedElement) else v for k, v in mapped_kwargs.items()}
