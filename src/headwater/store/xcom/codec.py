"""The default XCom codec: a typed JSON document, never pickle unless the deployment opts in.

Plain JSON types stay plain, so what most tasks return is readable in the database. Every other
supported type is a tagged object ``{"__hw__": tag, "v": data}`` whose handler lives in the registry
(``registry.py``), so a value reads back as the type it was pushed as. As in Airflow, a tuple nested
in a value reads back as a list while a returned tuple stays a tuple, and dict keys that are not
strings become strings the way ``json`` writes them.

Binary data (``bytes``, and what numpy, pandas and pyarrow values become) is not base64'd into the
JSON: a value holding any is written as a frame, ``MAGIC``, the blob and document lengths, the JSON
document, then the blobs raw, so a large array or file costs its own size and can be streamed to
an object store part by part (``dump_parts``/``load_stream``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import pathlib
import struct
import sys
import uuid
from collections.abc import Callable
from typing import IO, Any

import pendulum

from headwater.store.xcom import registry
from headwater.store.xcom.registry import ClassNotLoadable, find_class, register, type_name
from headwater.store.xcom.settings import current as current_settings
from headwater.store.xcom.settings import warn_about_pickling

TAG = "__hw__"
MAGIC = b"HWX1"
REFERENCE_PREFIX = b'{"' + TAG.encode() + b'":"objectstorage","v":'
"""How every offload reference stored in the DB starts (and no other stored value can: user dicts with
the tag are escaped, and registered types cannot take the name)."""
_COUNT = struct.Struct(">I")
_LENGTH = struct.Struct(">Q")

_PLAIN = frozenset({type(None), bool, int, float, str})
_JSON = json.JSONEncoder(separators=(",", ":"), allow_nan=True)
"""One encoder for every value (``json.dumps`` with options builds a new one per call)."""


class UnserializableValue(TypeError):
    """Raised by the encoder with the value (somewhere inside the pushed one) it cannot store."""

    def __init__(self, value: object, detail: str = "") -> None:
        self.value, self.detail = value, detail
        kind = type(value)
        super().__init__(detail or f"values of type {kind.__module__}.{kind.__qualname__} are not supported")


class UndecodableValue(ValueError):
    """A stored value this process cannot rebuild (its type cannot be loaded here, or it was pickled)."""


Blobs = list[bytes | bytearray | memoryview]


def _key(key: object) -> str:
    """A dict key as ``json.dumps`` writes it, which is what Airflow stores."""
    if isinstance(key, str):
        return str.__str__(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return json.dumps(float(key))  # inf and nan as json writes them: Infinity, NaN
    raise UnserializableValue(key, f"dict keys must be str, int, float, bool or None, not {type(key).__qualname__}")


def _encode(value: Any, blobs: Blobs) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else _encode(v, blobs) for v in value]
    if kind is dict:
        return _encode_dict(value, blobs)
    if kind is set or kind is frozenset:  # members stay hashable: tuples in a set stay tuples
        return {TAG: kind.__name__, "v": [_encode_member(v, blobs) for v in value]}
    if kind is bytes or kind is memoryview:  # a memoryview reads back as bytes
        blobs.append(value)
        return {TAG: "bytes", "v": len(blobs) - 1}
    handler = registry.handler_for(kind)
    if handler is not None:
        return {TAG: handler.name, "v": _encode(handler.encode(value), blobs)}
    generic = _encode_generic(value, blobs)
    if generic is not None:
        return generic
    for plain in (bool, int, float, str):  # subclasses of plain types (a template's Markup, say) stay plain
        if isinstance(value, plain):
            return plain(value) if plain is not str else str.__str__(value)
    if isinstance(value, (list, tuple)):
        return [_encode(v, blobs) for v in value]
    if isinstance(value, dict):
        return _encode_dict(value, blobs)
    if current_settings().enable_pickling:
        import pickle

        warn_about_pickling()
        blobs.append(pickle.dumps(value))
        return {TAG: "pickle", "v": len(blobs) - 1}
    raise UnserializableValue(value)


def _encode_member(value: Any, blobs: Blobs) -> Any:
    if type(value) is tuple:
        return {TAG: "tuple", "v": [_encode_member(v, blobs) for v in value]}
    return value if type(value) in _PLAIN else _encode(value, blobs)


def _findable(kind: type) -> str:
    """The name a reader finds ``kind`` by; refuses classes no reader could find (defined in a function)."""
    name = type_name(kind)
    if "<locals>" in kind.__qualname__:
        raise UnserializableValue(
            kind,
            f"{kind.__qualname__} is defined inside a function, where no reader can find it; define it at "
            "module level (in the DAG file or a module it imports)",
        )
    return name


def _encode_dict(value: dict[Any, Any], blobs: Blobs) -> Any:
    if TAG in value:  # a user's dict that looks like a tag is written as pairs, so it cannot be mistaken
        return {TAG: "dict", "v": [[_key(k), _encode(v, blobs)] for k, v in value.items()]}
    return {
        (k if type(k) is str else _key(k)): (v if type(v) in _PLAIN else _encode(v, blobs)) for k, v in value.items()
    }


def _encode_generic(value: Any, blobs: Blobs) -> dict[str, Any] | None:
    """Enums, dataclasses and pydantic models: one handler for every class of the kind, which is named
    in the stored value and loaded by name when it is read."""
    kind = type(value)
    if isinstance(value, enum.Enum):
        return {TAG: "enum", "v": {"type": _findable(kind), "value": _encode(value.value, blobs)}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name), blobs) for f in dataclasses.fields(value)}
        return {TAG: "dataclass", "v": {"type": _findable(kind), "fields": fields}}
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return {TAG: "pydantic", "v": {"type": _findable(kind), "data": _encode(value.model_dump(), blobs)}}
    return None


class _Decoder:
    def __init__(self, blobs: list[bytes], strict: bool) -> None:
        self.blobs, self.strict = blobs, strict

    def decode(self, data: Any) -> Any:
        kind = type(data)
        if kind is list:
            return [v if type(v) in _PLAIN else self.decode(v) for v in data]
        if kind is dict:
            tag = data.get(TAG)
            if tag is not None and len(data) == 2 and "v" in data:
                return self.tagged(tag, data["v"])
            return {k: (v if type(v) in _PLAIN else self.decode(v)) for k, v in data.items()}
        return data

    def tagged(self, tag: str, data: Any) -> Any:
        if tag == "bytes":
            return self.blobs[data]
        if tag == "dict":
            return {k: self.decode(v) for k, v in data}
        if tag == "tuple":
            return tuple(self.decode(data))
        if tag in _GENERIC_DECODERS:
            return self.generic(tag, data)
        if tag == "pickle":
            return self.unpickle(self.blobs[data])
        if tag == "objectstorage":  # an offloaded value: load it, whichever backend reads it
            if not self.strict:
                return {"__type__": data.get("type"), "offloaded": data["url"]}
            from headwater.store.xcom import objectstorage

            return objectstorage.read_object(data, current_settings())
        handler = registry.handler_named(tag)
        if handler is None:
            return self.unreadable(
                tag,
                data,
                f"the stored value has type {tag!r}, which no handler in this process reads; register it with "
                "headwater.serialization.register(...) where the DAG file (or a module it imports) runs",
            )
        return handler.decode(self.decode(data))

    def generic(self, tag: str, data: Any) -> Any:
        try:
            kind = find_class(data["type"])
        except ClassNotLoadable as err:
            if self.strict:
                raise UndecodableValue(f"{err}; make its module importable where the value is read") from None
            payload = self.decode(data.get("fields", data.get("data", data.get("value"))))
            return (
                {"__type__": data["type"], **payload}
                if isinstance(payload, dict)
                else {
                    "__type__": data["type"],
                    "value": payload,
                }
            )
        return _GENERIC_DECODERS[tag](kind, data, self.decode)

    def unpickle(self, raw: bytes) -> Any:
        if not current_settings().enable_pickling:
            if self.strict:
                raise UndecodableValue(
                    "the value was stored with pickle; reading it needs [core] enable_xcom_pickling = true, which "
                    "lets anyone who can write to the metadata database run code here"
                )
            return f"<pickled value, {len(raw)} bytes>"
        import pickle

        warn_about_pickling()
        return pickle.loads(raw)

    def unreadable(self, type_label: str, data: Any, why: str) -> Any:
        if self.strict:
            raise UndecodableValue(why)
        return {"__type__": type_label, "value": self.decode(data)}


def _decode_enum(kind: type, data: Any, decode: Callable[[Any], Any]) -> Any:
    if not issubclass(kind, enum.Enum):
        raise UndecodableValue(f"{type_name(kind)} is not an Enum")
    return kind(decode(data["value"]))


def _decode_dataclass(kind: type, data: Any, decode: Callable[[Any], Any]) -> Any:
    if not dataclasses.is_dataclass(kind):
        raise UndecodableValue(f"{type_name(kind)} is not a dataclass")
    values = {name: decode(v) for name, v in data["fields"].items()}
    fields = {f.name: f for f in dataclasses.fields(kind)}
    made = kind(**{n: v for n, v in values.items() if n in fields and fields[n].init})
    for name, value in values.items():
        if name in fields and not fields[name].init:
            object.__setattr__(made, name, value)
    return made


def _decode_pydantic(kind: type, data: Any, decode: Callable[[Any], Any]) -> Any:
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not issubclass(kind, pydantic.BaseModel):
        raise UndecodableValue(f"{type_name(kind)} is not a pydantic model")
    model: Any = kind
    return model.model_validate(decode(data["data"]))


_GENERIC_DECODERS: dict[str, Callable[[type, Any, Callable[[Any], Any]], Any]] = {
    "enum": _decode_enum,
    "dataclass": _decode_dataclass,
    "pydantic": _decode_pydantic,
}


def dump_parts(value: Any) -> list[bytes | bytearray | memoryview]:
    """The stored form of ``value`` as parts to write one after another (no copy of binary data)."""
    blobs: Blobs = []
    top_level_tuple = isinstance(value, tuple) and registry.handler_for(type(value)) is None
    data = {TAG: "tuple", "v": _encode(value, blobs)} if top_level_tuple else _encode(value, blobs)
    doc = _JSON.encode(data).encode("ascii")
    if not blobs:
        return [doc]
    lengths = b"".join(_LENGTH.pack(memoryview(b).nbytes) for b in blobs)
    head = MAGIC + _COUNT.pack(len(blobs)) + lengths + _LENGTH.pack(len(doc))
    return [head, doc, *blobs]


def dumps(value: Any) -> bytes:
    parts = dump_parts(value)
    return parts[0] if len(parts) == 1 and isinstance(parts[0], bytes) else b"".join(parts)


def loads(raw: bytes | bytearray | memoryview | str | None, *, strict: bool = True) -> Any:
    """The value ``dumps`` stored. With ``strict=False`` (listings) values whose type cannot be loaded
    here come back as ``{"__type__": ..., "value": ...}`` instead of raising."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return _Decoder([], strict).decode(json.loads(raw))
    if isinstance(raw, bytes) and not raw.startswith(MAGIC):  # the common case: plain typed JSON
        return _plain_or_decoded(raw, [], strict)
    view = memoryview(raw)
    if view[:4] != MAGIC:
        return _plain_or_decoded(view.tobytes(), [], strict)
    try:
        (count,) = _COUNT.unpack_from(view, 4)
        at = 8
        lengths = [_LENGTH.unpack_from(view, at + 8 * i)[0] for i in range(count)]
        at += 8 * count
        (doc_length,) = _LENGTH.unpack_from(view, at)
    except struct.error:
        raise UndecodableValue(
            f"the stored value is truncated: its {view.nbytes} bytes end inside the header"
        ) from None
    at += 8
    if at + doc_length + sum(lengths) != view.nbytes:
        raise UndecodableValue(
            f"the stored value is truncated or damaged: {view.nbytes} bytes where the header promises "
            f"{at + doc_length + sum(lengths)}"
        )
    doc = view[at : at + doc_length].tobytes()
    at += doc_length
    blobs = []
    for length in lengths:
        blobs.append(view[at : at + length].tobytes())
        at += length
    return _plain_or_decoded(doc, blobs, strict)


