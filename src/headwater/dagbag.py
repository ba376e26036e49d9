"""Finding DAGs: import DAG files (one, or a folder of them) and collect the DAGs they define.

A file that fails to import is recorded with its file, line and exception; the others still load.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from headwater.errors import DagImportError, DagNotFound, HeadwaterError
from headwater.model import context_stack
from headwater.model.dag import DAG


@dataclass
class DagBag:
    """The DAGs found under ``path``, and the import errors per file."""

    path: Path
    dags: dict[str, DAG] = field(default_factory=dict)
    import_errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> DagBag:
        from headwater.compat.airflow import install

        install()
        bag = cls(Path(path).resolve())
        files = [bag.path] if bag.path.is_file() else sorted(_dag_files(bag.path))
        for file in files:
            bag._load_file(file)
        return bag

    def _load_file(self, file: Path) -> None:
        folder = str(file.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module_name = f"headwater_dag_{abs(hash(str(file)))}_{file.stem}"
        context_stack.autoregistered = []
        try:
            spec = importlib.util.spec_from_file_location(module_name, file)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {file}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - any error in user code is recorded against its file, never raised here
            self.import_errors[str(file)] = _describe(file, exc)
            sys.modules.pop(module_name, None)
            context_stack.autoregistered = None
            return
        found: dict[str, DAG] = {}
        for dag in [*context_stack.autoregistered, *(v for v in vars(module).values() if isinstance(v, DAG))]:
            found.setdefault(dag.dag_id, dag)
        context_stack.autoregistered = None
        for dag in found.values():
            try:
                dag.check_cycle()
                dag.params.validate_defaults(dag.dag_id)
            except HeadwaterError as exc:
                self.import_errors[str(file)] = f"{file}: {exc}"
                continue
            if dag.fileloc is None or not Path(dag.fileloc).exists():
                dag.fileloc = str(file)
            self.dags[dag.dag_id] = dag

    def get(self, dag_id: str | None) -> DAG:
        """The DAG ``dag_id``, or the only DAG when no id is given."""
        if dag_id is not None and dag_id in self.dags:
            return self.dags[dag_id]
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


def _dag_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*.py")
        if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
        and "dag" in p.read_text(errors="ignore").lower()
    ]


def _describe(file: Path, exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(file)]
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        return f"{file}:{exc.lineno}: SyntaxError: {exc.msg}"
    where = f"{file}:{frames[-1].lineno}" if frames else str(file)
    return f"{where}: {type(exc).__name__}: {exc}"
