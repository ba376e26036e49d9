"""Which DAG runs the scheduler and a backfill create, as Airflow 2.10 decides them.

A scheduled run covers a data interval and may start once that interval has ended (its ``run_after`` is
the interval's end); ``@once`` runs a single instant at the start date; ``schedule=None`` is never
scheduled. These functions answer from plain dates and never read the clock: the caller passes ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pendulum

from headwater.model.states import DagRunState
from headwater.model.timetables import DataInterval, NullTimetable, OnceTimetable, Timetable, to_utc


@dataclass(frozen=True)
class DagRunInfo:
    """One run to create: the interval it covers and the moment it may start."""

    data_interval: DataInterval
    run_after: pendulum.DateTime

    @property
    def logical_date(self) -> pendulum.DateTime:
        return self.data_interval.start


class _Grid(Protocol):
    """The arithmetic of a cron or delta schedule, as Airflow's ``_DataIntervalTimetable`` uses it."""

    def tick_after(self, moment: datetime) -> pendulum.DateTime: ...

    def tick_before(self, moment: datetime) -> pendulum.DateTime: ...

    def latest_complete_start(self, now: datetime) -> pendulum.DateTime: ...


def schedule_window(
    *,
    dag_start_date: datetime | None,
    dag_end_date: datetime | None,
    task_start_dates: Iterable[datetime | None],
    task_end_dates: Iterable[datetime | None],
) -> tuple[pendulum.DateTime | None, pendulum.DateTime | None]:
    """The ``start_date`` and ``end_date`` to schedule a DAG with (Airflow's ``DAG._time_restriction``).

    Airflow first clamps each task's dates into the DAG's (``DAG.add_task``: a task starts no earlier and
    ends no later than its DAG), then opens the window at the earliest start and closes it at the DAG's
    end date, or, when every task has an end date, at the latest of those and the DAG's."""
    dag_start = to_utc(dag_start_date) if dag_start_date is not None else None
    dag_end = to_utc(dag_end_date) if dag_end_date is not None else None
    starts = [_clamp(to_utc(d) if d else None, dag_start, max) for d in task_start_dates]
    ends = [_clamp(to_utc(d) if d else None, dag_end, min) for d in task_end_dates]
    known_starts = [d for d in [*starts, dag_start] if d is not None]
    latest = dag_end
    if all(d is not None for d in ends):
        known_ends = [d for d in [*ends, dag_end] if d is not None]
        latest = max(known_ends) if known_ends else None
    return (min(known_starts) if known_starts else None), latest


def _clamp(
    own: pendulum.DateTime | None, dags: pendulum.DateTime | None, pick: Callable[..., pendulum.DateTime]
) -> pendulum.DateTime | None:
    if own is None or dags is None:
        return own or dags
    return pick(own, dags)


def next_dagrun_info(
    timetable: Timetable,
    *,
    last: DataInterval | None,
    start_date: datetime | None,
    end_date: datetime | None,
    catchup: bool,
    now: datetime,
) -> DagRunInfo | None:
    """The next run the scheduler creates after the latest automated one, or ``None`` if there is none.

    ``last`` is the data interval of the latest (by logical date) scheduled *or backfill* run; manual runs do
    not move the schedule. ``start_date``/``end_date`` are the DAG's window (see ``schedule_window``). The
    info is returned even when its ``run_after`` is still in the future: the scheduler records it as the
    DAG's next run and sleeps until then, as Airflow stores ``next_dagrun_create_after``.

    * The first run starts at the first schedule point at or after ``start_date`` (a delta schedule starts
      at ``start_date`` itself); each later run starts where the previous interval ended, re-aligned to
      the schedule in case it changed.
    * ``catchup=False`` jumps ahead to the latest interval that has ended at ``now`` (never before the run
      that follows ``last``, nor before ``start_date``). For cron, "ended" includes an interval ending
      exactly at ``now``. For a delta, Airflow floors ``now`` to a multiple of the delta since the Unix
      epoch, so the runs after the jump are aligned to the epoch, not to ``start_date``.
    * No run starts after ``end_date``; a scheduled DAG without a start date never runs (Airflow refuses
      to load it).

    Raises ``TypeError`` for a timetable that is none of headwater's (null, once, cron, delta)."""
    return _next(timetable, last=last, earliest=start_date, latest=end_date, catchup=catchup, now=now)


