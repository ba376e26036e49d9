"""The codec's type registry: how each value that JSON cannot hold becomes tagged data and back.

A handler has a stable ``name`` (the tag written into the stored document), an ``encode`` that turns
a value into data the codec can encode (JSON types, ``bytes``, or other registered types) and a
``decode`` that receives that data, already decoded, and rebuilds the value. Handlers are found by
the value's exact type, then along its MRO; the handlers for numpy, pandas and pyarrow are loaded
the first time one of their values (or tags) is met, so none of those libraries is imported
otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Handler:
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


RESERVED_NAMES = frozenset({"bytes", "dict", "tuple", "pickle", "enum", "dataclass", "pydantic", "objectstorage"})
"""Tags the codec itself reads; no handler may take them."""

_BY_TYPE: dict[type, Handler] = {}
_BY_NAME: dict[str, Handler] = {}

_LIBRARY_HANDLERS = {"numpy": "numpy", "pandas": "pandas", "pyarrow": "pyarrow"}
"""Top-level module of a value's type (or prefix of a tag) -> the library whose handlers to load."""
_loaded_libraries: set[str] = set()


def type_name(kind: type) -> str:
    """``module:QualName``, the form a class is written down as in stored values and messages."""
    return f"{kind.__module__}:{kind.__qualname__}"


def register(
    kind: type, encode: Callable[[Any], Any], decode: Callable[[Any], Any], *, name: str | None = None
) -> None:
    """Store values of ``kind`` (and its subclasses without a handler of their own) as ``encode(value)``,
    read back with ``decode(data)``. Registering a type again replaces its handler."""
    if not isinstance(kind, type):
        raise TypeError(f"register() takes a class, not {kind!r}")
    tag = name or type_name(kind)
    taken = _BY_NAME.get(tag)
    if tag in RESERVED_NAMES or (taken is not None and _BY_TYPE.get(kind) is not taken):
        raise ValueError(f"the type name {tag!r} is already taken; register {kind.__qualname__} under another name")
    previous = _BY_TYPE.get(kind)
    if previous is not None:
        _BY_NAME.pop(previous.name, None)
    handler = Handler(tag, encode, decode)
    _BY_TYPE[kind] = handler
    _BY_NAME[tag] = handler


def unregister(kind: type) -> None:
    handler = _BY_TYPE.pop(kind, None)
    if handler is not None:
        _BY_NAME.pop(handler.name, None)


def handler_for(kind: type) -> Handler | None:
    found = _BY_TYPE.get(kind)
    if found is not None:
        return found
    library = _LIBRARY_HANDLERS.get(kind.__module__.partition(".")[0])
    if library is not None and library not in _loaded_libraries:  # before the MRO: a pandas Timestamp is a datetime
        _load_library(library)
        return handler_for(kind)
    for base in kind.__mro__[1:]:
        found = _BY_TYPE.get(base)
        if found is not None:
            return found
    return None


def handler_named(name: str) -> Handler | None:
    found = _BY_NAME.get(name)
    if found is not None:
        return found
    library = _LIBRARY_HANDLERS.get(name.partition(".")[0])
    if library is not None and library not in _loaded_libraries:
        _load_library(library)
        return _BY_NAME.get(name)
    return None


def _load_library(library: str) -> None:
    _loaded_libraries.add(library)
    from headwater.store.xcom import library_types

    library_types.register_for(library)


class ClassNotLoadable(LookupError):
    """A stored value names a class this process cannot import."""


def find_class(reference: str) -> type:
    """The class a stored ``module:QualName`` names, looked up in modules this process has already
    imported (a DAG file, and what it imports, is loaded before its tasks run). Nothing is imported on
    the say-so of stored data, which anyone with write access to the DB could make name any module."""
    module_name, _, qualname = reference.partition(":")
    module = sys.modules.get(module_name)
    if module is None:
        raise ClassNotLoadable(
            f"{reference} cannot be loaded: module {module_name!r} is not imported in this process (import it in "
            "the DAG file)"
        )
    try:
        found: Any = module
        for part in qualname.split("."):
            found = getattr(found, part)
    except AttributeError as err:
        raise ClassNotLoadable(f"{reference} cannot be loaded in this process ({err})") from None
    if not isinstance(found, type):
        raise ClassNotLoadable(f"{reference} is not a class")
    return found
