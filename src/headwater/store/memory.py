"""An in-memory store: the same contract as the database, for users' unit tests and ``dag.test()``."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace as _copy

from headwater.model.states import DagRunState
from headwater.store.jobs import MemoryJobs
from headwater.store.records import DagRunRecord, RunChanges, TaskInstanceRecord, XComRow


class MemoryStore(MemoryJobs):
    """Keeps everything in dictionaries; nothing survives the process."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[tuple[str, str], DagRunRecord] = {}
        self.instances: dict[tuple[str, str], dict[tuple[str, int], TaskInstanceRecord]] = {}
        self.xcom_rows: dict[tuple[str, str], list[XComRow]] = {}
        self.errors: dict[str, str] = {}

    def start_run(self, run: DagRunRecord, instances: list[TaskInstanceRecord], *, replace: bool) -> bool:
        key = (run.dag_id, run.run_id)
        existed = key in self.runs
        if existed and not replace:
            raise ValueError(f"DAG {run.dag_id!r} already has a run {run.run_id!r}.")
        self.runs[key] = _copy(run)
        self.instances[key] = {(i.task_id, i.map_index): _copy(i) for i in instances}
        self.xcom_rows[key] = []
        return existed

    def record(self, changes: RunChanges) -> None:
        key = (changes.dag_id, changes.run_id)
        tis = self.instances[key]
        for removed in changes.removed_instances:
            tis.pop(removed, None)
        for ti in [*changes.instances, *changes.new_instances]:
            tis[(ti.task_id, ti.map_index)] = _copy(ti)
        cleared = set(changes.xcoms_cleared)
        rows = [r for r in self.xcom_rows[key] if (r.task_id, r.map_index) not in cleared]
        rows.extend(changes.xcoms_added)
        self.xcom_rows[key] = rows
        if changes.run is not None:
            self.runs[key] = _copy(changes.run)

    def get_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        run = self.runs.get((dag_id, run_id))
        return _copy(run) if run is not None else None

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        return [_copy(i) for i in self.instances.get((dag_id, run_id), {}).values()]

    def xcoms(self, dag_id: str, run_id: str) -> list[XComRow]:
        return list(self.xcom_rows.get((dag_id, run_id), []))

    def last_successful_run(self, dag_id: str, before: dt.datetime) -> DagRunRecord | None:
        done = [
            r
            for (d, _), r in self.runs.items()
            if d == dag_id and r.state is DagRunState.SUCCESS and r.logical_date < before
        ]
        latest = max(done, key=lambda r: r.logical_date, default=None)
        return _copy(latest) if latest is not None else None

    def previous_run(self, dag_id: str, logical_date: dt.datetime, *, include_manual: bool) -> DagRunRecord | None:
        """The run with the latest logical date before ``logical_date`` (manual ones only if asked)."""
        earlier = [
            r
            for (d, _), r in self.runs.items()
            if d == dag_id and r.logical_date < logical_date and (include_manual or r.run_type != "manual")
        ]
        latest = max(earlier, key=lambda r: r.logical_date, default=None)
        return _copy(latest) if latest is not None else None

    def record_import_error(self, filename: str, message: str) -> None:
        self.errors[filename] = message

    def clear_import_error(self, filename: str) -> None:
        self.errors.pop(filename, None)

    def import_errors(self) -> dict[str, str]:
        return dict(self.errors)

    def close(self) -> None:
        return None
