"""Schedules as pure functions of a datetime: data intervals and logical dates as Airflow 2 defines them.

A scheduled run covers the interval that *starts* at its logical date; a manual run covers the last
complete interval ending at or before it. ``next_interval`` is what LatestOnlyOperator compares
the wall clock with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

import pendulum

PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


@dataclass(frozen=True)
class DataInterval:
    start: pendulum.DateTime
    end: pendulum.DateTime


class Timetable(Protocol):
    """What a schedule must answer; every method is pure."""

    summary: str

    def scheduled_interval(self, logical_date: pendulum.DateTime) -> DataInterval: ...

    def manual_interval(self, run_after: pendulum.DateTime) -> DataInterval: ...

    def next_interval(self, last: DataInterval) -> DataInterval | None: ...

    def previous_logical_date(self, logical_date: pendulum.DateTime) -> pendulum.DateTime | None: ...


def to_utc(value: datetime) -> pendulum.DateTime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=pendulum.UTC)
    return pendulum.instance(value).in_timezone("UTC")


class NullTimetable:
    """``schedule=None``: only manual runs; a run's interval is the instant it covers."""

    summary = "None"

    def scheduled_interval(self, logical_date: pendulum.DateTime) -> DataInterval:
        return DataInterval(logical_date, logical_date)

    def manual_interval(self, run_after: pendulum.DateTime) -> DataInterval:
        return DataInterval(run_after, run_after)

    def next_interval(self, last: DataInterval) -> DataInterval | None:
        return None

    def previous_logical_date(self, logical_date: pendulum.DateTime) -> pendulum.DateTime | None:
        return None


class OnceTimetable(NullTimetable):
    """``@once``: one run at the start date."""

    summary = "@once"


class DeltaTimetable:
    """A fixed ``timedelta`` between runs."""

    def __init__(self, delta: timedelta) -> None:
        self.delta = delta
        self.summary = str(delta)

    def scheduled_interval(self, logical_date: pendulum.DateTime) -> DataInterval:
        return DataInterval(logical_date, logical_date + self.delta)

    def manual_interval(self, run_after: pendulum.DateTime) -> DataInterval:
        return DataInterval(run_after - self.delta, run_after)

    def next_interval(self, last: DataInterval) -> DataInterval | None:
        return DataInterval(last.end, last.end + self.delta)

    def previous_logical_date(self, logical_date: pendulum.DateTime) -> pendulum.DateTime | None:
        return logical_date - self.delta

    def tick_after(self, moment: datetime) -> pendulum.DateTime:
        """Airflow's ``_get_next``: one delta later (a delta schedule has no fixed grid)."""
        return to_utc(moment + self.delta)

    def tick_before(self, moment: datetime) -> pendulum.DateTime:
        """Airflow's ``_get_prev``: one delta earlier."""
        return to_utc(moment - self.delta)

    def latest_complete_start(self, now: datetime) -> pendulum.DateTime:
        """Where ``catchup=False`` starts: one delta before ``now`` floored to a multiple of the delta since the
        Unix epoch. Airflow rounds on the epoch, not on the start date, so the run need not line up with it."""
        seconds = to_utc(now).timestamp()
        step = self.delta.total_seconds()
        floored = pendulum.from_timestamp(seconds - (seconds % step), tz="UTC")
        return self.tick_before(floored)


class CronTimetable:
    """A cron expression (or preset), evaluated in the DAG's timezone."""

    def __init__(self, expression: str, tz: tzinfo | None) -> None:
        from croniter import croniter

        self.expression = PRESETS.get(expression, expression)
        self.summary = expression
        if not croniter.is_valid(self.expression):
            raise ValueError(f"Invalid cron expression {expression!r}.")
        self.tz = tz or pendulum.UTC

    def next_after(self, moment: datetime) -> pendulum.DateTime:
        """The first schedule point after ``moment``: Airflow's arithmetic, DST changes included (below)."""
        return self.tick_after(moment)

    def prev_before(self, moment: datetime) -> pendulum.DateTime:
        return self.tick_before(moment)

    def align_to_prev(self, moment: pendulum.DateTime) -> pendulum.DateTime:
        following = self.next_after(moment - timedelta(microseconds=1))
        return moment if following == moment else self.prev_before(moment)

    def scheduled_interval(self, logical_date: pendulum.DateTime) -> DataInterval:
        """Airflow's ``infer_automated_data_interval``: from the logical date (not aligned) to the next point."""
        return DataInterval(logical_date, self.next_after(logical_date))

    def manual_interval(self, run_after: pendulum.DateTime) -> DataInterval:
        end = self.align_to_prev(run_after)
        return DataInterval(self.prev_before(end), end)

    def next_interval(self, last: DataInterval) -> DataInterval | None:
        start = self.align_to_prev(last.end)
        return DataInterval(start, self.next_after(start))

    def previous_logical_date(self, logical_date: pendulum.DateTime) -> pendulum.DateTime | None:
        return self.prev_before(logical_date)

    # Airflow's own arithmetic (``airflow/timetables/_cron.py``), used for every interval and run: croniter
    # sees naive local time, a wall-clock time that occurs twice resolves to its second occurrence, one that
    # never occurs (a spring-forward gap) moves forward, and a schedule firing every hour steps by elapsed time.

    def tick_after(self, moment: datetime) -> pendulum.DateTime:
        """The first schedule point strictly after ``moment`` (Airflow's ``_get_next``)."""
        return self._tick(moment, forward=True)

    def tick_before(self, moment: datetime) -> pendulum.DateTime:
        """The last schedule point strictly before ``moment`` (Airflow's ``_get_prev``)."""
        return self._tick(moment, forward=False)

    def latest_complete_start(self, now: datetime) -> pendulum.DateTime:
        """Where ``catchup=False`` starts: the start of the latest interval that has ended at ``now``, which
        is the one ending exactly at ``now`` when ``now`` is a schedule point."""
        last_start = self.tick_before(now)
        return last_start if self.tick_after(last_start) == now else self.tick_before(last_start)

    def _tick(self, moment: datetime, *, forward: bool) -> pendulum.DateTime:
        from croniter import croniter

        zone = pendulum.instance(datetime(2000, 1, 1, tzinfo=self.tz)).timezone or pendulum.UTC
        local = pendulum.instance(moment).in_timezone(zone)
        naive = local.naive()
        cron = croniter(self.expression, start_time=naive)
        found: datetime = cron.get_next(datetime) if forward else cron.get_prev(datetime)
        if cron.expanded[1] == ["*"]:  # fires every hour: step by elapsed time so DST folds are not skipped
            return to_utc(local + (found - naive))
        return to_utc(zone.convert(found.replace(fold=1)))


def timetable_for(schedule: Any, *, tz: tzinfo | None, dag_id: str) -> Timetable:
    """The timetable for what a DAG author wrote as ``schedule``."""
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, timedelta):
        return DeltaTimetable(schedule)
    if isinstance(schedule, str):
        if schedule == "@once":
            return OnceTimetable()
        try:
            return CronTimetable(schedule, tz)
        except ValueError:
            raise ValueError(
                f"DAG {dag_id!r}: schedule {schedule!r} is neither a cron expression nor a preset "
                f"({', '.join(['@once', *PRESETS])}), a timedelta or None."
            ) from None
    if hasattr(schedule, "scheduled_interval"):
        return schedule  # type: ignore[no-any-return]
    raise ValueError(f"DAG {dag_id!r}: unsupported schedule {schedule!r}.")
