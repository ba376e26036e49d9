"""What the control commands do to the store: trigger, pause, list. The scheduler acts on it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pendulum

from headwater.config import Settings
from headwater.dagbag import DagBag
from headwater.errors import DagImportError, DagNotFound, HeadwaterError
from headwater.model.dag import DAG
from headwater.model.ids import check_run_id
from headwater.model.timetables import to_utc
from headwater.scheduler.dagruns import check_conf_size, new_run
from headwater.store.records import DagRunRecord
from headwater.store.sql import SqlStore
from headwater.store.sql_dags import DagEntry


class RunExists(HeadwaterError):
    """A run with that id or logical date is already recorded."""


def find_dag(settings: Settings, store: SqlStore, dag_id: str) -> DAG:
    """Parse the DAG ``dag_id``: from the file the scheduler recorded for it, else from the DAGs folder.
    The DAG is recorded in the store (paused as configured) if it was not yet."""
    entry = store.dag_entry(dag_id)
    fileloc = entry["fileloc"] if entry else None
    bag = None
    if fileloc and Path(fileloc).exists() and fileloc not in store.import_errors():
        bag = DagBag.load(fileloc, timeout=settings.dagbag_import_timeout, root=settings.dags_folder)
    if bag is None or dag_id not in bag.dags:  # the whole folder also tells when another file defines it too
        bag = DagBag.load(settings.dags_folder, timeout=settings.dagbag_import_timeout)
    if dag_id in bag.duplicates:
        first = bag.duplicates[dag_id][0]
        raise DagImportError(first, bag.import_errors[first])
    if dag_id not in bag.dags:
        for filename, error in bag.import_errors.items():
            if Path(filename).stem == dag_id or (fileloc and Path(filename) == Path(fileloc).resolve()):
                raise DagImportError(filename, error)
        raise DagNotFound(dag_id, f"the DAGs folder {settings.dags_folder}", bag.dags)
    dag = bag.dags[dag_id]
    if entry is None:
        store.sync_dags([dag_entry(dag, settings)], pendulum.now("UTC"))
    return dag


def dag_entry(dag: DAG, settings: Settings) -> DagEntry:
    """What the store records about a DAG; a new DAG is paused as the DAG says, else as configured."""
    flag = dag.is_paused_upon_creation
    paused = settings.dags_are_paused_at_creation if flag is None else bool(flag)
    return DagEntry(dag.dag_id, dag.fileloc or "", dag.timetable.summary, paused)


def trigger(
    settings: Settings,
    store: SqlStore,
    dag_id: str,
    *,
    conf: dict[str, Any] | None = None,
    logical_date: datetime | None = None,
    run_id: str | None = None,
) -> DagRunRecord:
    """Record a manual run, queued: the scheduler starts it (once the DAG is unpaused). A ``run_id`` must
    match ``[scheduler] allowed_run_id_pattern``; it is checked before the DAG is parsed."""
    if run_id:
        check_run_id(run_id, dag_id=dag_id, pattern=settings.allowed_run_id_pattern)
    conf = dict(conf or {})
    check_conf_size(dag_id, conf, settings.max_conf_bytes)  # before parsing anything: refused at the door
    dag = find_dag(settings, store, dag_id)
    dag.params.resolve(conf, dag_id)  # a conf the params refuse is refused now, not when the run starts
    logical = to_utc(logical_date) if logical_date is not None else pendulum.now("UTC")
    run = new_run(
        dag,
        run_type="manual",
        logical_date=logical,
        data_interval=dag.timetable.manual_interval(logical),
        conf=conf,
        run_id=run_id,
        external_trigger=True,
        run_id_pattern=settings.allowed_run_id_pattern,
    )
    if store.get_run(dag_id, run.run_id) is not None:
        raise RunExists(f"DAG {dag_id!r} already has a run {run.run_id!r}; pass another --run-id.")
    if store.run_at(dag_id, logical) is not None:
        raise RunExists(
            f"DAG {dag_id!r} already has a run at logical date {logical.isoformat()}; pass another --logical-date."
        )
    store.start_run(run, [], replace=False)
    return run
