"""Waking the scheduler at once when a command changes what it should do (a trigger, an unpause, a
clear), instead of leaving the change for its next poll. A datagram socket in ``$HEADWATER_HOME``: a
nudge that finds no scheduler listening is dropped, and the poll still finds the change."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

from headwater.private_files import private_dir

log = logging.getLogger("headwater.scheduler")


def wake_path(home: Path) -> Path:
    return home / "scheduler.sock"


class WakeSocket:
    """The scheduler's end: readable when a command has nudged it."""

    def __init__(self, home: Path) -> None:
        self.path = wake_path(home)
        self.sock: socket.socket | None = None
        try:
            private_dir(self.path.parent)
            if self.path.exists():
                self.path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(self.path))
            os.chmod(self.path, 0o600)  # only this user's commands may nudge (bind's mode follows the umask)
            sock.setblocking(False)
            self.sock = sock
        except OSError as err:  # e.g. a path longer than a socket address allows: poll only
            log.warning("Commands cannot wake the scheduler (%s); it polls every [scheduler] poll_interval.", err)

    def handles(self) -> list[socket.socket]:
        return [self.sock] if self.sock is not None else []

    def drain(self) -> bool:
        """Consume pending nudges; True when there was one."""
        woke = False
        while self.sock is not None:
            try:
                self.sock.recv(64)
            except BlockingIOError:
                break
            woke = True
        return woke

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            try:
                self.path.unlink()
            except FileNotFoundError:
                log.debug("The wake socket %s was already removed.", self.path)


def nudge(home: Path) -> None:
    """Tell a scheduler on this machine to look at the store now; nothing happens without one."""
    path = wake_path(home)
    if not path.exists():
        return
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.sendto(b"!", str(path))
    except OSError as err:  # no scheduler listening (a stale socket file), or its queue is full: it polls anyway
        log.debug("No scheduler took the nudge at %s: %s", path, err)
    finally:
        sock.close()
