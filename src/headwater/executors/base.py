"""The executor contract: run work items somewhere and report what happened; decide nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import pendulum

from headwater.model.states import TaskState
from headwater.runtime.runner import TaskOutcome


@dataclass
class WorkItem:
    """One try of one task instance."""

    task_id: str
    map_index: int
    try_number: int
    mapped_kwargs: dict[str, Any] | None = field(default=None)
    unrendered: frozenset[str] | None = field(default=None)
    """Mapped arguments that came from upstream outputs: passed as they are, never rendered."""
    dag_id: str = ""
    run_id: str = ""
    fileloc: str = ""
    queued_by: str | None = None
    """The scheduler that queued the try; a worker starts it only if the row still says so."""
    max_tries: int | None = None
    """The last try number that may be retried (None: the task's ``retries``)."""
    queue: str = "default"
    """The task's ``queue``: which workers may take it (executors without queues ignore it)."""
    file_hash: str | None = None
    """The SHA-256 of the DAG file as the scheduler last parsed it: a worker whose copy differs refuses
    to run different code silently."""

    @property
    def ti_key(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.run_id, self.task_id, self.map_index)

    def to_message(self) -> dict[str, Any]:
        """The small JSON message a worker receives (never a pickled object)."""
        return {
            "dag_id": self.dag_id,
            "run_id": self.run_id,
            "task_id": self.task_id,
            "map_index": self.map_index,
            "try_number": self.try_number,
            "fileloc": self.fileloc,
            "queued_by": self.queued_by,
            "max_tries": self.max_tries,
            "queue": self.queue,
            "file_hash": self.file_hash,
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> WorkItem:
        return cls(
            task_id=message["task_id"],
            map_index=int(message["map_index"]),
            try_number=int(message["try_number"]),
            dag_id=message["dag_id"],
            run_id=message["run_id"],
            fileloc=message["fileloc"],
            queued_by=message.get("queued_by"),
            max_tries=message.get("max_tries"),
            queue=str(message.get("queue") or "default"),
            file_hash=message.get("file_hash"),
        )


class EventKind(str, Enum):
    ENDED = "ended"
    """The try ended; ``outcome`` says how."""
    LOST = "lost"
    """The process running the try died before reporting; ``detail`` says how."""
    DISCARDED = "discarded"
    """The worker did not run the try: it was no longer the queued try (cleared, skipped, run elsewhere)."""
    FILE_CHANGED = "file_changed"
    """The worker's copy of the DAG file is not the one the scheduler parsed (``detail``: its SHA-256); it
    did not claim the try."""
    REFUSED = "refused"
    """The worker refused a signed message it will not act on (its DAG file is not a ``.py`` file inside the
    DAGs folder, or it carries no digest); ``detail`` says why. Nothing was imported or claimed."""
    UNSTARTED = "unstarted"
    """The executor could not hand the try to any worker (no process could be started): nothing ran, so the
    scheduler gives it back, without using up a retry."""
    UNREPORTED = "unreported"
    """The try's end is in the store but its report did not arrive whole: read the run back from the store."""


@dataclass
class ExecutorEvent:
    item: WorkItem
    kind: EventKind
    outcome: TaskOutcome | None = None
    recorded: bool = False
    """The worker already wrote the outcome (and the skips it caused) to the store."""
    skipped: list[tuple[str, int, str, dict[str, Any] | None]] = field(default_factory=list)
    """With ``recorded``: the instances the try skipped, as written."""
    detail: str = ""


def event_to_message(event: ExecutorEvent) -> dict[str, Any]:
    """An event as the JSON a worker sends back (the work item travels as its message)."""
    outcome = event.outcome
    return {
        "item": event.item.to_message(),
        "kind": event.kind.value,
        "recorded": event.recorded,
        "skipped": [list(s) for s in event.skipped],
        "detail": event.detail,
        "outcome": None
        if outcome is None
        else {
            "state": outcome.state.value,
            "reason": outcome.reason,
            "start": outcome.start.isoformat(),
            "end": outcome.end.isoformat(),
            "retry_at": outcome.retry_at.isoformat() if outcome.retry_at is not None else None,
        },
    }


def event_from_message(message: dict[str, Any]) -> ExecutorEvent:
    item = WorkItem.from_message(message["item"])
    raw = message["outcome"]
    outcome = None
    if raw is not None:
        outcome = TaskOutcome(
            item.task_id,
            item.map_index,
            TaskState(raw["state"]),
            item.try_number,
            _moment(raw["start"]),
            _moment(raw["end"]),
            raw["reason"],
            retry_at=_moment(raw["retry_at"]) if raw["retry_at"] else None,
        )
    return ExecutorEvent(
        item,
        EventKind(message["kind"]),
        outcome,
        recorded=bool(message["recorded"]),
        skipped=[(str(t), int(i), str(r), d) for t, i, r, d in message["skipped"]],
        detail=message["detail"],
    )


def _moment(text: str) -> pendulum.DateTime:
    parsed = pendulum.parse(text)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed


class Executor(Protocol):
    """Runs task instances elsewhere and reports what happened; decides nothing."""

    def submit(self, work: WorkItem) -> None: ...

    def events(self, timeout: float, wake: Sequence[Any] = ()) -> Iterator[ExecutorEvent]:
        """Wait up to ``timeout`` seconds for results (returning early when a ``wake`` handle is readable)
        and yield every result that is ready."""
        ...

    @property
    def open_slots(self) -> int: ...

    def terminate(self, keys: Iterable[tuple[str, str, str, int]]) -> None:
        """Stop the tries running these task instances, if they run here; may do nothing."""
        ...

    def warm(self, files: Sequence[str]) -> None:
        """Get ready to run tasks of these DAG files (start workers, import the files); may do nothing."""
        ...

    def running_here(self, key: tuple[str, str, str, int], try_number: int) -> bool:
        """Whether this executor runs that try and will report its end (a scheduler that restarted its
        loop need not watch its lease)."""
        ...

    @property
    def on_this_machine(self) -> bool:
        """Whether tries run in processes of this machine (so a recorded pid can be checked here)."""
        ...

    @property
    def records_queued(self) -> bool:
        """Whether a try must be recorded ``queued`` before it is submitted: true where work waits in a
        broker that may lose it, so that what was never started can be told from the store."""
        ...

    def shutdown(self, *, wait: bool = True) -> None: ...
