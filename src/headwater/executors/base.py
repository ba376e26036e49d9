"""The executor contract: run work items somewhere and report outcomes; decide nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

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


class Executor(Protocol):
    """Runs task instances elsewhere and reports what happened; decides nothing."""

    def submit(self, work: WorkItem) -> None: ...

    def events(self, timeout: float) -> Iterator[TaskOutcome]: ...

    def shutdown(self, *, wait: bool = True) -> None: ...
