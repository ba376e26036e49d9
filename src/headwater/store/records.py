"""Plain records the store reads and writes; no ORM objects leave the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from headwater.model.states import DagRunState, TaskState


@dataclass
class DagRunRecord:
    dag_id: str
    run_id: str
    run_type: str
    logical_date: dt.datetime
    data_interval_start: dt.datetime
    data_interval_end: dt.datetime
    external_trigger: bool = False
    conf: dict[str, Any] = field(default_factory=dict)
    state: DagRunState = DagRunState.RUNNING
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    reason: str | None = None
    backfill_id: str | None = None
    """The backfill that created the run; its runs share ``backfill_max_active_runs``."""
    backfill_max_active_runs: int | None = None
    start_order: int | None = None
    """Where a queued backfill run comes in the order its backfill starts them."""


@dataclass
class TaskInstanceRecord:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    state: TaskState | None = None
    try_number: int = 0
    max_tries: int = 0
    operator: str | None = None
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    duration: float | None = None
    reason: str | None = None
    pass_number: int | None = None
    pool: str = "default_pool"
    pool_slots: int = 1
    priority_weight: int = 1
    queue: str = "default"
    queued_at: dt.datetime | None = None
    queued_by: str | None = None
    """The scheduler that queued this try: a worker starts a try only if it is still the one queued."""
    hostname: str | None = None
    pid: int | None = None
    heartbeat_at: dt.datetime | None = None
    """The lease: refreshed by the process running the try; a stale lease means the try is lost."""
    next_retry_at: dt.datetime | None = None
    decision: dict[str, Any] | None = None
    """What decided the state, as planning recorded it: the rule with the upstream states at the start of
    the deciding pass, or the operator that skipped it (``tasks why`` reads it)."""


@dataclass
class XComRow:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    key: str
    value: bytes
    timestamp: dt.datetime


@dataclass
class RunChanges:
    """Everything one pass changed, written in one transaction."""

    dag_id: str
    run_id: str
    instances: list[TaskInstanceRecord] = field(default_factory=list)
    """Instances already stored, with their new values."""
    new_instances: list[TaskInstanceRecord] = field(default_factory=list)
    """Instances stored for the first time (a mapped task's expansion)."""
    removed_instances: list[tuple[str, int]] = field(default_factory=list)
    ended_tries: list[TaskInstanceRecord] = field(default_factory=list)
    """Tries that ended since the last write (``dags test``, or an end the worker did not write), each as its
    instance stood when it ended: recorded in the try history with the pass (the instance may be on its
    next try by then)."""
    xcoms_cleared: list[tuple[str, int]] = field(default_factory=list)
    xcoms_added: list[XComRow] = field(default_factory=list)
    run: DagRunRecord | None = None
    guarded: bool = False
    """Write only over instances the writer may still own (no state, scheduled, up for retry, queued) and
    end only a running run: for a scheduler, whose view of a row may be older than the row."""

    def __bool__(self) -> bool:
        return bool(
            self.instances
            or self.new_instances
            or self.removed_instances
            or self.ended_tries
            or self.xcoms_cleared
            or self.xcoms_added
            or self.run
        )


class Store(Protocol):
    """The metadata store: DAG runs, task instances, XComs, import errors."""

    def start_run(self, run: DagRunRecord, instances: list[TaskInstanceRecord], *, replace: bool) -> bool:
        """Insert a run and its instances; with ``replace``, an existing run of the same id is deleted
        first (its XComs too). Returns whether a run was replaced."""
        ...

    def record(self, changes: RunChanges) -> None:
        """Apply one pass's changes atomically."""
        ...

    def get_run(self, dag_id: str, run_id: str) -> DagRunRecord | None: ...

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]: ...

    def xcoms(self, dag_id: str, run_id: str) -> list[XComRow]: ...

    def last_successful_run(self, dag_id: str, before: dt.datetime) -> DagRunRecord | None: ...

    def previous_run(self, dag_id: str, logical_date: dt.datetime, *, include_manual: bool) -> DagRunRecord | None:
        """The run with the latest logical date before ``logical_date`` (manual ones only if asked)."""
        ...

    def record_import_error(self, filename: str, message: str) -> None: ...

    def clear_import_error(self, filename: str) -> None: ...

    def import_errors(self) -> dict[str, str]: ...

    def close(self) -> None: ...
