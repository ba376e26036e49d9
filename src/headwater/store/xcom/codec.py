"""The default XCom codec: a typed JSON document, never pickle.

Plain JSON types stay plain. As in Airflow, a tuple nested in a value reads back as a list while a
top-level tuple stays a tuple; dates, datetimes, times, timedeltas, sets, frozensets and Decimals
keep their type through a small tagged object.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from typing import Any

import pendulum

TAG = "__hw__"

_ENCODERS: list[tuple[type, str, Callable[[Any], Any]]] = [
    (set, "set", lambda v: [encode(x) for x in v]),
    (frozenset, "frozenset", lambda v: [encode(x) for x in v]),
    (decimal.Decimal, "decimal", str),
    (dt.datetime, "datetime", lambda v: v.isoformat()),
    (dt.date, "date", lambda v: v.isoformat()),
    (dt.time, "time", lambda v: v.isoformat()),
    (dt.timedelta, "timedelta", lambda v: v.total_seconds()),
]
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": lambda v: pendulum.parse(v) if "+" in v or v.endswith("Z") else dt.datetime.fromisoformat(v),
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda v: dt.timedelta(seconds=v),
    "dict": lambda v: {k: decode(x) for k, x in v},
    "tuple": lambda v: tuple(decode(x) for x in v),
    "set": lambda v: {decode(x) for x in v},
    "frozenset": lambda v: frozenset(decode(x) for x in v),
    "decimal": decimal.Decimal,
}


class UnserializableValue(TypeError):
    """Raised by ``encode`` with the type that JSON cannot hold."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(f"values of type {type(value).__module__}.{type(value).__qualname__} are not supported")


def encode(value: Any) -> Any:
    """``value`` as JSON-compatible data with type tags."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if any(not isinstance(k, str) for k in value) or TAG in value:
            if not all(isinstance(k, (str, int, float, bool)) or k is None for k in value):
                raise UnserializableValue(next(k for k in value if not isinstance(k, str)))
            if TAG in value:
                return {TAG: "dict", "v": [[k, encode(v)] for k, v in value.items()]}
            return {str(k) if not isinstance(k, str) else k: encode(v) for k, v in value.items()}
        return {k: encode(v) for k, v in value.items()}
    for kind, name, to_json in _ENCODERS:
        if isinstance(value, kind):
            return {TAG: name, "v": to_json(value)}
    raise UnserializableValue(value)


def decode(data: Any) -> Any:
    """The inverse of ``encode``."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        tag = data.get(TAG)
        if tag is not None and set(data) == {TAG, "v"} and tag in _DECODERS:
            return _DECODERS[tag](data["v"])
        return {k: decode(v) for k, v in data.items()}
    return data


def dumps(value: Any) -> bytes:
    """A top-level tuple keeps its type (as in Airflow); nested ones become lists."""
    data = {TAG: "tuple", "v": encode(value)} if isinstance(value, tuple) else encode(value)
    return json.dumps(data, separators=(",", ":"), allow_nan=True).encode("utf-8")


def loads(raw: bytes | str | None) -> Any:
    if raw is None:
        return None
    return decode(json.loads(raw))


def to_display(value: Any) -> Any:
    """A value as JSON shows it to a user: tuples as lists, dates and datetimes as ISO strings."""
    if isinstance(value, (set, frozenset)):
        items = [to_display(v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, (list, tuple)):
        return [to_display(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): to_display(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
