"""Decisions about a task's own end and the run's end: retries, empty expansions, the run's state."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from headwater.model.states import FAILED_STATES, SUCCESS_STATES, TERMINAL_STATES, DagRunState, TaskState
from headwater.planning.shape import DagShape, TIKey

MAX_RETRY_DELAY = timedelta(days=1)


def state_after_failure(*, try_number: int, retries: int, fail_fast: bool) -> TaskState:
    """``up_for_retry`` while tries remain, ``failed`` after the last one or when failing fast."""
    if not fail_fast and retries and try_number <= retries:
        return TaskState.UP_FOR_RETRY
    return TaskState.FAILED


def retry_delay(
    *, base: timedelta, try_number: int, exponential: bool, max_delay: timedelta | None, seed: str
) -> timedelta:
    """How long to wait before the next try; exponential backoff has deterministic jitter per seed."""
    if not exponential:
        return base
    min_backoff = max(1, math.ceil(base.total_seconds() * 2 ** (try_number - 1)))
    jitter = int(hashlib.sha256(f"{seed}#{try_number}".encode()).hexdigest(), 16) % min_backoff
    delay = timedelta(seconds=min(min_backoff + jitter, MAX_RETRY_DELAY.total_seconds()))
    return min(delay, max_delay) if max_delay else delay


def expansion_keys(task_id: str, length: int) -> list[TIKey]:
    """The instances a mapped task becomes; an empty expansion keeps one unindexed instance."""
    if length == 0:
        return [(task_id, -1)]
    return [(task_id, i) for i in range(length)]


EMPTY_EXPANSION_REASON = "mapped over an empty list: nothing to run"


def expansion_outcome(length: int | None) -> tuple[TaskState | None, str]:
    """The state a mapped task takes instead of expanding: skipped over an empty input, upstream_failed
    when an input was never pushed (Airflow cannot count it); ``None`` when it expands."""
    if length is None:
        return TaskState.UPSTREAM_FAILED, "cannot expand: an upstream output it maps over was never pushed"
    if length == 0:
        return TaskState.SKIPPED, EMPTY_EXPANSION_REASON
    return None, ""


def run_outcome(shape: DagShape, states: Mapping[TIKey, TaskState | None]) -> tuple[DagRunState | None, str]:
    """The run's final state once every instance is terminal; ``None`` while any is unfinished."""
    if any(s not in TERMINAL_STATES for s in states.values()):
        return None, "tasks are still unfinished"
    leaves = set(shape.run_state_leaves())
    leaf_states = {key: s for key, s in states.items() if key[0] in leaves and s is not TaskState.REMOVED}
    failed = sorted(f"{k[0]}={s}" for k, s in leaf_states.items() if s in FAILED_STATES)
    if failed:
        return DagRunState.FAILED, f"leaf task(s) failed: {', '.join(failed)}"
    if all(s in SUCCESS_STATES for s in leaf_states.values()):
        return DagRunState.SUCCESS, "every leaf task succeeded or was skipped"
    return DagRunState.FAILED, "a leaf task ended in an unexpected state"


def deadlock_reason(shape: DagShape, states: Mapping[TIKey, TaskState | None], absent: Iterable[str] = ()) -> str:
    """Why a run whose unfinished tasks can never run fails: which tasks, and, when they wait for tasks
    the run has no instance of (their start/end dates exclude it), which ones."""
    stuck = sorted({key[0] for key, state in states.items() if state not in TERMINAL_STATES})
    missing = set(absent)
    waits_for = sorted({up for task_id in stuck for up in shape.tasks[task_id].upstream if up in missing})
    listed = ", ".join(stuck[:10]) + (f" and {len(stuck) - 10} more" if len(stuck) > 10 else "")
    reason = f"deadlock: unfinished tasks can never run ({listed})"
    if waits_for:
        reason += (
            f"; they wait for {', '.join(waits_for)}, of which this run has no instance (start_date/end_date "
            "exclude its logical date): give the waiting task a trigger rule that does not need it, or move the dates"
        )
    return reason


def timed_out_run(
    states: Mapping[TIKey, TaskState | None], *, started: datetime, timeout: timedelta | None, now: datetime
) -> tuple[list[TIKey], str] | None:
    """``dagrun_timeout``: None while the run is within it; else, as in Airflow, the run fails and every
    unfinished instance (a running one too) is skipped: returns those instances and the reason."""
    if timeout is None or now - started <= timeout:
        return None
    unfinished = [key for key, state in states.items() if state not in TERMINAL_STATES]
    return unfinished, f"dagrun_timeout of {timeout} exceeded"
