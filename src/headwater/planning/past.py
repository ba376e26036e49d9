"""``depends_on_past`` and ``wait_for_downstream``: may this instance run, given the previous run?

The rule is Airflow 2.10's ``PrevDagrunDep``. The caller finds the previous run and reads its states;
this function only decides, so that the scheduler and the "why is it waiting" view agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from headwater.model.states import SUCCESS_STATES, TaskState


def past_verdict(
    *,
    depends_on_past: bool,
    wait_for_downstream: bool,
    catchup: bool,
    previous_logical_date: datetime | None,
    task_start_date: datetime | None,
    previous_states: Sequence[TaskState | None],
    has_earlier_instances: bool,
    previous_downstream_states: Iterable[TaskState | None] = (),
    ignore_first_depends_on_past: bool = True,
    ignore_depends_on_past: bool = False,
) -> str | None:
    """``None`` when the instance may run as far as the past is concerned, else why it waits.

    * ``previous_logical_date``: the logical date of the run to compare with, ``None`` if there is none.
      With ``catchup`` that is the latest earlier run that is not manual; without it, the latest earlier
      run of any kind (Airflow's ``get_previous_scheduled_dagrun`` / ``get_previous_dagrun``).
    * ``task_start_date``: the task's start date after ``DAG.add_task`` clamped it (never before the DAG's).
      With ``catchup``, a previous run from before it does not count: the task did not exist then.
    * ``previous_states``: the states of this task's instances in that run, every map index; empty if the
      task had none there (it was added since).
    * ``has_earlier_instances``: whether this task has an instance in any earlier run at all.
    * ``previous_downstream_states``: the states of the instances of the task's *direct* downstream tasks in
      that run; only read with ``wait_for_downstream``.
    * ``ignore_first_depends_on_past``: Airflow 2.10's default is ``True``
      (``[scheduler] ignore_first_depends_on_past_by_default``): a task that never ran before is not held
      back by a previous run it was absent from.
    * ``ignore_depends_on_past``: the caller waives the rule, as a backfill does for its first date.

    Only ``success`` and ``skipped`` count as done: a previous instance still running or never scheduled
    holds this one back, as does one that failed or was removed."""
    depends_on_past = depends_on_past or wait_for_downstream  # Airflow's BaseOperator sets both
    if ignore_depends_on_past or not depends_on_past or previous_logical_date is None:
        return None
    when = previous_logical_date.isoformat()
    if catchup and task_start_date is not None and previous_logical_date < task_start_date:
        return None
    if not previous_states:
        if ignore_first_depends_on_past and not has_earlier_instances:
            return None
        if has_earlier_instances:
            return f"depends_on_past: the task has no instance in the previous run ({when}), though it ran before"
        return (
            f"depends_on_past: the task has no instance in the previous run ({when}) and "
            "ignore_first_depends_on_past is off"
        )
    unfinished = [state for state in previous_states if state not in SUCCESS_STATES]
    if unfinished:
        return (
            f"depends_on_past: {len(unfinished)} of the task's instance(s) in the previous run ({when}) "
            f"did not succeed or skip ({_states(unfinished)})"
        )
    if wait_for_downstream:
        pending = [state for state in previous_downstream_states if state not in SUCCESS_STATES]
        if pending:
            return (
                f"wait_for_downstream: {len(pending)} instance(s) of the tasks directly downstream in the "
                f"previous run ({when}) did not succeed or skip ({_states(pending)})"
            )
    return None


def _states(states: Iterable[TaskState | None]) -> str:
    counts: dict[str, int] = {}
    for state in states:
        name = "no state" if state is None else str(state)
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))


def previous_run_includes_manual(*, catchup: bool, schedulable: bool = True) -> bool:
    """Which earlier run counts as "the previous run" (for ``depends_on_past`` and ``ti.get_previous_ti()``):
    a DAG that catches up on a real schedule looks back at scheduled and backfill runs only, as Airflow's
    ``get_previous_scheduled_dagrun``; any other DAG at every run, manual ones included."""
    return not (catchup and schedulable)
