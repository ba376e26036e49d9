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
from headwater.model.xcomarg import XComArg, find_xcomargs


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
    "depends_on_past",
    "params",
    "multiple_outputs",
    "dag",
    "task_group",
    "doc_md",
)


class MappedOperator(BaseOperator):
    """A task that becomes one instance per mapped value at run time."""

    is_mapped = True

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

    def expansion(self, context: dict[str, Any]) -> list[dict[str, Any]]:
        """The mapped arguments of each instance, in map-index order (resolving upstream outputs now)."""
        if self.expand_kwargs_input is not None:
            rows = _resolve(self.expand_kwargs_input, context)
            return [dict(row) for row in rows or []]
        names = list(self.expand_input)
        columns = [list(_resolve(self.expand_input[n], context) or []) for n in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]

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


def _resolve(value: Any, context: dict[str, Any]) -> Sequence[Any]:
    if isinstance(value, XComArg):
        resolved = value.resolve(context)
        if resolved is None:
            return []
        if isinstance(resolved, dict):
            return list(resolved.items())
        return list(resolved)
    return list(value)
