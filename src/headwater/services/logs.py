"""Task logs: which file holds a try's log, and its lines, streamed (a huge log is never held whole)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from headwater.services.context import ServiceContext
from headwater.services.errors import NotFound, translated
from headwater.services.task_instances import get_task_instance


@dataclass
class LogFile:
    """The log of one try of a task instance."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    path: Path


def log_file(
    ctx: ServiceContext, *, dag_id: str, run_id: str, task_id: str, map_index: int = -1, try_number: int | None = None
) -> LogFile:
    """Where the log of a try is (default: the latest try). NotFound when the task instance, the try or
    its file does not exist."""
    from headwater.runtime.logs import log_path

    ti = get_task_instance(ctx, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index)
    number = try_number if try_number is not None else ti.try_number
    if number < 1:
        state = ti.state.value if ti.state is not None else "none"
        raise NotFound(
            f"Task {task_id!r} of run {run_id!r} has not run yet (state: {state}).",
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
        )
    with translated():
        path = log_path(ctx.settings.home / "logs", dag_id, run_id, task_id, map_index, number)
    if not path.is_file():
        raise NotFound(
            f"No log for try {number} of {task_id!r} at {path}.", dag_id=dag_id, run_id=run_id, task_id=task_id
        )
    return LogFile(dag_id, run_id, task_id, map_index, number, path)


def read_log(ctx: ServiceContext, log: LogFile) -> Iterator[str]:
    """The lines of a log, each ending with its newline; a line above ``[logging] max_log_line_bytes``
    comes in pieces (``runtime.logs.read_lines`` marks where it was split)."""
    from headwater.runtime.logs import read_lines

    return read_lines(log.path, ctx.settings.max_log_line_bytes)
