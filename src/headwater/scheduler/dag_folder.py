"""The DAGs folder as the scheduler sees it: files re-imported only when they change, each with a time
limit, import errors per file, the other files unaffected.

At start-up the folder is imported in the scheduler's process. After that, a changed file is first
imported in a separate process under the time limit (a file that hangs or crashes there is recorded
as an import error and goes no further), then imported for the scheduler on a background thread, so
scheduling goes on while files are parsed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
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


@dataclass
class _Parsed:
    dags: dict[str, DAG]
    error: str | None
    digest: str | None = None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def probe(path: Path, timeout: float | None) -> str | None:
    """Import ``path`` in a process of its own under the time limit: None when it imports, else why not."""
    limit = timeout or 30.0
    command = [sys.executable, "-m", "headwater.scheduler.probe", str(path), str(limit)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit + 30, check=False)
    except subprocess.TimeoutExpired:
        return f"{path}: importing the file did not finish within {limit:g} s ([core] dagbag_import_timeout)"
    if done.returncode == 0:
        return None
    return done.stdout.strip() or f"{path}: the import process exited with status {done.returncode}: {done.stderr}"


class DagFolder:
    """Keeps the DAGs of a folder current by modification time and size."""

    def __init__(self, folder: Path, *, timeout: float | None) -> None:
        self.folder = folder
        self.timeout = timeout
        resolved = folder.resolve() if folder.exists() else folder
        self.bag = DagBag(resolved, root=resolved)
        self.stamps: dict[Path, tuple[int, int]] = {}
        self._parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="headwater-parse")
        self._job: Future[dict[Path, _Parsed]] | None = None

    @property
    def dags(self) -> dict[str, DAG]:
        return self.bag.dags

    def digest(self, fileloc: str) -> str | None:
        """The SHA-256 of a DAG file as last parsed (None for a file never parsed here)."""
        return self.bag.digests.get(fileloc)

    def refresh(self, *, force: bool = False) -> FolderChanges:
        """Take in what a background parse finished, notice files gone, and start parsing changed ones
        (with ``force``, every file, here and now)."""
        changes = self.collect()
        files = {p.resolve() for p in dag_files(self.folder)}
        before = self._before()
        gone = [p for p in self.stamps if p not in files]
        for path in gone:
            del self.stamps[path]
            self.bag.forget_file(path)
        changed = []
        for path in sorted(files):
            stamp = _stamp(path)
            if stamp is not None and (force or self.stamps.get(path) != stamp):
                changed.append(path)
                self.stamps[path] = stamp
        if force:
            for path in changed:
                self.bag.load_file(path, timeout=self.timeout, settle=False)
        if gone or (force and changed):
            self._settle(before, changed if force else [], changes)
        if changed and not force:
            if self._job is not None:  # one parse at a time: these files are looked at again next refresh
                for path in changed:
                    del self.stamps[path]
            else:
                self._job = self._parser.submit(self._parse, changed)
        return changes

    def collect(self) -> FolderChanges:
        """The results of a finished background parse (nothing while it runs)."""
        changes = FolderChanges()
        if self._job is None or not self._job.done():
            return changes
        parsed, self._job = self._job.result(), None
        before = self._before()
        for path, result in parsed.items():
            self.bag.take_file(path, result.dags, result.error, result.digest)
        self._settle(before, list(parsed), changes)
        return changes

    def close(self) -> None:
        self._parser.shutdown(wait=False, cancel_futures=True)

    def _parse(self, paths: list[Path]) -> dict[Path, _Parsed]:
        parsed: dict[Path, _Parsed] = {}
        for path in paths:
            error = probe(path, self.timeout)
            if error is not None:
                parsed[path] = _Parsed({}, error)
                continue
            bag = DagBag(self.bag.path, root=self.bag.root)
            bag.load_file(path)
            parsed[path] = _Parsed(
                bag.defined.get(str(path), {}), bag.file_errors.get(str(path)), bag.digests.get(str(path))
            )
        return parsed

    def _before(self) -> tuple[dict[str, str], dict[str, DAG]]:
        return dict(self.bag.import_errors), dict(self.bag.dags)

    def _settle(
        self, before: tuple[dict[str, str], dict[str, DAG]], parsed: list[Path], changes: FolderChanges
    ) -> None:
        """Work out the folder's DAGs and import errors again, and note what changed: a file parsed now,
        and any other whose errors or DAGs changed with it (a DAG id it shared with a file that changed)."""
        errors_before, dags_before = before
        self.bag.settle()
        errors, dags = self.bag.import_errors, self.bag.dags
        changes.changed = True
        for name in [str(p) for p in parsed]:
            if name in errors:
                changes.errors[name] = errors[name]
            else:
                changes.cleared_errors.append(name)
            changes.reparsed_dags.update(d for d, dag in dags.items() if dag.fileloc == name)
        for name, error in errors.items():
            if errors_before.get(name) != error:
                changes.errors[name] = error
        changes.cleared_errors.extend(n for n in errors_before if n not in errors and n not in changes.cleared_errors)
        changes.reparsed_dags.update(d for d, dag in dags.items() if dags_before.get(d) is not dag)
