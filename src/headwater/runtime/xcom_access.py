"""XCom push and pull for one run, through the configured backend, with Airflow's pull semantics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from headwater.errors import XComReadError, XComSerializationError, XComStorageError, XComTooLarge
from headwater.store.records import XComRow
from headwater.store.xcom.base import XCOM_RETURN_KEY, BaseXCom, purge_rows
from headwater.store.xcom.codec import UndecodableValue, UnserializableValue
from headwater.store.xcom.settings import current as xcom_settings


def _as_bytes(stored: Any) -> bytes:
    if isinstance(stored, bytes):
        return stored
    if isinstance(stored, str):
        return stored.encode("utf-8")
    import json

    return json.dumps(stored).encode("utf-8")


XComLoader = Callable[[str | None], list[XComRow]]
"""Reads the stored rows of one task of the run (``None``: of every task)."""


class RunXComs:
    """This run's XCom rows, kept in memory for pulls and collected for the next write.

    With a ``loader`` (a worker running one task of a run driven elsewhere), the rows of a task are read
    from the store the first time they are pulled.
    """

    def __init__(
        self,
        dag_id: str,
        run_id: str,
        backend: type[BaseXCom],
        rows: Iterable[XComRow] = (),
        *,
        loader: XComLoader | None = None,
    ) -> None:
        self.dag_id, self.run_id, self.backend = dag_id, run_id, backend
        self._loader = loader
        self._loaded: set[str] = set()
        rows = list(rows)
        self._stored: set[tuple[str, int]] = {(r.task_id, r.map_index) for r in rows}
        """Instances with rows already written; only those need a delete when cleared."""
        self._rows: dict[tuple[str, int, str], XComRow] = {(r.task_id, r.map_index, r.key): r for r in rows}
        self.pending_added: list[XComRow] = []
        self.pending_cleared: list[tuple[str, int]] = []
        self._loaded_instances_cleared: set[tuple[str, int]] = set()
        """Instances cleared before their rows were loaded: stored rows of theirs are stale."""

    def _ensure(self, task_id: str | None) -> None:
        if self._loader is None or None in self._loaded or task_id in self._loaded:
            return
        self._loaded.add(task_id)  # type: ignore[arg-type]
        for row in self._loader(task_id):
            if (row.task_id, row.map_index) in self._loaded_instances_cleared:
                continue
            self._rows.setdefault((row.task_id, row.map_index, row.key), row)
            self._stored.add((row.task_id, row.map_index))

    def take_pending(self) -> tuple[list[tuple[str, int]], list[XComRow]]:
        cleared, added = self.pending_cleared, self.pending_added
        self.pending_cleared, self.pending_added = [], []
        self._stored.update((r.task_id, r.map_index) for r in added)
        return cleared, added

    def clear(self, task_id: str, map_index: int) -> None:
        """Forget a task instance's XComs (a new try starts clean, as in Airflow)."""
        if self._loader is not None:
            self._loaded_instances_cleared.add((task_id, map_index))
        doomed = [k for k in self._rows if k[0] == task_id and k[1] == map_index]
        for key in doomed:
            del self._rows[key]
        unwritten = [r for r in self.pending_added if (r.task_id, r.map_index) == (task_id, map_index)]
        purge_rows(self.backend, unwritten)  # never written: nothing refers to their data (the store purges the rest)
        self.pending_added = [r for r in self.pending_added if (r.task_id, r.map_index) != (task_id, map_index)]
        if (task_id, map_index) in self._stored:
            self._stored.discard((task_id, map_index))
            self.pending_cleared.append((task_id, map_index))

    def push(self, task_id: str, map_index: int, key: str, value: Any) -> None:
        try:
            stored = self.backend.serialize_value(
                value, key=key, task_id=task_id, dag_id=self.dag_id, run_id=self.run_id, map_index=map_index
            )
        except UnserializableValue as err:
            raise XComSerializationError(self.dag_id, task_id, key, err.value, err.detail) from None
        except (TypeError, ValueError) as err:
            raise XComSerializationError(self.dag_id, task_id, key, value, str(err)) from None
        except OSError as err:
            raise XComStorageError(self.dag_id, task_id, key, str(err)) from None
        raw = _as_bytes(stored)
        limit = xcom_settings().max_db_value_bytes
        if len(raw) > limit:
            raise XComTooLarge(self.dag_id, task_id, key, len(raw), limit)
        row = XComRow(self.dag_id, self.run_id, task_id, map_index, key, raw, dt.datetime.now(dt.UTC))
        self._rows[(task_id, map_index, key)] = row
        for index, pending in enumerate(self.pending_added):
            if pending.key == key and pending.task_id == task_id and pending.map_index == map_index:
                del self.pending_added[index]  # pushed twice in one try: the first value was never written
                purge_rows(self.backend, [pending])
                break
        self.pending_added.append(row)

    def _as_backend_row(self, row: XComRow) -> BaseXCom:
        obj = self.backend.__new__(self.backend)
        obj.__dict__.update(row.__dict__)
        return obj

    def value_of(self, row: XComRow) -> Any:
        try:
            return self.backend.deserialize_value(self._as_backend_row(row))
        except UndecodableValue as err:
            raise XComReadError(self.dag_id, row.task_id, row.key, str(err)) from None
        except Exception as err:  # a backend's or handler's error, re-raised naming DAG, task and key
            raise XComReadError(self.dag_id, row.task_id, row.key, f"{type(err).__name__}: {err}") from err

    def rows(self) -> list[XComRow]:
        return list(self._rows.values())

    def _matching(self, task_id: str, key: str | None, map_indexes: int | Sequence[int] | None) -> list[XComRow]:
        self._ensure(task_id)
        found = [r for (t, _, k), r in self._rows.items() if t == task_id and (key is None or k == key)]
        if map_indexes is None:
            return sorted(found, key=lambda r: (r.map_index, -r.timestamp.timestamp()))
        order = [map_indexes] if isinstance(map_indexes, int) else list(dict.fromkeys(map_indexes))
        return [r for index in order for r in found if r.map_index == index]

    def pull(
        self,
        task_ids: str | Iterable[str] | None,
        key: str | None = XCOM_RETURN_KEY,
        map_indexes: int | Iterable[int] | None = None,
        default: Any = None,
    ) -> Any:
        """Airflow's ``xcom_pull``: one id gives one value (or every mapped value as a sequence); several
        ids give a sequence of the values that exist, in the order asked. ``key=None`` matches any key."""
        indexes = map_indexes if map_indexes is None or isinstance(map_indexes, int) else list(map_indexes)
        if task_ids is None:
            self._ensure(None)
            candidates = sorted(
                (r for r in self._rows.values() if key is None or r.key == key), key=lambda r: r.timestamp, reverse=True
            )
            return self.value_of(candidates[0]) if candidates else default
        if isinstance(task_ids, str) and not isinstance(indexes, list):
            found = self._matching(task_ids, key, indexes)
            if not found:
                return default
            if indexes is not None or found[0].map_index < 0:
                return self.value_of(found[0])
            return LazyXComSelectSequence(self.value_of(r) for r in found)
        ids = [task_ids] if isinstance(task_ids, str) else list(dict.fromkeys(task_ids))
        return LazyXComSelectSequence(self.value_of(r) for tid in ids for r in self._matching(tid, key, indexes))


class LazyXComSelectSequence(list[Any]):
    """The sequence several pulled values come back as; prints the way Airflow's lazy sequence does
    (``LazySelectSequence([2 items])``), which is what a template shows."""

    def __repr__(self) -> str:
        return f"LazySelectSequence([{len(self)} {'item' if len(self) == 1 else 'items'}])"

    __str__ = __repr__


class ExpansionPuller:
    """The ``ti`` a mapped task's inputs are resolved with when it expands (outside any running task)."""

    map_index = -1

    def __init__(self, xcoms: RunXComs) -> None:
        self.xcoms = xcoms

    def xcom_pull(
        self, task_ids: Any = None, key: str = XCOM_RETURN_KEY, default: Any = None, map_indexes: Any = None, **_: Any
    ) -> Any:
        return self.xcoms.pull(task_ids, key, map_indexes, default=default)
