"""Finding DAGs: import DAG files (one, or a folder of them) and collect the DAGs they define.

A file that fails to import is recorded with its file, line and exception; the others still load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from headwater.errors import DagImportError, DagNotFound, HeadwaterError
from headwater.model import context_stack
from headwater.model.dag import DAG


@dataclass
class DagBag:
    """The DAGs found under ``path``, and the import errors per file.

    A DAG id defined by two files is an import error of both (as Airflow reports a duplicate id), and
    neither DAG is in ``dags`` until only one file defines it: one DAG never silently replaces another.
    """

    path: Path
    dags: dict[str, DAG] = field(default_factory=dict)
    """The DAGs, by id: those whose id only one file defines."""
    import_errors: dict[str, str] = field(default_factory=dict)
    import_seconds: dict[str, float] = field(default_factory=dict)
    """How long each file took to import."""
    digests: dict[str, str] = field(default_factory=dict)
    """The SHA-256 of each file as it was read for import: what a remote worker checks its copy against."""
    root: Path | None = None
    """The DAGs folder: a file under it is named by its path within it (see ``module_name``)."""
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    """DAG ids defined by more than one file, with those files."""
    defined: dict[str, dict[str, DAG]] = field(default_factory=dict)
    """What each file defines, clashing ids included."""
    file_errors: dict[str, str] = field(default_factory=dict)
    """Each file's own import error (a duplicate id is not one: it comes from two files together)."""

    @classmethod
    def load(cls, path: str | Path, *, timeout: float | None = None, root: Path | None = None) -> DagBag:
        """Import one file or every DAG file of a folder; with ``timeout``, a file whose import takes
        longer is recorded as an import error (its top-level code is interrupted). ``root`` is the DAGs
        folder a single file belongs to (a folder is its own)."""
        resolved = Path(path).resolve()
        bag = cls(resolved, root=root if root is not None or resolved.is_file() else resolved)
        files = [bag.path] if bag.path.is_file() else dag_files(bag.path)
        for file in files:
            bag.load_file(file, timeout=timeout, settle=False)
        bag.settle()
        return bag

    def load_file(
        self, file: Path, *, timeout: float | None = None, source: bytes | None = None, settle: bool = True
    ) -> None:
        """Import one file into the bag (again, if it changed), replacing what it defined before. The file
        is read once: the bytes whose SHA-256 is recorded are the bytes imported (or ``source``, bytes
        the caller read and checked already). With ``settle=False`` the caller calls ``settle`` after a
        batch of files."""
        from headwater.compat.airflow import install

        install()
        self.forget_file(file)
        if source is None:
            try:
                source = file.read_bytes()
            except OSError as err:
                self.file_errors[str(file)] = _describe(file, err)
        if source is not None:
            self.digests[str(file)] = hashlib.sha256(source).hexdigest()
            began = time.perf_counter()
            try:
                with _time_limit(timeout, file):
                    self._load_file(file, source)
            finally:
                self.import_seconds[str(file)] = time.perf_counter() - began
        if settle:
            self.settle()

    def take_file(self, file: Path, dags: dict[str, DAG], error: str | None, digest: str | None) -> None:
        """Put in what another bag parsed from ``file`` (call ``settle`` after)."""
        self.forget_file(file)
        self.defined[str(file)] = dict(dags)
        if error is not None:
            self.file_errors[str(file)] = error
        if digest is not None:
            self.digests[str(file)] = digest

    def forget_file(self, file: Path) -> None:
        """Drop what ``file`` defined and its errors (call ``settle`` after)."""
        self.defined.pop(str(file), None)
        self.file_errors.pop(str(file), None)
        self.digests.pop(str(file), None)

    def settle(self) -> None:
        """Work out ``dags`` and ``import_errors`` from what each file defines: an id two files define is
        an import error of each of them, and in neither's DAGs."""
        owners: dict[str, list[str]] = {}
        for file, dags in self.defined.items():
            for dag_id in dags:
                owners.setdefault(dag_id, []).append(file)
        self.duplicates = {dag_id: sorted(files) for dag_id, files in owners.items() if len(files) > 1}
        self.dags = {dag_id: self.defined[files[0]][dag_id] for dag_id, files in owners.items() if len(files) == 1}
        errors = dict(self.file_errors)
        for dag_id, files in sorted(self.duplicates.items()):
            for file in files:
                clash = _duplicate_error(file, dag_id, files)
                errors[file] = f"{errors[file]}\n{clash}" if file in errors else clash
        self.import_errors = errors

    def module_name(self, file: Path) -> str:
        """The same name in every process and on every machine, so values of classes defined in a DAG file
        (dataclasses, enums) pushed as XComs by one worker are found by name in another: a file under the
        DAGs folder is named by its path within it, wherever the folder is mounted."""
        resolved = file.resolve()
        where = str(resolved)
        if self.root is not None and resolved.is_relative_to(self.root.resolve()):
            where = resolved.relative_to(self.root.resolve()).as_posix()
        digest = hashlib.sha1(where.encode(), usedforsecurity=False).hexdigest()[:16]
        return f"headwater_dag_{digest}_{file.stem}"

    def _load_file(self, file: Path, source: bytes) -> None:
        folder = str(file.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module_name = self.module_name(file)
        context_stack.autoregistered = []
        try:
            spec = importlib.util.spec_from_file_location(module_name, file)
            if spec is None:
                raise ImportError(f"cannot load {file}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            code = compile(source, str(file), "exec", dont_inherit=True)  # these bytes, not the file read again
            exec(code, module.__dict__)  # importing a DAG file is running it
        except Exception as exc:  # noqa: BLE001 - any error in user code is recorded against its file, never raised here
            self.file_errors[str(file)] = _describe(file, exc)
            sys.modules.pop(module_name, None)
            context_stack.autoregistered = None
            return
        found: dict[str, DAG] = {}
        for dag in [*context_stack.autoregistered, *(v for v in vars(module).values() if isinstance(v, DAG))]:
            found.setdefault(dag.dag_id, dag)
        context_stack.autoregistered = None
        defined = self.defined[str(file)] = {}
        for dag in found.values():
            try:
                dag.check_cycle()
                dag.params.validate_defaults(dag.dag_id)
            except HeadwaterError as exc:
                self.file_errors[str(file)] = f"{file}: {exc}"
                continue
            if dag.fileloc is None or not Path(dag.fileloc).exists():
                dag.fileloc = str(file)
            defined[dag.dag_id] = dag

    def get(self, dag_id: str | None) -> DAG:
        """The DAG ``dag_id``, or the only DAG when no id is given."""
        if dag_id is not None and dag_id in self.dags:
            return self.dags[dag_id]
        if dag_id in self.duplicates:
            first = self.duplicates[dag_id][0]
            raise DagImportError(first, self.import_errors[first])
        for filename, error in self.import_errors.items():
            if self.path.is_file() or Path(filename).stem == dag_id:
                raise DagImportError(filename, error)
        if dag_id is None:
            if len(self.dags) == 1:
                return next(iter(self.dags.values()))
            if self.dags:
                names = ", ".join(repr(d) for d in sorted(self.dags))
                raise DagNotFound.several(str(self.path), names)
            raise DagNotFound("(none given)", str(self.path), self.dags)
        raise DagNotFound(dag_id, str(self.path), self.dags)


IGNORE_FILES = (".headwaterignore", ".airflowignore")


class DagImportTimeout(Exception):
    """A DAG file's top-level code ran longer than ``[core] dagbag_import_timeout``."""


@contextmanager
def _time_limit(seconds: float | None, file: Path) -> Iterator[None]:
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise DagImportTimeout(
            f"importing the file took longer than {seconds:g} s ([core] dagbag_import_timeout); move slow work "
            "out of the DAG file's top level, into tasks"
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _ignore_patterns(folder: Path) -> list[re.Pattern[str]]:
    patterns = []
    for name in IGNORE_FILES:
        ignore = folder / name
        if ignore.is_file():
            for line in ignore.read_text().splitlines():
                pattern = line.split("#", 1)[0].strip()
                if pattern:
                    patterns.append(re.compile(pattern))
    return patterns


def dag_files(folder: Path) -> list[Path]:
    """The Python files of a DAGs folder that may define DAGs, in a stable order. As in Airflow, files
    that never mention "dag" are not imported, and each line of a ``.headwaterignore`` (or
    ``.airflowignore``) is a regular expression: files and folders whose path relative to the folder
    matches it are skipped (an ignore file also applies to the folders below it)."""
    if not folder.is_dir():
        return []
    found: list[Path] = []

    def walk(current: Path, inherited: list[re.Pattern[str]]) -> None:
        patterns = inherited + _ignore_patterns(current)
        for entry in sorted(current.iterdir()):
            if entry.name.startswith((".", "_")):
                continue
            relative = str(entry.relative_to(folder))
            if any(p.search(relative) for p in patterns):
                continue
            if entry.is_dir():
                walk(entry, patterns)
            elif entry.suffix == ".py" and "dag" in entry.read_text(errors="ignore").lower():
                found.append(entry)

    walk(folder, [])
    return found


def _duplicate_error(file: str, dag_id: str, files: list[str]) -> str:
    others = ", ".join(f for f in files if f != file)
    return (
        f"{file}: DuplicateDagId: DAG id {dag_id!r} is also defined in {others}; neither file's {dag_id!r} is "
        "loaded or scheduled while more than one file defines it. Rename the dag_id in all but one of them "
        "(or delete, or list in .headwaterignore, the files that should not define it)."
    )


def _describe(file: Path, exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(file)]
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        return f"{file}:{exc.lineno}: SyntaxError: {exc.msg}"
    where = f"{file}:{frames[-1].lineno}" if frames else str(file)
    return f"{where}: {type(exc).__name__}: {exc}"


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
