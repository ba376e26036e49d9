"""TaskFlow: ``@task`` and friends, ``@dag``, ``@task_group``, ``@setup`` / ``@teardown``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from headwater.decorators.base import TaskDecorator, make_decorator
from headwater.decorators.condition import run_if, skip_if
from headwater.decorators.operators import (
    DecoratedBashOperator,
    DecoratedBranchExternalPythonOperator,
    DecoratedBranchOperator,
    DecoratedBranchVirtualenvOperator,
    DecoratedExternalPythonOperator,
    DecoratedPythonOperator,
    DecoratedShortCircuitOperator,
    DecoratedVirtualenvOperator,
)
from headwater.model.dag import dag
from headwater.model.taskgroup import TaskGroup


class _TaskNamespace:
    """``task``, ``task.python``, ``task.branch``, ``task.short_circuit``, ``task.bash``, the
    virtualenv / external-Python variants and the conditions ``task.run_if`` / ``task.skip_if``."""

    def __call__(
        self,
        python_callable: Callable[..., Any] | None = None,
        *,
        multiple_outputs: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        return make_decorator(DecoratedPythonOperator, python_callable, multiple_outputs, kwargs)

    python = __call__

    def branch(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return make_decorator(DecoratedBranchOperator, python_callable, False, kwargs)

    def short_circuit(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return make_decorator(DecoratedShortCircuitOperator, python_callable, False, kwargs)

    def bash(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return make_decorator(DecoratedBashOperator, python_callable, False, kwargs)

    def virtualenv(
        self, python_callable: Callable[..., Any] | None = None, *, multiple_outputs: bool | None = None, **kwargs: Any
    ) -> Any:
        return make_decorator(DecoratedVirtualenvOperator, python_callable, multiple_outputs, kwargs)

    def branch_virtualenv(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return make_decorator(DecoratedBranchVirtualenvOperator, python_callable, False, kwargs)

    def external_python(
        self, python_callable: Callable[..., Any] | None = None, *, multiple_outputs: bool | None = None, **kwargs: Any
    ) -> Any:
        return make_decorator(DecoratedExternalPythonOperator, python_callable, multiple_outputs, kwargs)

    def branch_external_python(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return make_decorator(DecoratedBranchExternalPythonOperator, python_callable, False, kwargs)

    run_if = staticmethod(run_if)
    skip_if = staticmethod(skip_if)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"@task.{name} is not available in headwater; use @task, @task.branch, @task.short_circuit, "
            "@task.bash, @task.virtualenv, @task.branch_virtualenv, @task.external_python, "
            "@task.branch_external_python, @task.run_if or @task.skip_if."
        )


task = _TaskNamespace()


def virtualenv_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Airflow's function spelling of ``@task.virtualenv``."""
    return task.virtualenv(python_callable, **kwargs)


def external_python_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Airflow's function spelling of ``@task.external_python``."""
    return task.external_python(python_callable, **kwargs)


def branch_virtualenv_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Airflow's function spelling of ``@task.branch_virtualenv``."""
    return task.branch_virtualenv(python_callable, **kwargs)


def branch_external_python_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Airflow's function spelling of ``@task.branch_external_python``."""
    return task.branch_external_python(python_callable, **kwargs)


def _as_decorator(function: Callable[..., Any] | TaskDecorator) -> TaskDecorator:
    if isinstance(function, TaskDecorator):
        return function
    decorator: TaskDecorator = task(function)
    return decorator


def setup(function: Callable[..., Any] | TaskDecorator) -> TaskDecorator:
    """Mark a TaskFlow task as a setup task."""
    decorated = _as_decorator(function)
    decorated.is_setup = True
    return decorated


def teardown(
    function: Callable[..., Any] | TaskDecorator | None = None, *, on_failure_fail_dagrun: bool = False
) -> Any:
    """Mark a TaskFlow task as a teardown task (rule ``all_done_setup_success``)."""

    def wrap(fn: Callable[..., Any] | TaskDecorator) -> TaskDecorator:
        decorated = _as_decorator(fn)
        decorated.is_teardown = True
        decorated.on_failure_fail_dagrun = on_failure_fail_dagrun
        return decorated

    return wrap(function) if function is not None else wrap


class _TaskGroupFactory:
    """A decorated task-group function: calling it builds the group."""

    def __init__(self, function: Callable[..., Any], group_id: str | None, options: dict[str, Any]) -> None:
        self.function, self.group_id, self.options = function, group_id, options
        functools.update_wrapper(self, function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        options = {"add_suffix_on_collision": True, **self.options}
        with TaskGroup(self.group_id or self.function.__name__, **options) as group:
            result = self.function(*args, **kwargs)
        return result if result is not None else group

    def partial(self, **fixed: Any) -> _MappedTaskGroupFactory:
        return _MappedTaskGroupFactory(self, fixed)

    def expand(self, **mapped: Any) -> Any:
        return _MappedTaskGroupFactory(self, {}).expand(**mapped)

    def expand_kwargs(self, kwargs_list: Any) -> Any:
        return _MappedTaskGroupFactory(self, {}).expand_kwargs(kwargs_list)


class _MappedTaskGroupFactory:
    """A task-group function with some arguments fixed, waiting for ``.expand``: every task of the group
    runs once per mapped value, each map index seeing its own value and its own siblings' outputs."""

    def __init__(self, factory: _TaskGroupFactory, fixed: dict[str, Any]) -> None:
        self.factory, self.fixed = factory, fixed

    def _build(self, expand_input: dict[str, Any] | None, expand_kwargs_input: Any, names: list[str]) -> Any:
        from headwater.model.mapping import MappedArgument

        options = {"add_suffix_on_collision": True, **self.factory.options}
        group = TaskGroup(self.factory.group_id or self.factory.function.__name__, **options)
        group.expand_input, group.expand_kwargs_input = expand_input, expand_kwargs_input
        with group:
            arguments = {name: MappedArgument(group, name) for name in names}
            result = self.factory.function(**self.fixed, **arguments)
        return result if result is not None else group

    def expand(self, **mapped: Any) -> Any:
        return self._build(dict(mapped), None, list(mapped))

    def expand_kwargs(self, kwargs_list: Any) -> Any:
        names = [name for name in inspect.signature(self.factory.function).parameters if name not in self.fixed]
        return self._build(None, kwargs_list, names)


def task_group(
    python_callable: Callable[..., Any] | None = None, *, group_id: str | None = None, **group_kwargs: Any
) -> Any:
    """The function's body builds a task group; calling it returns what the body returned, or the group."""

    if isinstance(python_callable, str):  # @task_group("name")
        group_id, python_callable = python_callable, None

    def wrap(function: Callable[..., Any]) -> _TaskGroupFactory:
        return _TaskGroupFactory(function, group_id, group_kwargs)

    return wrap(python_callable) if python_callable is not None else wrap


__all__ = [
    "branch_external_python_task",
    "branch_virtualenv_task",
    "dag",
    "external_python_task",
    "setup",
    "task",
    "task_group",
    "teardown",
    "virtualenv_task",
]
