"""headwater's own files are private to the user who runs it, whatever the umask: directories it creates
are ``0700`` and files ``0600`` (the home, the SQLite database, task logs, local XCom objects, lock files).

The process umask is never changed: task code runs in the same processes and keeps its own. Modes are
set where headwater creates things instead: ``os.open`` with ``0o600``, and ``mkdir`` followed by
``chmod`` (``mkdir``'s mode is masked by the umask, so a restrictive umask would leave a directory
headwater cannot write to). What exists already is left as its owner made it.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a directory, creating it and any missing parents ``0700``."""
    missing: list[Path] = []
    here = path
    while not here.exists():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:
            continue  # another process made it at the same moment (with the same mode, if it is headwater)
        os.chmod(folder, DIRECTORY_MODE)
    return path


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """A file descriptor for ``path``, created ``0600`` if it does not exist (one of ours that exists with
    a wider mode is made ``0600`` too)."""
    fd = os.open(path, flags | os.O_CLOEXEC, FILE_MODE)
    try:
        status = os.fstat(fd)
        if status.st_uid == os.geteuid() and status.st_mode & 0o777 != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def create_private_file(path: Path | str) -> None:
    """Create ``path`` empty and ``0600`` unless it exists (so that whatever writes it next, SQLite or an
    fsspec client, writes into a private file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
