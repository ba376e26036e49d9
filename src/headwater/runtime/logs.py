"""Where a try's log lives, and how a worker sends everything a task prints there."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from headwater.pathsafety import inside


def log_path(base: Path, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> Path:
    """One file per try, laid out as Airflow lays out its task logs; :class:`~headwater.errors.UnsafePath`
    when stored ids would put it outside ``base``."""
    parts = [f"task_id={task_id}", *([f"map_index={map_index}"] if map_index >= 0 else []), f"attempt={try_number}.log"]
    what = f"the log of DAG {dag_id!r}, run {run_id!r}, task {task_id!r} in {base}"
    return inside(base, f"dag_id={dag_id}", f"run_id={run_id}", *parts, what=what)


def run_log_folder(base: Path, dag_id: str, run_id: str) -> Path:
    """The folder holding every log of one run (what ``db clean`` removes with the run)."""
    what = f"the logs of DAG {dag_id!r}, run {run_id!r} in {base}"
    return inside(base, f"dag_id={dag_id}", f"run_id={run_id}", what=what)


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so child processes and C code
    too) to ``path`` for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
