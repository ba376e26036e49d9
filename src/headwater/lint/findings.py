"""What a lint rule reports: one ``Finding`` per trap, placed at the line that creates the task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headwater.model.dag import DAG

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    dag_id: str
    task_ids: tuple[str, ...]
    file: str | None
    line: int | None
    message: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "dag_id": self.dag_id,
            "task_ids": list(self.task_ids),
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }


def finding(code: str, level: str, dag: DAG, task: Any, message: str, fix: str) -> Finding:
    """A finding about ``task`` (or the whole DAG when None), at the line that creates it."""
    site = getattr(task, "defined_at", None) if task is not None else None
    file, line = site if site is not None else (dag.fileloc, None)
    return Finding(code, level, dag.dag_id, (task.task_id,) if task is not None else (), file, line, message, fix)
