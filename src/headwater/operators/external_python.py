"""``ExternalPythonOperator``: the callable runs in an interpreter that already exists (``python=``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from headwater.errors import TaskError
from headwater.operators.branch import BranchMixIn
from headwater.operators.python import PythonOperator
from headwater.operators.python_subprocess import (
    BASE_CONTEXT_KEYS,
    ORCHESTRATOR_CONTEXT_KEYS,
    PENDULUM_CONTEXT_KEYS,
    BaseVirtualenvOperator,
)

_VERSION = "import sys; print('.'.join(map(str, sys.version_info[:3])))"
_HEADWATER_VERSION = "from importlib.metadata import version; print(version('headwater'))"


class ExternalPythonOperator(BaseVirtualenvOperator):
    """Runs ``python_callable`` with the Python executable ``python`` (usually ``/path/to/venv/bin/python``),
    as it is: nothing is installed. The function must be self-contained, as for the virtualenv operator."""

    template_fields: ClassVar[Sequence[str]] = ("python", *PythonOperator.template_fields)

    def __init__(self, *, python: str, expect_pendulum: bool = False, **kwargs: Any) -> None:
        if not python:
            raise ValueError(f"Task {kwargs.get('task_id')!r}: ExternalPythonOperator needs python=<path>.")
        self.python = python
        self.expect_pendulum = expect_pendulum
        super().__init__(**kwargs)

    def interpreter(self, context: dict[str, Any]) -> Path:
        path = Path(self.python)
        where = f"DAG {self._dag_id()!r}, task {self.task_id!r}: python={self.python!r}"
        if not path.is_absolute():
            raise TaskError(f"{where} must be an absolute path to a Python executable.")
        if not path.exists():
            raise TaskError(f"{where} does not exist; create that environment or point python= at one that does.")
        if not path.is_file():
            raise TaskError(f"{where} is not a file; give the interpreter itself (…/bin/python), not its folder.")
        version = self._ask(_VERSION)
        if version is None:
            raise TaskError(f"{where} could not be run as a Python interpreter; the output is in the task log.")
        major, minor = (int(part) for part in version.split(".")[:2])
        if (self.op_args or self.op_kwargs) and major != sys.version_info.major:
            raise TaskError(
                f"{where} is Python {version} and headwater runs Python {sys.version.split()[0]}: op_args and "
                "op_kwargs cannot cross between major versions; pass strings with string_args instead."
            )
        if self.serializer == "pickle" and (major, minor) < (3, 8):
            raise TaskError(
                f"{where} is Python {version}, which cannot read the pickle protocol 5 that the arguments are "
                "written with; use an interpreter of Python 3.8 or later."
            )
        return path

    def _ask(self, code: str) -> str | None:
        """What ``python -c code`` prints, or None when it fails."""
        try:
            done = subprocess.run([self.python, "-c", code], capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            print(f"Running {self.python} failed: {err}", file=sys.stderr)
            return None
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return None
        return done.stdout.strip()

    def serializable_context_keys(self) -> Iterator[str]:
        yield from BASE_CONTEXT_KEYS
        if not self.wants_rich_context():
            return
        from importlib.metadata import PackageNotFoundError, version

        try:
            ours: str | None = version("headwater")
        except PackageNotFoundError:
            ours = None
        if ours is not None and self._ask(_HEADWATER_VERSION) == ours:
            yield from ORCHESTRATOR_CONTEXT_KEYS
            yield from PENDULUM_CONTEXT_KEYS
        elif self._ask("import pendulum") is not None:
            yield from PENDULUM_CONTEXT_KEYS
        elif self.expect_pendulum:
            self.log.warning(
                "pendulum is not installed in %s: the date entries of the context are not passed.", self.python
            )


class BranchExternalPythonOperator(ExternalPythonOperator, BranchMixIn):
    """The callable, run by ``python``, returns the task id(s) to follow; the other direct downstream
    tasks are skipped."""

    is_branch = True

    def execute(self, context: dict[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))


__all__ = ["BranchExternalPythonOperator", "ExternalPythonOperator"]
