"""Operators behind the decorators: they call the decorated function with resolved arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from headwater.errors import TaskError
from headwater.operators.bash import BashOperator
from headwater.operators.external_python import BranchExternalPythonOperator, ExternalPythonOperator
from headwater.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator, call_kwargs
from headwater.operators.python_virtualenv import BranchPythonVirtualenvOperator, PythonVirtualenvOperator


class DecoratedPythonOperator(PythonOperator):
    """``@task``: the return value is pushed; with ``multiple_outputs`` each dict key is pushed too."""

    custom_operator_name = "@task"


class DecoratedBranchOperator(BranchPythonOperator):
    """``@task.branch``."""

    custom_operator_name = "@task.branch"


class DecoratedShortCircuitOperator(ShortCircuitOperator):
    """``@task.short_circuit``."""

    custom_operator_name = "@task.short_circuit"


class DecoratedBashOperator(BashOperator):
    """``@task.bash``: the function returns the command to run (templated like ``bash_command``)."""

    custom_operator_name = "@task.bash"
    template_fields: ClassVar[Sequence[str]] = ("bash_command", "env", "cwd", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Any,
        op_args: list[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        multiple_outputs: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("bash_command", None)
        super().__init__(bash_command="", **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})

    def execute(self, context: dict[str, Any]) -> Any:
        merged = {**context, **self.op_kwargs}
        command = self.python_callable(*self.op_args, **call_kwargs(self.python_callable, merged, self.op_args))
        if not isinstance(command, str) or not command.strip():
            raise TaskError(
                f"Task {self.task_id!r}: a @task.bash function must return a non-empty command string; got {command!r}."
            )
        self.bash_command = context["ti"].render(command)
        return super().execute(context)


class DecoratedVirtualenvOperator(PythonVirtualenvOperator):
    """``@task.virtualenv``: the function's source (without its decorator) runs in a cached venv."""

    custom_operator_name = "@task.virtualenv"


class DecoratedBranchVirtualenvOperator(BranchPythonVirtualenvOperator):
    """``@task.branch_virtualenv``."""

    custom_operator_name = "@task.branch_virtualenv"


class DecoratedExternalPythonOperator(ExternalPythonOperator):
    """``@task.external_python(python=...)``."""

    custom_operator_name = "@task.external_python"


class DecoratedBranchExternalPythonOperator(BranchExternalPythonOperator):
    """``@task.branch_external_python(python=...)``."""

    custom_operator_name = "@task.branch_external_python"
