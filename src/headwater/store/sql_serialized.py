"""Each DAG's serialized structure, as the process that parses DAG files stored it (Airflow's
``serialized_dag``): what the API and the UI know about a DAG without importing its file.

A document is written only when something in it changed: its hash, the file's digest, its lint findings
or its file. A DAG whose file disappears or stops importing keeps its last document; the ``dag`` table
says it is no longer active, and ``import_error`` says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select, update

from headwater.model.serialized import canonical_json, document_hash
from headwater.model.serialized_read import DagDoc, read_document
from headwater.store import tables as t


@dataclass(frozen=True)
class DagDocument:
    """What the parsing process stores for one DAG."""

    dag_id: str
    fileloc: str
    file_digest: str | None
    data: dict[str, Any]
    """The document, from ``headwater.model.serialized.serialize_dag``."""
    lint: Sequence[dict[str, Any]] = field(default_factory=list)
    """The lint's findings for the DAG (``Finding.as_dict()``)."""


@dataclass(frozen=True)
class SerializedDagRecord:
    """A stored document with when and from what it was written."""

    dag_id: str
    fileloc: str
    file_digest: str | None
    dag_hash: str
    data: dict[str, Any]
    lint: list[dict[str, Any]]
    last_updated: dt.datetime

    def read(self) -> DagDoc:
        """The document as plain records (tasks, edges, groups, params)."""
        return read_document(self.data)


def _record(row: Any) -> SerializedDagRecord:
    return SerializedDagRecord(
        row.dag_id, row.fileloc, row.file_digest, row.dag_hash, row.data, list(row.lint), row.last_updated
    )


class SerializedQueries:
    """Mixed into ``SqlStore``: the ``serialized_dag`` table."""

    engine: Engine

    def write_serialized_dags(self, documents: Iterable[DagDocument], now: dt.datetime) -> list[str]:
        """Store the documents that differ from what is stored, in one transaction; returns the DAG ids
        written (an unchanged DAG is not rewritten, so its ``last_updated`` stays)."""
        s = t.serialized_dag
        wanted = {d.dag_id: d for d in documents}
        written: list[str] = []
        with self.engine.begin() as conn:
            stored: dict[str, Any] = {}
            ids = sorted(wanted)
            for start in range(0, len(ids), 500):
                query = select(s.c.dag_id, s.c.fileloc, s.c.file_digest, s.c.dag_hash, s.c.lint).where(
                    s.c.dag_id.in_(ids[start : start + 500])
                )
                stored.update({row.dag_id: row for row in conn.execute(query)})
            for dag_id in ids:
                doc = wanted[dag_id]
                values = {
                    "fileloc": doc.fileloc,
                    "file_digest": doc.file_digest,
                    "dag_hash": document_hash(doc.data),
                    "data": doc.data,
                    "lint": list(doc.lint),
                    "last_updated": now,
                }
                old = stored.get(dag_id)
                if old is None:
                    conn.execute(insert(s).values(dag_id=dag_id, **values))
                elif (old.dag_hash, old.file_digest, old.fileloc, canonical_json(old.lint)) != (
                    values["dag_hash"],
                    doc.file_digest,
                    doc.fileloc,
                    canonical_json(values["lint"]),
                ):
                    conn.execute(update(s).where(s.c.dag_id == dag_id).values(values))
                else:
                    continue
                written.append(dag_id)
        return written

    def serialized_dag(self, dag_id: str) -> SerializedDagRecord | None:
        """One DAG's stored document (None if no parser stored one)."""
        s = t.serialized_dag
        with self.engine.connect() as conn:
            row = conn.execute(select(s).where(s.c.dag_id == dag_id)).first()
        return _record(row) if row is not None else None

    def serialized_dags(self, dag_ids: Iterable[str] | None = None) -> list[SerializedDagRecord]:
        """Stored documents by DAG id (all of them without ``dag_ids``)."""
        s = t.serialized_dag
        query = select(s).order_by(s.c.dag_id)
        if dag_ids is not None:
            query = query.where(s.c.dag_id.in_(list(dag_ids)))
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def dag_hashes(self) -> dict[str, str]:
        """Each stored document's hash, by DAG id: what changed since a caller last looked."""
        s = t.serialized_dag
        with self.engine.connect() as conn:
            return {row.dag_id: row.dag_hash for row in conn.execute(select(s.c.dag_id, s.c.dag_hash))}
