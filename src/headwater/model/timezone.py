"""Timezone helpers with Airflow 2.10's contract (``airflow.utils.timezone``): aware datetimes in UTC
by default, naive ones made aware in the default zone (UTC: headwater has no other default zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from pendulum.tz.timezone import FixedTimezone, Timezone

utc = pendulum.UTC
TIMEZONE: Timezone | FixedTimezone = utc
"""The zone naive datetimes are read in."""

utc_epoch = dt.datetime(1970, 1, 1, tzinfo=utc)


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


def make_aware(value: dt.datetime, timezone: dt.tzinfo | None = None) -> dt.datetime:
    """A naive ``value`` read as wall time in ``timezone`` (default UTC); an aware one is an error."""
    zone = TIMEZONE if timezone is None else timezone
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
    if isinstance(value, pendulum.DateTime):
        return value
    if not is_localized(value):
        value = make_aware(value, tz)
    return pendulum.instance(value)


def parse(string: str, timezone: Any = None) -> pendulum.DateTime:
    """An ISO 8601 (or looser) text as a pendulum DateTime, in the default zone when it names none."""
    parsed = pendulum.parse(string, tz=timezone or TIMEZONE, strict=False)
    if not isinstance(parsed, pendulum.DateTime):
        raise ValueError(f"{string!r} is not a date-time")
    return parsed


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