def backfill_infos(timetable: Timetable, *, start: datetime, end: datetime) -> list[DagRunInfo]:
    """The runs ``dags backfill -s START -e END`` creates, oldest first (Airflow's ``iter_dagrun_infos_between``).

    Their logical dates fall within ``[start, end]``, both inclusive, on the schedule's points counted
    from ``start``: a cron backfill starts at the first cron point at or after ``start``, and a delta
    backfill at ``start`` itself, then every delta, whatever the DAG's start date. Airflow's backfill
    ignores the DAG's ``start_date``, ``end_date`` and ``catchup``. ``@once`` gives one run at ``start``;
    ``schedule=None`` gives none (Airflow logs "No run dates were found" and does nothing). A run whose
    interval ends after ``end`` (or in the future) is still included: only its logical date must be in range."""
    infos: list[DagRunInfo] = []
    info = _next(timetable, last=None, earliest=start, latest=end, catchup=True, now=None)
    while info is not None:
        infos.append(info)
        info = _next(timetable, last=info.data_interval, earliest=start, latest=end, catchup=True, now=None)
    return infos


def _next(
    timetable: Timetable,
    *,
    last: DataInterval | None,
    earliest: datetime | None,
    latest: datetime | None,
    catchup: bool,
    now: datetime | None,
) -> DagRunInfo | None:
    if isinstance(timetable, OnceTimetable):
        if last is not None or earliest is None:
            return None
        moment = to_utc(earliest)
        if latest is not None and moment > to_utc(latest):
            return None
        return DagRunInfo(DataInterval(moment, moment), moment)
    if isinstance(timetable, NullTimetable):
        return None
    grid = _grid(timetable)
    if earliest is None and last is None:
        return None
    bound = _align_up(grid, to_utc(earliest)) if earliest is not None else None
    if not catchup and now is not None:
        skipped_to = grid.latest_complete_start(to_utc(now))
        bound = skipped_to if bound is None else max(skipped_to, bound)
    if last is None:
        assert bound is not None
        start = bound
    else:  # without a start date (``DAG.next_dagrun_info(restricted=False)``) the run follows ``last``
        start = _align_down(grid, to_utc(last.end))
        start = start if bound is None else max(start, bound)
    if latest is not None and start > to_utc(latest):
        return None
    end = grid.tick_after(start)
    return DagRunInfo(DataInterval(start, end), end)


def _grid(timetable: Timetable) -> _Grid:
    needed = ("tick_after", "tick_before", "latest_complete_start")
    if not all(callable(getattr(timetable, name, None)) for name in needed):
        raise TypeError(
            f"Cannot schedule runs for timetable {type(timetable).__name__}: headwater schedules None, '@once', "
            "cron expressions, presets and timedeltas."
        )
    return timetable  # type: ignore[return-value]


def _align_up(grid: _Grid, moment: pendulum.DateTime) -> pendulum.DateTime:
    """``moment`` if it is a schedule point, else the next one (Airflow's ``_align_to_next``)."""
    following = grid.tick_after(moment)
    return moment if grid.tick_before(following) == moment else following


def _align_down(grid: _Grid, moment: pendulum.DateTime) -> pendulum.DateTime:
    """``moment`` if it is a schedule point, else the previous one (Airflow's ``_align_to_prev``)."""
    preceding = grid.tick_before(moment)
    return moment if grid.tick_after(preceding) == moment else preceding


REPROCESS_CHOICES = ("none", "failed", "completed")


def backfill_action(existing: DagRunState | None, reprocess: str) -> tuple[str, str]:
    """What a backfill does for one logical date, given the run already there (if any): ``create``,
    ``rerun`` (clear it and run it again as part of the backfill) or ``skip``, with why. As in Airflow's
    backfills, ``reprocess`` says which finished runs are run again: ``none``, ``failed`` or
    ``completed`` (failed and successful); a run still queued or running is always left alone."""
    if reprocess not in REPROCESS_CHOICES:
        raise ValueError(f"reprocess must be one of {', '.join(REPROCESS_CHOICES)}; got {reprocess!r}.")
    if existing is None:
        return "create", "no run yet"
    if existing in (DagRunState.QUEUED, DagRunState.RUNNING):
        return "skip", f"a run is already {existing.value}"
    if reprocess == "completed" or (reprocess == "failed" and existing is DagRunState.FAILED):
        return "rerun", f"the {existing.value} run is run again (--reprocess {reprocess})"
    return "skip", f"a {existing.value} run exists (--reprocess {reprocess} leaves it)"
