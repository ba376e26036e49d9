"""Running one try of one task instance: render, execute, push, and report the outcome.

The runner reports what happened (returned, raised, what a branch chose); the state that follows a
failure and the tasks a branch skips are decided by ``headwater.planning``.
"""

from __future__ import annotations

import copy
import logging
import os
import signal
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pendulum

from headwater import planning
from headwater.errors import FailTask, SkipTask, TaskError
from headwater.model.baseoperator import BaseOperator
from headwater.model.mapping import is_mappable, mapped_consumers
from headwater.model.states import TaskState
from headwater.runtime.context import RunEnvironment, airflow_context_vars, task_context
from headwater.runtime.current import reset_current_context, set_current_context
from headwater.runtime.task_instance import RuntimeTaskInstance
from headwater.runtime.templating import render_template_fields
from headwater.store.xcom.base import XCOM_RETURN_KEY

log = logging.getLogger("headwater.task")


class TaskTimeout(TaskError, TimeoutError):
    """Raised inside a task that ran longer than its ``execution_timeout``."""


@dataclass
class TaskOutcome:
    """What one try ended in."""

    task_id: str
    map_index: int
    state: TaskState
    try_number: int
    start: pendulum.DateTime
    end: pendulum.DateTime
    reason: str
    skips: list[planning.Skip] = field(default_factory=list)
    retry_at: pendulum.DateTime | None = None


@contextmanager
def _time_limit(task: BaseOperator) -> Iterator[None]:
    limit = task.execution_timeout
    if limit is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise TaskTimeout(f"Task {task.task_id!r} exceeded its execution_timeout of {limit}.")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit.total_seconds())
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(exc: BaseException) -> str:
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(package)]
    if not frames:
        return ""
    last = frames[-1]
    return f" at {last.filename}:{last.lineno}"


def _call_callbacks(callbacks: Any, context: dict[str, Any], task_id: str, kind: str) -> None:
    for callback in callbacks if isinstance(callbacks, list) else [callbacks] if callbacks else []:
        try:
            callback(context)
        except Exception:  # a failing callback must not change the task's recorded outcome
            log.exception("The %s callback of task %r raised; the task's state is unchanged.", kind, task_id)


def push_result(task: BaseOperator, ti: RuntimeTaskInstance, result: Any, *, mapped_instance: bool) -> None:
    """Push a task's return value (and each key, with ``multiple_outputs``), after checking that tasks
    mapping over it will be able to (Airflow skips that check for instances of a mapped task)."""
    consumers = [] if mapped_instance else mapped_consumers(task)
    if consumers and result is None:
        raise TaskError(
            f"Task {task.task_id!r} returned None, but {', '.join(repr(c) for c in consumers)} maps over its "
            "output; return a list or a dict (an empty list maps to nothing)."
        )
    if consumers and not is_mappable(result):
        raise TaskError(
            f"Task {task.task_id!r} returned a {type(result).__name__}, which {', '.join(repr(c) for c in consumers)} "
            "cannot map over; return a list or a dict."
        )
    if result is None:
        return
    if task.multiple_outputs:
        if not isinstance(result, dict):
            raise TaskError(
                f"Task {task.task_id!r} has multiple_outputs=True but returned {type(result).__name__}; "
                "return a dict, or drop multiple_outputs."
            )
        for key in result:
            if not isinstance(key, str):
                raise TaskError(
                    f"Task {task.task_id!r}: with multiple_outputs every key must be a string; got {key!r}."
                )
        for key, value in result.items():
            ti.xcom_push(key, value)
    ti.xcom_push(XCOM_RETURN_KEY, result)


def _export_context_vars(context: dict[str, Any]) -> None:
    """Put this try's ``AIRFLOW_CTX_*`` variables in the process environment, as Airflow does before
    ``pre_execute``, so code the task calls (and its child processes) can read them; variables an earlier
    task of this process set and this one does not (an ``email`` it lacks) are removed, as in a fresh
    task process."""
    exported = airflow_context_vars(context)
    for stale in [key for key in os.environ if key.startswith("AIRFLOW_CTX_") and key not in exported]:
        del os.environ[stale]
    os.environ.update(exported)


def run_task(
    env: RunEnvironment,
    task: BaseOperator,
    *,
    map_index: int = -1,
    try_number: int = 1,
    mapped_kwargs: dict[str, Any] | None = None,
    unrendered: frozenset[str] | None = None,
    max_tries: int | None = None,
) -> TaskOutcome:
    """Run one try; never raises for the task's own errors (they become the outcome).

    ``max_tries`` is the last try number that may be retried (Airflow's field of that name): the task's
    ``retries`` for a fresh instance, more once it has been cleared after running."""
    budget = (max_tries if max_tries is not None else task.retries) if task.retries else 0
    start = env.now()
    env.xcoms.clear(task.task_id, map_index)
    concrete = task.unmap(mapped_kwargs or {}) if task.is_mapped else copy.copy(task)
    ti = RuntimeTaskInstance(env, concrete, map_index, try_number, budget)
    context = task_context(env, concrete, ti)
    ti.context = context
    skips: list[planning.Skip] = []
    retry_at = None
    try:
        keep = {id(v) for k, v in (mapped_kwargs or {}).items() if k in (unrendered or ())}
        render_template_fields(concrete, context, keep=keep)
        _export_context_vars(context)
        concrete.pre_execute(context)
        _call_callbacks(concrete.on_execute_callback, context, task.task_id, "on_execute")
        token = set_current_context(context)
        try:
            with _time_limit(concrete):
                result = concrete.execute(context)
        finally:
            reset_current_context(token)
        if concrete.do_xcom_push:
            push_result(concrete, ti, result, mapped_instance=task.is_mapped)
        concrete.post_execute(context, result)
        state, reason, skips = TaskState.SUCCESS, "ran and succeeded", ti.skips
    except SkipTask as exc:
        state, reason = TaskState.SKIPPED, f"the task raised {type(exc).__name__}{_where(exc)}: {exc}"
    except FailTask as exc:
        log.error("Task %r failed without retry: %s", task.task_id, exc)
        state, reason = TaskState.FAILED, f"the task raised {type(exc).__name__} (no retry): {exc}"
    except Exception as exc:  # noqa: BLE001 - the task's own error: recorded as its outcome, with the traceback logged
        log.error("Task %r failed on try %d:\n%s", task.task_id, try_number, traceback.format_exc().rstrip())
        state = planning.state_after_failure(try_number=try_number, retries=budget, fail_fast=False)
        detail = f"{type(exc).__name__}: {exc}"
        if state is TaskState.UP_FOR_RETRY:
            delay = planning.retry_delay(
                base=task.retry_delay,
                try_number=try_number,
                exponential=task.retry_exponential_backoff,
                max_delay=task.max_retry_delay,
                seed=f"{env.dag.dag_id}#{task.task_id}#{env.dag_run.run_id}",
            )
            retry_at = env.now() + delay
            reason = f"try {try_number} of {budget + 1} failed ({detail}); retrying after {delay}"
        else:
            tries = f"retries exhausted after {try_number} tries" if task.retries else "failed"
            reason = f"{tries}: {detail}"
    ti.state = state.value
    callback = {
        TaskState.SUCCESS: concrete.on_success_callback,
        TaskState.FAILED: concrete.on_failure_callback,
        TaskState.UP_FOR_RETRY: concrete.on_retry_callback,
        TaskState.SKIPPED: concrete.on_skipped_callback,
    }[state]
    _call_callbacks(callback, context, task.task_id, state.value)
    return TaskOutcome(task.task_id, map_index, state, try_number, start, env.now(), reason, skips, retry_at)
