"""``InProcessExecutor``: runs each submitted try at once, in this process (``dags test``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from headwater.executors.base import EventKind, ExecutorEvent, WorkItem
from headwater.runtime.context import RunEnvironment
from headwater.runtime.runner import run_task


class InProcessExecutor:
    """Immediate mode: the same runtime as the workers, without a process boundary."""

    records_queued = False
    on_this_machine = True
    """A try goes straight to a worker: nothing waits where it could be lost."""

    def __init__(self, env: RunEnvironment) -> None:
        self.env = env
        self._done: list[ExecutorEvent] = []

    def submit(self, work: WorkItem) -> None:
        task = self.env.dag.task_dict[work.task_id]
        outcome = run_task(
            self.env,
            task,
            map_index=work.map_index,
            try_number=work.try_number,
            mapped_kwargs=work.mapped_kwargs,
            unrendered=work.unrendered,
        )
        self._done.append(ExecutorEvent(work, EventKind.ENDED, outcome))

    def events(self, timeout: float = 0.0, wake: Sequence[Any] = ()) -> Iterator[ExecutorEvent]:
        done, self._done = self._done, []
        yield from done

    def terminate(self, keys: Iterable[tuple[str, str, str, int]]) -> None:
        """Nothing runs between calls: a try ends before ``submit`` returns."""

    def warm(self, files: Sequence[str]) -> None:
        """Nothing to prepare: tasks run in this process, on DAGs already imported."""

    def running_here(self, key: tuple[str, str, str, int], try_number: int) -> bool:
        return False  # a try ends before ``submit`` returns

    @property
    def open_slots(self) -> int:
        return 1_000_000

    def shutdown(self, *, wait: bool = True) -> None:
        self._done.clear()
