"""Where a try's log lives, how a worker sends everything a task prints there, and how it is read back."""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from headwater.pathsafety import inside
from headwater.private_files import open_private, private_dir


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
    too) to ``path`` for the duration of the block. The log is private: ``0600`` in ``0700`` folders."""
    private_dir(path.parent)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with os.fdopen(open_private(path), "ab") as log:
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


def split_marker(max_line_bytes: int) -> str:
    """What ends each piece of a line longer than ``max_line_bytes`` but the last."""
    return f" [headwater: line longer than {max_line_bytes:,} bytes, continued on the next line]"


def read_lines(path: Path, max_line_bytes: int) -> Iterator[str]:
    """The log's lines, streamed: at most ``max_line_bytes`` of the file are held at a time, so a task that
    printed megabytes without a newline cannot make a reader (``tasks logs``, the API) load it whole. A
    longer line is split into pieces, each but the last ending with ``split_marker``; nothing is dropped,
    and a character is never cut in two (undecodable bytes read as U+FFFD)."""
    marker = split_marker(max_line_bytes)
    with open(path, "rb") as log:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while chunk := log.readline(max_line_bytes):
            if chunk.endswith(b"\n"):
                yield decoder.decode(chunk, final=True)
                decoder.reset()
            elif len(chunk) < max_line_bytes or not log.peek(1):  # the last line, without a newline
                yield decoder.decode(chunk, final=True)
            elif log.peek(1)[:1] == b"\n":  # exactly max_line_bytes long: whole, not split
                yield decoder.decode(chunk + log.read(1), final=True)
                decoder.reset()
            else:
                yield decoder.decode(chunk) + marker + "\n"  # bytes of a cut character wait for the next piece
