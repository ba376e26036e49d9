"""What a DAG id, task id, task-group id and run id may contain: Airflow's rules, checked where ids enter.

Ids name folders (task logs, offloaded XComs) and travel in URLs and broker messages, so a DAG, task
or group id is checked when the DAG is defined and a run id given by a person when the run is
triggered. The rules are Airflow 2.10's: keys of letters, digits, ``_``, ``-`` and ``.`` (a group id
without ``.``, which joins it to its tasks' ids), at most 250 characters; run ids matching
``[scheduler] allowed_run_id_pattern`` or the form of the ids the scheduler makes. One difference:
the whole id must match, where Airflow's ``$`` also lets a trailing newline through.
"""

from __future__ import annotations

import os
import re

from headwater.errors import InvalidId, InvalidRunId

ID_MAX_LENGTH = 250
"""Airflow's ID_LEN: the length of the id columns, for DAG, task, group and run ids alike."""

DEFAULT_RUN_ID_PATTERN = r"^[A-Za-z0-9_.~:+-]+$"
"""Airflow's default ``[scheduler] allowed_run_id_pattern``."""

GENERATED_RUN_ID = re.compile(r"(?:scheduled|manual|backfill)__\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?\+00:00")
"""The ids headwater makes itself (``manual__<logical date>``...): accepted whatever the pattern says,
as Airflow accepts the ids its scheduler makes."""

_KEY = re.compile(r"[\w.-]+")
_GROUP_KEY = re.compile(r"[\w-]+")
_KEY_CHAR = re.compile(r"[\w.-]")
_GROUP_KEY_CHAR = re.compile(r"[\w-]")
_KEY_RULE = "may contain only letters, digits, '_', '-' and '.', as in Airflow"
_GROUP_KEY_RULE = (
    "may contain only letters, digits, '_' and '-', as in Airflow (not '.': it joins a group's id to its tasks' ids)"
)
_SHOWN = 60
_NOT_IN_A_FOLDER_NAME = frozenset({"/", "\x00", os.sep, *([os.altsep] if os.altsep else [])})


def check_dag_id(dag_id: object) -> str:
    """``dag_id`` if it is a valid key, else :class:`InvalidId` naming what is wrong with it."""
    return _check_key(dag_id, kind="DAG id", where="", group=False)


def check_task_id(task_id: object, *, dag_id: str | None, full_id: str | None = None) -> str:
    """``task_id`` (as written, without its group's prefix) if it is a valid key; ``full_id``, the id
    with the prefix, must also fit in 250 characters."""
    checked = _check_key(task_id, kind="task id", where=_where(dag_id), group=False)
    if full_id is not None and len(full_id) > ID_MAX_LENGTH:
        raise InvalidId(
            f"{_where(dag_id)}task id {_shown(full_id)} (its task group's prefix included) is {len(full_id)} "
            f"characters long; ids may be at most {ID_MAX_LENGTH}, as in Airflow. Shorten the task's or the "
            "group's id."
        )
    return checked


def check_group_id(group_id: object, *, dag_id: str | None) -> str:
    return _check_key(group_id, kind="task group id", where=_where(dag_id), group=True)


def check_run_id(run_id: object, *, dag_id: str, pattern: str = DEFAULT_RUN_ID_PATTERN) -> str:
    """A run id given by a person: it must match ``pattern`` (``[scheduler] allowed_run_id_pattern``) or
    look like the ids headwater makes, and fit in 250 characters."""
    where = f"DAG {dag_id!r}: run id"
    if not isinstance(run_id, str):
        raise InvalidRunId(f"{where} must be a string; got {type(run_id).__name__} {run_id!r}.")
    if len(run_id) > ID_MAX_LENGTH:
        raise InvalidRunId(
            f"{where} {_shown(run_id)} is {len(run_id)} characters long; run ids may be at most {ID_MAX_LENGTH} "
            "(the length of the run id column, as in Airflow). Choose a shorter run id."
        )
    if GENERATED_RUN_ID.fullmatch(run_id) or re.fullmatch(pattern, run_id):
        folder_breaker = next(((i, c) for i, c in enumerate(run_id) if c in _NOT_IN_A_FOLDER_NAME), None)
        if folder_breaker is not None:  # whatever the pattern allows: a run id names a folder of task logs
            raise InvalidRunId(
                f"{where} {_shown(run_id)} contains {folder_breaker[1]!r} (at position {folder_breaker[0]}), which no "
                "run id may hold, whatever [scheduler] allowed_run_id_pattern allows: a run id names the folder of its "
                "task logs. Choose a run id without it."
            )
        return run_id
    rule = f"[scheduler] allowed_run_id_pattern '{pattern}'"
    if pattern == DEFAULT_RUN_ID_PATTERN:
        rule += " (letters, digits and '_', '.', '~', ':', '+', '-')"
    bad = _first_bad(run_id, _single_class(pattern))
    what = f"contains {bad[1]!r} (at position {bad[0]}), which" if bad else "does not match"
    verb = " is not allowed by" if bad else ""
    raise InvalidRunId(
        f"{where} {_shown(run_id)} {what}{verb} {rule}. Choose a run id that matches it, or change the setting."
    )


def _check_key(value: object, *, kind: str, where: str, group: bool) -> str:
    plural = f"{kind}s"
    kind = kind if where else kind[0].upper() + kind[1:]
    rule = _GROUP_KEY_RULE if group else _KEY_RULE
    allowed = _GROUP_KEY_CHAR if group else _KEY_CHAR
    if not isinstance(value, str):
        raise InvalidId(f"{where}{kind} must be a string; got {type(value).__name__} {value!r}.")
    if not value:
        raise InvalidId(f"{where}{kind} is empty; {plural} {rule}. Give it a name.")
    if len(value) > ID_MAX_LENGTH:
        raise InvalidId(
            f"{where}{kind} {_shown(value)} is {len(value)} characters long; ids may be at most {ID_MAX_LENGTH}, "
            "as in Airflow. Shorten it."
        )
    if (_GROUP_KEY if group else _KEY).fullmatch(value):
        return value
    bad = _first_bad(value, allowed) or (0, value[0])
    fixed = "".join(c if allowed.fullmatch(c) else "_" for c in value)
    raise InvalidId(
        f"{where}{kind} {_shown(value)} contains {bad[1]!r} (at position {bad[0]}); {plural} {rule}. "
        f"Rename it, e.g. {fixed!r}."
    )


def _first_bad(value: str, allowed: re.Pattern[str] | None) -> tuple[int, str] | None:
    if allowed is None:
        return None
    return next(((i, c) for i, c in enumerate(value) if not allowed.fullmatch(c)), None)


def _single_class(pattern: str) -> re.Pattern[str] | None:
    """For a pattern of the form ``^[...]+$`` (the default's form), its character class, to name the
    character a run id breaks it with; None for any other pattern."""
    found = re.fullmatch(r"\^?(\[(?:\\.|[^\]\\])+\])[+*]\$?", pattern)
    if found is None:
        return None
    try:
        return re.compile(found.group(1))
    except re.error:
        return None


def _where(dag_id: str | None) -> str:
    return f"DAG {dag_id!r}: " if dag_id else ""


def _shown(value: str) -> str:
    """The id as ``repr`` shows it (control characters escaped), shortened when it is long."""
    if len(value) <= _SHOWN:
        return repr(value)
    return f"{value[:_SHOWN]!r}…"
