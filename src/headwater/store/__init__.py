"""Where runs, task instances and XComs are recorded: SQL (SQLite, PostgreSQL) or memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from headwater.store.memory import MemoryStore
from headwater.store.records import DagRunRecord, RunChanges, Store, TaskInstanceRecord, XComRow

if TYPE_CHECKING:
    from headwater.store.xcom.base import BaseXCom

__all__ = ["DagRunRecord", "MemoryStore", "RunChanges", "Store", "TaskInstanceRecord", "XComRow", "open_store"]


def open_store(url: str, *, xcom_backend: type[BaseXCom] | None = None) -> Store:
    """A store for a database URL (``memory://`` for the in-memory store); ``xcom_backend`` purges the
    data it keeps elsewhere when the store deletes XCom rows."""
    if url == "memory://":
        return MemoryStore()
    from headwater.store.sql import SqlStore

    return SqlStore(url, xcom_backend=xcom_backend)
