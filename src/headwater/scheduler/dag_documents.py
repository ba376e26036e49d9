"""What the scheduler stores about each DAG it parses: the DAG's serialized structure, its lint findings
and its file's digest (``serialized_dag``), so the API never imports a DAG file to show a DAG."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from headwater.model.dag import DAG
from headwater.model.serialized import serialize_dag
from headwater.store.sql_serialized import DagDocument

log = logging.getLogger("headwater.scheduler")


def lint_and_document(
    dags: Iterable[DAG], *, import_budget: float, digest: Callable[[str], str | None]
) -> list[DagDocument]:
    """Lint freshly parsed DAGs (findings go to the scheduler's log, as ``dags lint`` prints them) and
    build each one's document with its findings and its file's SHA-256."""
    from headwater.lint import ERROR, lint_dags

    dags = list(dags)
    findings: dict[str, list[dict[str, object]]] = {}
    for finding in lint_dags(dags, {}, import_budget=import_budget):
        tasks = f" ({', '.join(finding.task_ids)})" if finding.task_ids else ""
        log.log(
            logging.ERROR if finding.level == ERROR else logging.WARNING,
            "Lint %s in DAG %r%s: %s Fix: %s",
            finding.code,
            finding.dag_id,
            tasks,
            finding.message,
            finding.fix,
        )
        findings.setdefault(finding.dag_id, []).append(finding.as_dict())
    documents = []
    for dag in dags:
        try:
            data = serialize_dag(dag)
        except Exception:  # a DAG the serializer cannot describe still runs; the API shows its last document
            log.exception(
                "DAG %r: its structure could not be stored for the API; it is scheduled as usual.", dag.dag_id
            )
            continue
        fileloc = dag.fileloc or ""
        documents.append(
            DagDocument(dag.dag_id, fileloc, digest(fileloc) if fileloc else None, data, findings.get(dag.dag_id, []))
        )
    return documents
