"""The errors a service raises, by what a surface does with them (an exit code, an HTTP status).

    HeadwaterError
    ├── NotFound (LookupError)          no such DAG, run, task instance, pool, log (HTTP 404)
    ├── Conflict                        the change clashes with what is recorded (HTTP 409)
    ├── InvalidRequest (ValueError)     an argument no call could succeed with (HTTP 400/422)
    └── Unavailable                     the metadata database cannot be used now (HTTP 503)

Errors of the lower layers that mean one of these (``DagNotFound``, ``RunExists``, ``BadRunConf``,
``InvalidRunId``, ...) are translated by :func:`translated` so that a surface needs to know this module
only; any other ``HeadwaterError`` (a DAG file failing to import, say) passes through unchanged. Each
message names the DAG, the run or the task, and the fix; the pieces are kept as attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from headwater.errors import HeadwaterError


class NotFound(HeadwaterError, LookupError):
    """Raised when the DAG, run, task instance, pool or log asked for does not exist."""

    def __init__(
        self, message: str, *, dag_id: str | None = None, run_id: str | None = None, task_id: str | None = None
    ) -> None:
        self.dag_id, self.run_id, self.task_id = dag_id, run_id, task_id
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class Conflict(HeadwaterError):
    """Raised when a change clashes with what is recorded (a run id or logical date already taken)."""


class InvalidRequest(HeadwaterError, ValueError):
    """Raised when an argument cannot be used (a negative pool size, a bad regex, an unknown state)."""


class MappedTaskNeedsIndex(InvalidRequest):
    """Raised when a mapped task is asked for without a map index."""

    def __init__(self, *, dag_id: str, run_id: str, task_id: str, first: int, last: int) -> None:
        self.dag_id, self.run_id, self.task_id, self.first, self.last = dag_id, run_id, task_id, first, last
        super().__init__(f"Task {task_id!r} of run {run_id!r} is mapped: pass --map-index N ({first} to {last}).")


class Unavailable(HeadwaterError):
    """Raised when the metadata database refuses or cannot be reached; nothing was changed."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"The metadata database refused the change ({detail}); nothing was changed. If it is locked, another "
            "process is writing to it: try again. If the disk is full, free space first."
        )


def run_not_found(dag_id: str, run_id: str) -> NotFound:
    """The error for a run that is not recorded, with where to see the runs there are."""
    return NotFound(
        f"DAG {dag_id!r} has no run {run_id!r}; `headwater dags list-runs {dag_id}` lists them.",
        dag_id=dag_id,
        run_id=run_id,
    )


@contextmanager
def translated() -> Iterator[None]:
    """Lower layers' errors as the service errors they mean; the database's as :class:`Unavailable`."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except (NotFound, Conflict, InvalidRequest, Unavailable):
        raise
    except HeadwaterError as err:
        raise _meaning(err) from None
    except DBAPIError as err:
        raise Unavailable(" ".join(str(err.orig or err).split())) from None


@contextmanager
def refusing_arguments() -> Iterator[None]:
    """Around a lower layer's planning call whose only errors, besides finding and importing the DAG, are
    about its arguments (a regex matching no task, a start after the end): those are InvalidRequests."""
    from headwater.errors import DagImportError, DagNotFound

    try:
        yield
    except (DagNotFound, DagImportError):
        raise
    except HeadwaterError as err:
        raise InvalidRequest(str(err)) from None


def _meaning(err: HeadwaterError) -> HeadwaterError:
    from headwater.errors import BadRunConf, DagNotFound, InvalidRunId, UnsafePath
    from headwater.scheduler.control import RunExists

    if isinstance(err, DagNotFound):
        return NotFound(str(err), dag_id=err.dag_id or None)
    if isinstance(err, RunExists):
        return Conflict(str(err))
    if isinstance(err, BadRunConf | InvalidRunId | UnsafePath):
        return InvalidRequest(str(err))
    return err
