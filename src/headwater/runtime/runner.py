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
from headwater.model.mapping import MissingMapInput, is_mappable, mapped_consumers, materialize
from headwater.model.states import TaskState
from headwater.runtime.callbacks import call_callbacks, finish_try
from headwater.runtime.context import RunEnvironment, airflow_context_vars, task_context
from headwater.runtime.current import reset_current_context, set_current_context
from headwater.runtime.task_instance import RuntimeTaskInstance
from headwater.runtime.templating import render_template_fields
from headwater.runtime.xcom_access import ExpansionPuller
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


def _materialized(mapped_kwargs: dict[str, Any] | None) -> tuple[dict[str, Any], Exception | None]:
    """The instance's mapped arguments with ``.map()`` functions applied, or the error one raised: it is
    re-raised inside the try, since Airflow runs those functions while rendering the instance."""
    try:
        return materialize(mapped_kwargs or {}), None
    except Exception as exc:  # noqa: BLE001 - handed back to become the try's outcome, not swallowed
        return {}, exc


def _expanded_ti_count(env: RunEnvironment, task: BaseOperator) -> int | None:
    """The number of instances a mapped task has in the run (the context's ``expanded_ti_count``)."""
    if not task.is_mapped:
        return None
    try:
        rows, _ = task.expansion({"ti": ExpansionPuller(env.xcoms)})
    except MissingMapInput:
        return None
    return len(rows)


def _after_error(
    env: RunEnvironment, task: BaseOperator, exc: BaseException, *, try_number: int, budget: int
) -> tuple[TaskState, str, pendulum.DateTime | None]:
    """The state a try that raised ends in (retry or failed, as planning decides), why, and when to retry."""
    state = planning.state_after_failure(try_number=try_number, retries=budget, fail_fast=False)
    detail = f"{type(exc).__name__}: {exc}"
    if state is not TaskState.UP_FOR_RETRY:
        tries = f"retries exhausted after {try_number} tries" if task.retries else "failed"
        return state, f"{tries}: {detail}", None
    delay = planning.retry_delay(
        base=task.retry_delay,
        try_number=try_number,
        exponential=task.retry_exponential_backoff,
        max_delay=task.max_retry_delay,
        seed=f"{env.dag.dag_id}#{task.task_id}#{env.dag_run.run_id}",
    )
    return state, f"try {try_number} of {budget + 1} failed ({detail}); retrying after {delay}", env.now() + delay


_EXPORTED_CONTEXT_VARS: set[str] = set()
"""The ``AIRFLOW_CTX_*`` names the last try of this process exported: only those can be stale (scanning
``os.environ`` on every try costs more than the task itself on a fast DAG)."""


def _export_context_vars(context: dict[str, Any]) -> None:
    """Put this try's ``AIRFLOW_CTX_*`` variables in the process environment, as Airflow does before
    ``pre_execute``, so code the task calls (and its child processes) can read them; variables an earlier
    task of this process set and this one does not (an ``email`` it lacks) are removed, as in a fresh
    task process."""
    exported = airflow_context_vars(context)
    earlier = _EXPORTED_CONTEXT_VARS or {k for k in os.environ if k.startswith("AIRFLOW_CTX_")}  # first try: inherited
    for key in earlier - exported.keys():
        os.environ.pop(key, None)
    os.environ.update(exported)
    _EXPORTED_CONTEXT_VARS.clear()
    _EXPORTED_CONTEXT_VARS.update(exported)


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
    mapped_kwargs, map_error = _materialized(mapped_kwargs)
    concrete = task.unmap(mapped_kwargs) if task.is_mapped and map_error is None else copy.copy(task)
    ti = RuntimeTaskInstance(env, concrete, map_index, try_number, budget)
    ti.expanded_ti_count = _expanded_ti_count(env, task)
    context = task_context(env, concrete, ti)
    ti.context = context
    skips: list[planning.Skip] = []
    retry_at = None
    exception: BaseException | None = None
    try:
        if map_error is not None:
            raise map_error
        keep = {id(v) for k, v in mapped_kwargs.items() if k in (unrendered or ())}
        render_template_fields(concrete, context, keep=keep)
        _export_context_vars(context)
        concrete.pre_execute(context)
        call_callbacks(concrete.on_execute_callback, context, f"task {task.task_id!r}")
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
        exception = exc
        log.error("Task %r failed without retry: %s", task.task_id, exc)
        state, reason = TaskState.FAILED, f"the task raised {type(exc).__name__} (no retry): {exc}"
    except Exception as exc:  # noqa: BLE001 - the task's own error: recorded as its outcome, with the traceback logged
        exception = exc
        log.error("Task %r failed on try %d:\n%s", task.task_id, try_number, traceback.format_exc().rstrip())
        state, reason, retry_at = _after_error(env, task, exc, try_number=try_number, budget=budget)
    ti.state = state.value
    ti.end_date = env.now()
    finish_try(concrete, context, state, exception, env.settings)
    return TaskOutcome(task.task_id, map_index, state, try_number, start, env.now(), reason, skips, retry_at)
