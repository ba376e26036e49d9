"""DAGs as the scheduler records them (pause flags, whether their file still defines them) and pools."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from headwater.store import tables as t

DEFAULT_POOL = "default_pool"
DEFAULT_POOL_SLOTS = 128
"""Airflow's default size for ``default_pool``."""


@dataclass(frozen=True)
class DagEntry:
    """What the scheduler records about a parsed DAG."""

    dag_id: str
    fileloc: str
    schedule: str
    paused_at_creation: bool


class DagQueries:
    """Mixed into ``SqlStore``: the ``dag`` and ``slot_pool`` tables."""

    engine: Engine

    def sync_dags(self, entries: Iterable[DagEntry], now: dt.datetime) -> dict[str, bool]:
        """Record parsed DAGs (new ones get their pause flag from configuration); returns each DAG's
        pause flag."""
        entries = list(entries)
        d = t.dag
        with self.engine.begin() as conn:
            for e in entries:  # another process may record the same new DAG at the same moment: first one wins
                values = {"fileloc": e.fileloc, "schedule": e.schedule, "last_parsed": now, "is_active": True}
                conn.execute(
                    self._insert_ignoring_duplicates(d).values(
                        dag_id=e.dag_id, is_paused=e.paused_at_creation, **values
                    )
                )
                conn.execute(update(d).where(d.c.dag_id == e.dag_id).values(values))
            known = {r.dag_id: bool(r.is_paused) for r in conn.execute(select(d.c.dag_id, d.c.is_paused))}
        return {e.dag_id: known[e.dag_id] for e in entries}

    def deactivate_dags(self, keep: Iterable[str]) -> list[str]:
        """Mark every active DAG not in ``keep`` inactive (its file is gone, fails to import, or no longer
        defines it, as Airflow deactivates a stale DAG); its runs, history and stored document stay.
        Returns the DAG ids deactivated."""
        d = t.dag
        kept = set(keep)
        with self.engine.begin() as conn:
            active = [r.dag_id for r in conn.execute(select(d.c.dag_id).where(d.c.is_active.is_(True)))]
            gone = sorted(set(active) - kept)
            for start in range(0, len(gone), 500):
                conn.execute(update(d).where(d.c.dag_id.in_(gone[start : start + 500])).values(is_active=False))
        return gone

    def _insert_ignoring_duplicates(self, table: Any) -> Any:
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()

    def pause_flags(self) -> dict[str, bool]:
        with self.engine.connect() as conn:
            return {r.dag_id: bool(r.is_paused) for r in conn.execute(select(t.dag.c.dag_id, t.dag.c.is_paused))}

    def set_paused(self, dag_id: str, paused: bool) -> bool:
        """Pause or unpause; False when the DAG was never seen by a scheduler or ``dags list``."""
        with self.engine.begin() as conn:
            done = conn.execute(update(t.dag).where(t.dag.c.dag_id == dag_id).values(is_paused=paused))
        return bool(done.rowcount)

    def dag_entry(self, dag_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.dag).where(t.dag.c.dag_id == dag_id)).first()
        return dict(row._mapping) if row is not None else None

    def pools(self) -> dict[str, tuple[int, str | None]]:
        """Every pool: name -> (slots, description); ``default_pool`` always exists."""
        p = t.pool
        with self.engine.connect() as conn:
            found = {r.pool: (r.slots, r.description) for r in conn.execute(select(p))}
        found.setdefault(DEFAULT_POOL, (DEFAULT_POOL_SLOTS, "Default pool"))
        return found

    def set_pool(self, name: str, slots: int, description: str | None = None) -> None:
        p = t.pool
        with self.engine.begin() as conn:
            if conn.execute(select(p.c.pool).where(p.c.pool == name)).first() is None:
                conn.execute(insert(p).values(pool=name, slots=slots, description=description))
            else:
                values: dict[str, Any] = {"slots": slots}
                if description is not None:
                    values["description"] = description
                conn.execute(update(p).where(p.c.pool == name).values(values))

    def delete_pool(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(t.pool).where(t.pool.c.pool == name)).rowcount)
