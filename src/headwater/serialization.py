"""Teach headwater's XCom codec a type of your own.

    from headwater.serialization import register

    register(Money, lambda m: {"cents": m.cents, "currency": m.currency}, lambda d: Money(**d))

``encode`` returns anything the codec can store (JSON types, bytes, dates, other registered types);
``decode`` gets that back and rebuilds the value. Register in the DAG file (or a module it imports) so
that every process that runs its tasks knows the type. The codec itself lives in
``headwater.store.xcom``.
"""

from headwater.store.xcom.codec import UndecodableValue, UnserializableValue, dumps, loads
from headwater.store.xcom.registry import register, unregister

__all__ = ["UndecodableValue", "UnserializableValue", "dumps", "loads", "register", "unregister"]
