"""Date helpers of Airflow 2.10's ``airflow.utils.dates``, with its exact results.

DAG files of the Airflow 2 era write ``start_date=days_ago(2)``; these functions give what Airflow
gives, clock included (``days_ago`` reads UTC now at call time).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

from croniter import croniter
from dateutil.relativedelta import relativedelta

from headwater.model import timezone
from headwater.model.timetables import PRESETS

cron_presets: dict[str, str] = {name: expr for name, expr in PRESETS.items() if name != "@annually"}
"""Airflow's table of cron presets (``@annually`` is a schedule alias, not in this table)."""

_MIN_UTC = dt.datetime.min.replace(tzinfo=timezone.utc)


def days_ago(n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> dt.datetime:
    """Today in UTC at the given time of day (midnight by default), minus ``n`` days."""
    warnings.warn(
        "days_ago() is deprecated (Airflow 3 removes it); pendulum.today('UTC').add(days=-n) gives the same "
        "date, and a fixed start_date keeps runs reproducible.",
        DeprecationWarning,
        stacklevel=2,
    )
    today = timezone.utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - dt.timedelta(days=n)


def date_range(
    start_date: dt.datetime,
    end_date: dt.datetime | None = None,
    num: int | None = None,
    delta: str | dt.timedelta | relativedelta | None = None,
) -> list[dt.datetime]:
    """Dates from ``start_date`` every ``delta`` (a timedelta, relativedelta or cron text) up to
    ``end_date``, or ``num`` of them (backwards when ``num`` is negative), sorted and aware."""
    warnings.warn(
        "date_range() is deprecated (Airflow 3 removes it); a DAG's timetable lists its run dates.",
        DeprecationWarning,
        stacklevel=2,
    )
    if not delta:
        return []
    if end_date:
        if start_date > end_date:
            raise ValueError("Wait. start_date needs to be before end_date")
        if num:
            raise ValueError("Wait. Either specify end_date OR num")
    if not end_date and not num:
        end_date = timezone.utcnow()
    zone = start_date.tzinfo
    cron: croniter | None = None
    step: dt.timedelta | relativedelta = dt.timedelta(0)
    if isinstance(delta, str):
        if timezone.is_localized(start_date):
            start_date = timezone.make_naive(start_date, zone)
        cron = croniter(cron_presets.get(delta, delta), start_date)
    elif isinstance(delta, (dt.timedelta, relativedelta)):
        step = abs(delta)
    else:
        raise TypeError("Wait. delta must be either datetime.timedelta or cron expression as str")

    def aware(value: dt.datetime) -> dt.datetime:
        return timezone.make_aware(value, zone) if timezone.is_naive(value) else value

    dates: list[dt.datetime] = []
    if end_date:
        if timezone.is_naive(start_date) and not timezone.is_naive(end_date):
            end_date = timezone.make_naive(end_date, zone)
        while start_date <= end_date:
            dates.append(aware(start_date))
            start_date = cron.get_next(dt.datetime) if cron else start_date + step
    else:
        count = num or 0
        for _ in range(abs(count)):
            dates.append(aware(start_date))
            if cron:
                start_date = cron.get_next(dt.datetime) if count > 0 else cron.get_prev(dt.datetime)
            else:
                start_date = start_date + step if count > 0 else start_date - step
    return sorted(dates)


def round_time(
    value: dt.datetime,
    delta: str | dt.timedelta | relativedelta,
    start_date: dt.datetime = _MIN_UTC,
) -> dt.datetime:
    """The ``start_date + i * delta`` closest to ``value`` (ties go up); for a cron ``delta``, the
    schedule point at or before ``start_date``."""
    if isinstance(delta, str):
        zone = start_date.tzinfo
        naive = timezone.make_naive(start_date, zone)
        previous = croniter(delta, naive).get_prev(dt.datetime)
        return timezone.make_aware(naive if previous == naive else previous, zone)
    value = value - dt.timedelta(microseconds=value.microsecond)
    upper = 1
    while start_date + upper * delta < value:
        upper *= 2
    lower = upper // 2
    while True:
        above = start_date + (lower + 1) * delta
        if above >= value:
            below = start_date + lower * delta
            return above if above - value <= value - below else below
        middle = lower + (upper - lower) // 2
        if start_date + middle * delta >= value:
            upper = middle
        else:
            lower = middle


def infer_time_unit(time_seconds_arr: Sequence[float]) -> str:
    """The unit durations (in seconds) read best in: seconds up to 2 min, minutes up to 2 h, hours
    up to 2 days, then days; ``hours`` for no durations."""
    if not time_seconds_arr:
        return "hours"
    longest = max(time_seconds_arr)
    if longest <= 60 * 2:
        return "seconds"
    if longest <= 60 * 60 * 2:
        return "minutes"
    if longest <= 24 * 60 * 60 * 2:
        return "hours"
    return "days"


_UNIT_SECONDS = {"minutes": 60, "hours": 60 * 60, "days": 24 * 60 * 60}


def scale_time_units(time_seconds_arr: Sequence[float], unit: str) -> list[float]:
    """Durations in seconds converted to ``unit`` (``minutes``, ``hours``, ``days``; seconds otherwise)."""
    factor = _UNIT_SECONDS.get(unit, 1)
    return [seconds / factor for seconds in time_seconds_arr]


def parse_execution_date(execution_date_str: str) -> Any:
    """A logical date's text as pendulum reads it: an aware DateTime (UTC when it names no zone)."""
    return timezone.parse(execution_date_str)


def datetime_to_nano(value: dt.datetime) -> int:
    """``value`` as nanoseconds since the epoch."""
    return int(value.timestamp() * 1_000_000_000)
