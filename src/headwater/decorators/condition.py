"""``@task.run_if`` / ``@task.skip_if`` (Airflow 2.10): a condition on the context, checked after the
templates are rendered and before the callable runs, that skips the task.

Like Airflow, each adds to the task's ``pre_execute`` hook (so stacked conditions all apply, the
outermost first) and returns the same decorated function; the condition may return ``bool`` or
``(bool, message)``, the message replacing ``skip_message`` in the skip's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from headwater.decorators.base import TaskDecorator
from headwater.errors import SkipTask

Condition = Callable[[dict[str, Any]], Any]
Hook = Callable[[dict[str, Any]], Any]

DEFAULT_MESSAGE = "Task was skipped due to condition."


def _skip_hook(condition: Condition, message: str, *, skip_when: bool) -> Hook:
    def check(context: dict[str, Any]) -> None:
        verdict = condition(context)
        reason = message
        if isinstance(verdict, tuple):
            verdict, custom = verdict
            reason = custom or message
        if bool(verdict) is skip_when:
            raise SkipTask(reason)

    return check


def _chain(first: Hook | None, second: Hook) -> Hook:
    def hooks(context: dict[str, Any]) -> None:
        if first is not None:
            first(context)
        second(context)

    return hooks


def _conditional(name: str, hook: Hook) -> Callable[[TaskDecorator], TaskDecorator]:
    def decorate(decorated: TaskDecorator) -> TaskDecorator:
        if not isinstance(decorated, TaskDecorator):
            raise TypeError(
                f"@task.{name} applies to a function already decorated with @task (or @task.bash, ...): "
                f"put @task.{name}(...) above @task."
            )
        decorated.kwargs["pre_execute"] = _chain(decorated.kwargs.get("pre_execute"), hook)
        return decorated

    return decorate


def run_if(condition: Condition, skip_message: str | None = None) -> Callable[[TaskDecorator], TaskDecorator]:
    """Run the task only when ``condition(context)`` is truthy; otherwise it is skipped."""
    return _conditional("run_if", _skip_hook(condition, skip_message or DEFAULT_MESSAGE, skip_when=False))


def skip_if(condition: Condition, skip_message: str | None = None) -> Callable[[TaskDecorator], TaskDecorator]:
    """Skip the task when ``condition(context)`` is truthy."""
    return _conditional("skip_if", _skip_hook(condition, skip_message or DEFAULT_MESSAGE, skip_when=True))