def load_stream(stream: IO[bytes], *, strict: bool = True) -> Any:
    """``loads`` from a file-like object, reading each blob straight into its own ``bytes``."""
    head = stream.read(4)
    if head != MAGIC:  # plain JSON, possibly shorter than the magic
        return loads(head + stream.read(), strict=strict)
    (count,) = _COUNT.unpack(_read_exact(stream, 4))
    lengths = [_LENGTH.unpack(_read_exact(stream, 8))[0] for _ in range(count)]
    (doc_length,) = _LENGTH.unpack(_read_exact(stream, 8))
    doc = _read_exact(stream, doc_length)
    blobs = [_read_exact(stream, length) for length in lengths]
    return _plain_or_decoded(doc, blobs, strict)


_TAG_KEY = f'"{TAG}"'.encode()


def _plain_or_decoded(doc: bytes, blobs: list[bytes], strict: bool) -> Any:
    """A document without any tag is plain JSON already: no walk over it is needed."""
    try:
        data = json.loads(doc.decode("utf-8"))  # a str skips json's encoding detection
        if _TAG_KEY not in doc:
            return data
        return _Decoder(blobs, strict).decode(data)
    except (KeyError, IndexError, TypeError, AttributeError, json.JSONDecodeError) as err:  # a damaged document
        raise UndecodableValue(f"the stored value is damaged ({type(err).__name__}: {err})") from None


