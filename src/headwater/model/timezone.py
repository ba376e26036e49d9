"""Timezone helpers with Airflow 2.10's contract (``airflow.utils.timezone``): aware datetimes in UTC
by default, naive ones made aware in the default zone (UTC: headwater has no other default zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

import pendulum
from pendulum.tz.timezone import FixedTimezone, Timezone

utc = pendulum.UTC
TIMEZONE: Timezone | FixedTimezone = utc
"""The zone naive datetimes are read in."""


def utc_epoch() -> dt.datetime:
    """The Unix epoch, aware in UTC."""
    return dt.datetime(1970, 1, 1, tzinfo=utc)


def is_localized(value: dt.datetime) -> bool:
    """True when ``value`` knows its offset from UTC."""
    return value.utcoffset() is not None


def is_naive(value: dt.datetime) -> bool:
    """True when ``value`` carries no offset (Python's own definition of naive)."""
    return value.utcoffset() is None


def utcnow() -> dt.datetime:
    """Now, aware, in UTC (a plain ``datetime``, as Airflow returns)."""
    return dt.datetime.now(tz=utc)


def datetime(*args: Any, **kwargs: Any) -> dt.datetime:
    """``datetime.datetime(...)`` in the default zone unless ``tzinfo`` is given."""
    kwargs.setdefault("tzinfo", TIMEZONE)
    return dt.datetime(*args, **kwargs)


@overload
def make_aware(value: None, timezone: dt.tzinfo | None = None) -> None: ...


@overload
def make_aware(value: dt.datetime, timezone: dt.tzinfo | None = None) -> dt.datetime: ...


def make_aware(value: dt.datetime | None, timezone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A naive ``value`` read as wall time in ``timezone`` (default UTC); an aware one is an error. Of
    an ambiguous wall time (clocks going back) it takes the later instant, as Airflow schedules."""
    zone = TIMEZONE if timezone is None else timezone
    if value is None:
        return None
    if is_localized(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    value = value.replace(fold=1)
    if isinstance(zone, (Timezone, FixedTimezone)):
        return zone.convert(value)
    return value.replace(tzinfo=zone)


def make_naive(value: dt.datetime, timezone: dt.tzinfo | None = None) -> dt.datetime:
    """An aware ``value`` as naive wall time in ``timezone`` (default UTC)."""
    zone = TIMEZONE if timezone is None else timezone
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    local = value.astimezone(zone)
    return dt.datetime(local.year, local.month, local.day, local.hour, local.minute, local.second, local.microsecond)


def convert_to_utc(value: dt.datetime | None) -> pendulum.DateTime | None:
    """``value`` in UTC as a pendulum DateTime; a naive one is first read in the default zone."""
    if value is None:
        return None
    if not is_localized(value):
        value = pendulum.instance(value, TIMEZONE)
    return pendulum.instance(value.astimezone(utc))


def coerce_datetime(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> pendulum.DateTime | None:
    """``value`` as a pendulum DateTime; a naive one is read in ``tz`` (default UTC)."""
    if value is None:
        return None
    if isinstance(value, pendulum.DateTime) and is_localized(value):
        return value
    if not is_localized(value):
        value = make_aware(value, tz)
    return pendulum.instance(value)


def parse(string: str, timezone: Any = None, *, strict: bool = False) -> Any:
    """An ISO 8601 text (or, unless ``strict``, any text dateutil reads) as pendulum reads it: a
    DateTime in the default zone when it names none."""
    return pendulum.parse(string, tz=timezone or TIMEZONE, strict=strict)


def parse_timezone(name: str | int) -> Timezone | FixedTimezone:
    """A zone by IANA name or by offset in seconds."""
    return FixedTimezone(name) if isinstance(name, int) else Timezone(name)


def local_timezone() -> Timezone | FixedTimezone:
    """The machine's zone."""
    return pendulum.tz.local_timezone()


def from_timestamp(timestamp: float, tz: Any = utc) -> pendulum.DateTime:
    """A POSIX timestamp as a pendulum DateTime in ``tz`` (default UTC; ``"local"`` for the machine's)."""
    zone = local_timezone() if tz == "local" else tz
    return pendulum.from_timestamp(timestamp, tz=utc).in_timezone(zone)


_UNITS = (("years", "y"), ("months", "m"), ("days", "d"), ("hours", "h"), ("minutes", "M"), ("seconds", "s"))


def td_format(td_object: dt.timedelta | float | None) -> str | None:
    """A duration as Airflow shows it: whole units joined by colons (``1h:2M:32s``; ``M`` is minutes,
    ``m`` months of 30 days), ``<1s`` below a second, None for no duration."""
    if not td_object:
        return None
    seconds = int(td_object.total_seconds()) if isinstance(td_object, dt.timedelta) else int(td_object)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    months, days = divmod(days, 30)
    years, months = divmod(months, 12)
    values = (years, months, days, hours, minutes, secs)
    parts = [f"{value}{letter}" for value, (_, letter) in zip(values, _UNITS, strict=True) if value >= 1]
    return ":".join(parts) or "<1s"
