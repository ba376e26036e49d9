"""The machinery behind ``@task``: calling a decorated function adds a task and returns its XComArg."""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any

from headwater.model import context_stack
from headwater.model.baseoperator import BaseOperator
from headwater.model.dag import DAG
from headwater.model.mapping import MappedOperator, OperatorPartial
from headwater.model.taskgroup import TaskGroup
from headwater.model.xcomarg import XComArg


def unique_task_id(label: str, dag: DAG | None, group: TaskGroup | None) -> str:
    """``label``, or ``label__N`` with the next free N when the DAG already has that id."""
    if dag is None:
        return label
    prefix = group.child_prefix() if group is not None else ""
    if prefix + label not in dag.task_dict:
        return label
    core = re.split(r"__\d+$", label)[0]
    pattern = re.compile(rf"^{re.escape(prefix + core)}__(\d+)$")
    used = [int(m.group(1)) for tid in dag.task_dict if (m := pattern.match(tid))]
    return f"{core}__{max(used, default=0) + 1}"


def infers_multiple_outputs(function: Callable[..., Any]) -> bool:
    """A ``-> dict[...]`` (any Mapping) return annotation turns ``multiple_outputs`` on."""
    if "return" not in getattr(function, "__annotations__", {}):
        return False
    try:
        hint = typing.get_type_hints(function).get("return", Any)
    except (NameError, TypeError):
        raw = function.__annotations__["return"]
        return isinstance(raw, str) and raw.split("[")[0].strip() in {"dict", "Dict", "Mapping"}
    origin = typing.get_origin(hint) or hint
    return isinstance(origin, type) and issubclass(origin, Mapping)


class TaskDecorator:
    """A decorated function: call it to add a task, ``.expand`` to map it, ``.override`` to change options."""

    def __init__(
        self,
        function: Callable[..., Any],
        operator_class: type[BaseOperator],
        *,
        multiple_outputs: bool | None = None,
        is_setup: bool = False,
        is_teardown: bool = False,
        on_failure_fail_dagrun: bool = False,
        **kwargs: Any,
    ) -> None:
        self.function = function
        self.operator_class = operator_class
        self.multiple_outputs = infers_multiple_outputs(function) if multiple_outputs is None else multiple_outputs
        self.is_setup, self.is_teardown = is_setup, is_teardown
        self.on_failure_fail_dagrun = on_failure_fail_dagrun
        self.kwargs = kwargs
        functools.update_wrapper(self, function)

    def _task_id(self, kwargs: dict[str, Any]) -> str:
        dag = kwargs.get("dag") or context_stack.current_dag()
        group = kwargs.get("task_group") or context_stack.current_group(dag)
        return unique_task_id(kwargs.get("task_id") or self.function.__name__, dag, group)

    def _check_arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            inspect.signature(self.function).bind_partial(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"@task {self.function.__name__}(): {err}") from None

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        self._check_arguments(args, kwargs)
        options = dict(self.kwargs)
        options["task_id"] = self._task_id(options)
        operator = self.operator_class(
            python_callable=self.function,
            op_args=list(args),
            op_kwargs=kwargs,
            multiple_outputs=self.multiple_outputs,
            **options,
        )
        if self.is_setup:
            operator.as_setup()
        if self.is_teardown:
            operator.as_teardown(on_failure_fail_dagrun=self.on_failure_fail_dagrun)
        return XComArg(operator)

    def override(self, **kwargs: Any) -> TaskDecorator:
        merged = {**self.kwargs, **kwargs}
        return TaskDecorator(
            self.function,
            self.operator_class,
            multiple_outputs=merged.pop("multiple_outputs", self.multiple_outputs),
            is_setup=self.is_setup,
            is_teardown=self.is_teardown,
            **merged,
        )

    def partial(self, **kwargs: Any) -> DecoratedPartial:
        return DecoratedPartial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        return DecoratedPartial(self, {}).expand(**mapped)

    def expand_kwargs(self, kwargs_list: Any) -> XComArg:
        return DecoratedPartial(self, {}).expand_kwargs(kwargs_list)


class DecoratedPartial:
    """``@task`` function with some arguments fixed, waiting for ``.expand``."""

    def __init__(self, decorator: TaskDecorator, fixed: dict[str, Any]) -> None:
        self.decorator = decorator
        self.fixed = fixed

    def _partial(self) -> OperatorPartial:
        d = self.decorator
        options = dict(d.kwargs)
        options["task_id"] = d._task_id(options)
        return OperatorPartial(
            d.operator_class,
            {
                **options,
                "python_callable": d.function,
                "op_args": [],
                "op_kwargs": dict(self.fixed),
                "multiple_outputs": d.multiple_outputs,
            },
        )

    def expand(self, **mapped: Any) -> XComArg:
        partial = self._partial()
        return XComArg(
            MappedOperator(partial.operator_class, partial.kwargs, expand_input=mapped, expand_into_op_kwargs=True)
        )

    def expand_kwargs(self, kwargs_list: Any) -> XComArg:
        partial = self._partial()
        return XComArg(
            MappedOperator(
                partial.operator_class, partial.kwargs, expand_kwargs_input=kwargs_list, expand_into_op_kwargs=True
            )
        )


def make_decorator(
    operator_class: type[BaseOperator],
    python_callable: Callable[..., Any] | None,
    multiple_outputs: bool | None,
    kwargs: dict[str, Any],
) -> Any:
    """Support both ``@task`` and ``@task(...)``."""

    def wrap(function: Callable[..., Any]) -> TaskDecorator:
        return TaskDecorator(function, operator_class, multiple_outputs=multiple_outputs, **kwargs)

    return wrap(python_callable) if python_callable is not None else wrap