def offload_reference(raw: Any) -> dict[str, Any] | None:
    """The offload reference a stored value is (url, sizes, compression, type), or ``None``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray, memoryview)) or bytes(raw[: len(REFERENCE_PREFIX)]) != REFERENCE_PREFIX:
        return None
    document = json.loads(bytes(raw))
    if not (isinstance(document, dict) and set(document) == {TAG, "v"} and isinstance(document["v"], dict)):
        return None
    reference: dict[str, Any] = document["v"]
    return reference


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    first = stream.read(size)
    if len(first) == size:
        return first
    buffer = bytearray(first)
    while len(buffer) < size:
        more = stream.read(size - len(buffer))
        if not more:
            raise UndecodableValue(f"the stored value is truncated: expected {size} bytes, found {len(buffer)}")
        buffer += more
    return bytes(buffer)


def stored_type(raw: bytes | bytearray | memoryview | str | None) -> str:
    """The type name a stored value reads back as, without decoding it (for listings)."""
    if raw is None:
        return "NoneType"
    view = memoryview(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if view[:4] == MAGIC:
        (count,) = _COUNT.unpack_from(view, 4)
        at = 8 + 8 * count
        (doc_length,) = _LENGTH.unpack_from(view, at)
        data = json.loads(view[at + 8 : at + 8 + doc_length].tobytes())
    else:
        data = json.loads(view.tobytes())
    return described_type(data)


def described_type(data: Any) -> str:
    if isinstance(data, dict):
        tag = data.get(TAG)
        if tag is not None and len(data) == 2 and "v" in data:
            inner = data["v"]
            if tag in _GENERIC_DECODERS:
                return str(inner["type"])
            return "dict" if tag == "dict" else str(tag)
        return "dict"
    return {list: "list", str: "str", bool: "bool", int: "int", float: "float"}.get(type(data), "NoneType")


def type_label(value: Any) -> str:
    """The name listings give the type ``value`` is stored as."""
    kind = type(value)
    if kind in _PLAIN or kind in (list, dict, tuple, bytes):
        return kind.__name__
    handler = registry.handler_for(kind)
    if handler is not None:
        return handler.name
    if isinstance(value, enum.Enum) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return type_name(kind)
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return type_name(kind)
    return kind.__qualname__


def to_display(value: Any) -> Any:
    """A value as JSON shows it to a user: tuples as lists, dates and datetimes as ISO strings,
    dataclasses and models as their fields."""
    if value is None or type(value) in _PLAIN:
        return value
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
    if isinstance(value, enum.Enum):
        return to_display(value.value)
    if isinstance(value, (uuid.UUID, pathlib.PurePath)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_display(getattr(value, f.name)) for f in dataclasses.fields(value)}
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return to_display(value.model_dump())
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{memoryview(value).nbytes} bytes>"
    summary = getattr(value, "shape", None)
    if summary is not None:
        return f"<{type(value).__qualname__} of shape {tuple(summary)}>"
    return repr(value)


def _datetime_encode(value: dt.datetime) -> Any:
    zone = getattr(value.tzinfo, "key", None)  # a zoneinfo.ZoneInfo keeps its name, not just the offset
    return [value.isoformat(), zone] if zone else value.isoformat()


def _datetime_decode(data: Any) -> dt.datetime:
    if isinstance(data, list):
        import zoneinfo

        return _in_zone(dt.datetime.fromisoformat(data[0]), zoneinfo.ZoneInfo(data[1]))
    return dt.datetime.fromisoformat(data)


def _in_zone(fixed: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The same wall time in the named zone; the stored offset picks the side of a DST fold. (Not
    ``astimezone``, which goes through UTC and overflows at the ends of the calendar.)"""
    named = fixed.replace(tzinfo=zone)
    return named if named.utcoffset() == fixed.utcoffset() else named.replace(fold=1)


