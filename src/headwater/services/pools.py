"""Pools: named limits on how many task slots run at once."""

from __future__ import annotations

from dataclasses import dataclass

from headwater.services.context import ServiceContext
from headwater.services.errors import InvalidRequest, NotFound

DEFAULT_POOL = "default_pool"


@dataclass
class PoolRecord:
    name: str
    slots: int
    description: str | None


def set_pool(ctx: ServiceContext, *, name: str, slots: int, description: str | None = None) -> PoolRecord:
    """Create the pool or resize it (a running scheduler admits by the new size at once)."""
    if not name.strip():
        raise InvalidRequest("A pool needs a name; got an empty one.")
    if slots < 0:
        raise InvalidRequest(f"A pool's slots cannot be negative; got {slots}.")
    ctx.store.set_pool(name, slots, description)
    ctx.changed()
    return PoolRecord(name, slots, description)


def list_pools(ctx: ServiceContext) -> list[PoolRecord]:
    """Every pool, by name (``default_pool`` always exists)."""
    return [PoolRecord(name, slots, description) for name, (slots, description) in sorted(ctx.store.pools().items())]


def get_pool(ctx: ServiceContext, *, name: str) -> PoolRecord:
    found = ctx.store.pools().get(name)
    if found is None:
        raise NotFound(f"No pool {name!r}; `headwater pools list` lists them.")
    return PoolRecord(name, *found)


def delete_pool(ctx: ServiceContext, *, name: str) -> None:
    """Delete a pool; ``default_pool`` cannot be deleted (resize it instead)."""
    if name == DEFAULT_POOL:
        raise InvalidRequest("default_pool cannot be deleted; resize it with `headwater pools set default_pool N`.")
    if not ctx.store.delete_pool(name):
        raise NotFound(f"No pool {name!r}; `headwater pools list` lists them.")
    ctx.changed()
