"""Calling what a DAG file asked to be called when a try or a run ends, as Airflow 2.10 does.

A try: ``on_failure_callback`` / ``on_retry_callback`` get ``context["exception"]`` (after the alert
e-mail, when the task has ``email`` and ``email_on_failure`` / ``email_on_retry``); a try that raises the
skip exception calls ``on_skipped_callback`` and then, as Airflow 2.10 does, ``on_success_callback`` too.
A task skipped or failed by planning (its upstream) runs nothing, so calls nothing.

A run: the DAG's ``on_success_callback`` / ``on_failure_callback`` get the context of one task instance
of the run (the one Airflow's query returns last: the last task defined) plus ``reason``: ``success``,
``task_failure``, ``all_tasks_deadlocked`` or ``timed_out``.

A callback that raises is logged with its traceback; nothing it does changes a recorded state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from headwater.model.states import TaskState
from headwater.runtime.alerts import email_alert
from headwater.runtime.context import RunEnvironment, task_context
from headwater.runtime.task_instance import RuntimeTaskInstance

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator

log = logging.getLogger("headwater.task")
dag_log = logging.getLogger("headwater.callbacks")

RUN_END_REASONS = ("success", "task_failure", "all_tasks_deadlocked", "timed_out")
"""Airflow's ``context["reason"]`` for each way a run ends."""


def _name(callback: Any) -> str:
    return str(getattr(callback, "__name__", None) or type(callback).__name__)


def call_callbacks(callbacks: Any, context: dict[str, Any], where: str, *, logger: logging.Logger = log) -> None:
    """Call one callback or each of a list in turn; one that raises is logged and the next still runs."""
    if not callbacks:
        return
    for index, callback in enumerate(callbacks if isinstance(callbacks, list) else [callbacks]):
        logger.info("Executing callback at index %d: %s", index, _name(callback))
        try:
            callback(context)
        except Exception:
            logger.exception(
                "Error in callback at index %d: %s (%s); the recorded state is unchanged.",
                index,
                _name(callback),
                where,
            )


def finish_try(
    task: BaseOperator, context: dict[str, Any], state: TaskState, exception: BaseException | str | None, settings: Any
) -> None:
    """What follows the end of a try: the alert e-mail and the callbacks for ``state``."""
    where = f"task {task.task_id!r}"
    if state in (TaskState.FAILED, TaskState.UP_FOR_RETRY):
        context["exception"] = exception
        failed = state is TaskState.FAILED
        if getattr(task, "email_on_failure" if failed else "email_on_retry", True) and task.email:
            email_alert(task, context, exception, settings)
        call_callbacks(task.on_failure_callback if failed else task.on_retry_callback, context, where)
        return
    if state is TaskState.SKIPPED:
        call_callbacks(task.on_skipped_callback, context, where)
    call_callbacks(task.on_success_callback, context, where)


Instance = tuple[str, int, int, int, str | None]
"""(task_id, map_index, try_number, max_tries, state) of a task instance of a finished run."""


def callback_instance(env: RunEnvironment, instances: Iterable[Instance]) -> Instance:
    """The instance whose context a DAG callback gets:
    Airflow takes the last row of an unordered query, which is the last created: the last task defined."""
    order = {task_id: n for n, task_id in enumerate(env.dag.task_dict)}
    return max(instances, key=lambda i: (order.get(i[0], -1), i[1]))


def run_dag_callbacks(
    env: RunEnvironment, *, success: bool, reason: str, instances: Iterable[Instance]
) -> None:
    """Call the DAG's ``on_success_callback`` or ``on_failure_callback`` for the run that just ended."""
    callbacks = env.dag.on_success_callback if success else env.dag.on_failure_callback
    listed = list(instances)
    if not callbacks or not listed:
        return
    where = f"DAG {env.dag.dag_id!r}, run {env.dag_run.run_id!r}"
    task_id, map_index, try_number, max_tries, state = callback_instance(env, listed)
    try:
        task = env.dag.task_dict[task_id]
        ti = RuntimeTaskInstance(env, task, map_index, try_number, max_tries)
        ti.state = state  # type: ignore[assignment]  # None for an instance a deadlocked run never ran, as in Airflow
        context = task_context(env, task, ti)
    except Exception:  # noqa: BLE001 - logged with its traceback; the run's end is still recorded
        dag_log.exception("The context of the DAG callbacks of %s could not be built; they were not called.", where)
        return
    ti.context = context
    context["reason"] = reason
    for callback in callbacks if isinstance(callbacks, list) else [callbacks]:
        dag_log.info("Executing dag callback function: %s", _name(callback))
        try:
            callback(context)
        except Exception:  # noqa: BLE001 - logged with its traceback; the run's state stands
            dag_log.exception("The DAG callback %s of %s raised; the run's state is unchanged.", _name(callback), where)
