"""The DAGs folder as the scheduler sees it: files re-imported only when they change, each with a time
limit, import errors per file, the other files unaffected."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from headwater.dagbag import DagBag, dag_files
from headwater.model.dag import DAG


@dataclass
class FolderChanges:
    changed: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    """Files that failed to import in this refresh, with why."""
    cleared_errors: list[str] = field(default_factory=list)
    """Files that import again (or are gone)."""
    reparsed_dags: set[str] = field(default_factory=set)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class DagFolder:
    """Keeps the DAGs of a folder current by modification time and size."""

    def __init__(self, folder: Path, *, timeout: float | None) -> None:
        self.folder = folder
        self.timeout = timeout
        self.bag = DagBag(folder.resolve() if folder.exists() else folder)
        self.stamps: dict[Path, tuple[int, int]] = {}

    @property
    def dags(self) -> dict[str, DAG]:
        return self.bag.dags

    def refresh(self, *, force: bool = False) -> FolderChanges:
        changes = FolderChanges()
        files = {p.resolve() for p in dag_files(self.folder)}
        for gone in [p for p in self.stamps if p not in files]:
            del self.stamps[gone]
            for dag_id in [d for d, dag in self.bag.dags.items() if dag.fileloc == str(gone)]:
                del self.bag.dags[dag_id]
            if self.bag.import_errors.pop(str(gone), None) is not None:
                changes.cleared_errors.append(str(gone))
            changes.changed = True
        for path in sorted(files):
            stamp = _stamp(path)
            if stamp is None or (not force and self.stamps.get(path) == stamp):
                continue
            self.stamps[path] = stamp
            had_error = str(path) in self.bag.import_errors
            self.bag.load_file(path, timeout=self.timeout)
            changes.changed = True
            error = self.bag.import_errors.get(str(path))
            if error is not None:
                changes.errors[str(path)] = error
            elif had_error or force:
                changes.cleared_errors.append(str(path))
            changes.reparsed_dags.update(d for d, dag in self.bag.dags.items() if dag.fileloc == str(path))
        return changes
