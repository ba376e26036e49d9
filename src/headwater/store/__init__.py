"""Where runs, task instances and XComs are recorded: SQL (SQLite, PostgreSQL) or memory."""

from headwater.store.memory import MemoryStore
from headwater.store.records import DagRunRecord, RunChanges, Store, TaskInstanceRecord, XComRow

__all__ = ["DagRunRecord", "MemoryStore", "RunChanges", "Store", "TaskInstanceRecord", "XComRow", "open_store"]


def open_store(url: str) -> Store:
    """A store for a database URL (``memory://`` for the in-memory store)."""
    if url == "memory://":
        return MemoryStore()
    from headwater.store.sql import SqlStore

    return SqlStore(url)
