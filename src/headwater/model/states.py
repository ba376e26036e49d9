"""Task-instance and DAG-run states, with Airflow's exact strings.

The string stored in the database, printed by the CLI and compared in code is one value.
A task instance that has not been scheduled yet has no state (``None``), as in Airflow.
"""

from __future__ import annotations

from enum import Enum


class TaskState(str, Enum):
    """The state of one task instance."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    UP_FOR_RETRY = "up_for_retry"
    REMOVED = "removed"

    def __str__(self) -> str:
        return self.value


class DagRunState(str, Enum):
    """The state of one DAG run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


TERMINAL_STATES: frozenset[TaskState] = frozenset(
    {TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED, TaskState.UPSTREAM_FAILED, TaskState.REMOVED}
)
"""States a task instance never leaves within a run (clearing starts a new life)."""

FAILED_STATES: frozenset[TaskState] = frozenset({TaskState.FAILED, TaskState.UPSTREAM_FAILED})
"""A leaf in one of these states fails the run."""

SUCCESS_STATES: frozenset[TaskState] = frozenset({TaskState.SUCCESS, TaskState.SKIPPED})
"""A run succeeds when every leaf is in one of these states."""

SCHEDULABLE_STATES: frozenset[TaskState | None] = frozenset({None, TaskState.SCHEDULED, TaskState.UP_FOR_RETRY})
"""States whose trigger rule is evaluated in a pass."""
