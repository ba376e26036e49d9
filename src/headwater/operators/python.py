"""Operators that call a Python function: plain, branching and short-circuiting."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

from headwater.model.baseoperator import BaseOperator
from headwater.operators.branch import BranchMixIn


def call_kwargs(func: Callable[..., Any], context: Mapping[str, Any], op_args: Sequence[Any]) -> dict[str, Any]:
    """The keyword arguments ``func`` asked for: everything with ``**kwargs``, else only named ones.

    Positional ``op_args`` must not take a name that the context also provides.
    """
    signature = inspect.signature(func)
    params = signature.parameters
    for name in list(params)[: len(op_args)]:
        if name in context and params[name].kind is not inspect.Parameter.VAR_POSITIONAL:
            raise ValueError(
                f"The positional argument {name!r} of {func.__name__}() is also a context key or op_kwargs "
                "entry; rename the parameter or pass it as a keyword."
            )
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return dict(context)
    return {name: context[name] for name in params if name in context}


class PythonOperator(BaseOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)``, adding the context entries it names."""

    template_fields: ClassVar[Sequence[str]] = ("templates_dict", "op_args", "op_kwargs")
    template_fields_renderers = {"templates_dict": "json", "op_args": "py", "op_kwargs": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise TypeError(f"Task {self.task_id!r}: python_callable must be callable, got {python_callable!r}.")
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        if templates_exts:
            self.template_ext = tuple(templates_exts)  # type: ignore[misc]
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: dict[str, Any]) -> Any:
        merged = {**context, **self.op_kwargs, "templates_dict": self.templates_dict}
        kwargs = call_kwargs(self.python_callable, merged, self.op_args)
        return self.python_callable(*self.op_args, **kwargs)


class BranchPythonOperator(PythonOperator, BranchMixIn):
    """The callable returns the task id(s) to follow; the other direct downstream tasks are skipped."""

    is_branch = True

    def execute(self, context: dict[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))


class ShortCircuitOperator(PythonOperator):
    """A falsy result skips the tasks below: all of them by default, or only the direct ones."""

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: dict[str, Any]) -> Any:
        condition = super().execute(context)
        if not condition:
            context["ti"].short_circuit(ignore_downstream_trigger_rules=self.ignore_downstream_trigger_rules)
        return condition


__all__ = ["BranchPythonOperator", "PythonOperator", "ShortCircuitOperator", "call_kwargs"]