def _pendulum_decode(data: Any) -> pendulum.DateTime:
    iso, zone = data
    parsed = dt.datetime.fromisoformat(iso)
    if parsed.tzinfo is None:
        return pendulum.naive(
            parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second, parsed.microsecond
        )
    if zone and zone[0] not in "+-":
        return pendulum.instance(_in_zone(parsed, pendulum.timezone(zone)))
    return pendulum.instance(parsed)


def _duration_decode(data: Any) -> pendulum.Duration:
    days, seconds, microseconds, *calendar = data
    years, months = calendar or (0, 0)
    return pendulum.duration(days=days, seconds=seconds, microseconds=microseconds, years=years, months=months)


def _timedelta_decode(data: Any) -> dt.timedelta:
    if isinstance(data, list):
        return dt.timedelta(days=data[0], seconds=data[1], microseconds=data[2])
    return dt.timedelta(seconds=data)  # as stored before the three-part form


def _path_decode(data: Any) -> pathlib.PurePath:
    kind = getattr(pathlib, data[0], None)
    if not (isinstance(kind, type) and issubclass(kind, pathlib.PurePath)):
        raise UndecodableValue(f"{data[0]!r} is not a pathlib class")
    path: pathlib.PurePath = kind(data[1])
    return path


def _register_builtins() -> None:
    register(set, list, set, name="set")
    register(frozenset, list, frozenset, name="frozenset")
    register(bytearray, bytes, bytearray, name="bytearray")
    register(decimal.Decimal, str, decimal.Decimal, name="decimal")
    register(uuid.UUID, str, uuid.UUID, name="uuid")
    register(complex, lambda v: [v.real, v.imag], lambda d: complex(*d), name="complex")
    register(pathlib.PurePath, lambda v: [type(v).__name__, str(v)], _path_decode, name="path")
    register(dt.datetime, _datetime_encode, _datetime_decode, name="datetime")
    register(dt.date, dt.date.isoformat, dt.date.fromisoformat, name="date")
    register(dt.time, dt.time.isoformat, dt.time.fromisoformat, name="time")
    register(dt.timedelta, lambda v: [v.days, v.seconds, v.microseconds], _timedelta_decode, name="timedelta")
    register(pendulum.DateTime, lambda v: [v.isoformat(), v.timezone_name], _pendulum_decode, name="pendulum.DateTime")
    register(pendulum.Date, lambda v: v.isoformat(), pendulum.Date.fromisoformat, name="pendulum.Date")
    register(pendulum.Time, lambda v: v.isoformat(), pendulum.Time.fromisoformat, name="pendulum.Time")
    register(
        pendulum.Duration,  # years and months are kept apart from days, as pendulum keeps them
        lambda v: [v.days - v.years * 365 - v.months * 30, v.seconds, v.microseconds, v.years, v.months],
        _duration_decode,
        name="pendulum.Duration",
    )


_register_builtins()
