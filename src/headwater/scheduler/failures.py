"""What the scheduler's loop does when an iteration raises: nothing but a deliberate shutdown ends it.

An iteration that fails leaves nothing half-written that matters (every write is one transaction, and
tries are guarded in the store), so the loop forgets what it holds in memory, reads it back from the
metadata database and goes on, after a pause that doubles with each failure in a row (a fault that
persists must not spin). A database that fails is waited for as long as it takes. Any other error is
logged with its traceback; when it keeps coming back (``GIVE_UP_AFTER`` iterations in a row, about half
a minute) or happens while the scheduler starts, the loop ends and the process exits non-zero, so that a
supervisor starts a fresh one: retrying a deterministic fault in the same process forever would leave a
scheduler that looks alive and does nothing. Its heartbeat is renewed only by iterations that succeed,
so ``headwater jobs check`` reports such a scheduler as not alive meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("headwater.scheduler")

GIVE_UP_AFTER = 8
"""Unexpected failures in a row after which the scheduler exits (pauses: 0.5, 1, 2, 4, 8, 10, 10 s)."""
LONGEST_PAUSE = 10.0


class LoopFailures:
    """Counts failed iterations, pauses after each, and says when to give up."""

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep, give_up_after: int = GIVE_UP_AFTER) -> None:
        self.sleep = sleep
        self.give_up_after = give_up_after
        self.pause = 0.0
        self.in_a_row = 0
        """Unexpected (non-database) failures since the last iteration that succeeded."""

    @property
    def recovering(self) -> bool:
        """Whether the last iteration failed (the next one starts from what the store has recorded)."""
        return self.pause > 0

    def succeeded(self) -> None:
        self.pause, self.in_a_row = 0.0, 0

    def absorb(self, err: Exception, *, starting: bool) -> bool:
        """Log a failed iteration and pause before the next; False when the loop must end instead."""
        self.pause = min(max(self.pause * 2, 0.5), LONGEST_PAUSE)
        if isinstance(err, DBAPIError):  # locked, full, or unreachable: nothing half-written; start over
            log.error(
                "The metadata database failed (%s); retrying in %.1f s from what it has recorded.",
                " ".join(str(err.orig).split()) if err.orig else err,
                self.pause,
            )
        else:
            self.in_a_row += 1
            if starting:
                log.critical("The scheduler failed while starting: %s", _name(err))
                return False
            if self.in_a_row >= self.give_up_after:
                log.critical(
                    "The scheduler's loop failed %d times in a row; it stops so that a fresh process can take "
                    "over (run it under a supervisor that restarts it). Last error: %s",
                    self.in_a_row,
                    _name(err),
                )
                return False
            log.error(
                "A scheduler loop failed (%d in a row); it goes on in %.1f s from what the metadata database "
                "has recorded.",
                self.in_a_row,
                self.pause,
                exc_info=err,
            )
        self.sleep(self.pause)
        return True


def _name(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"
