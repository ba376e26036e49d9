"""``BashOperator``: run a shell command; exit code 99 skips, the last line of stdout is pushed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Container, Sequence
from typing import Any, ClassVar

from headwater.errors import SkipTask
from headwater.model.baseoperator import BaseOperator
from headwater.runtime.context import airflow_context_vars


class BashCommandFailed(RuntimeError):
    """Raised when the command exits with a code that neither succeeds nor skips."""


class BashOperator(BaseOperator):
    """Runs ``bash -c bash_command`` in a temporary working directory (or ``cwd``)."""

    template_fields: ClassVar[Sequence[str]] = ("bash_command", "env", "cwd")
    template_ext: ClassVar[Sequence[str]] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        output_processor: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        if isinstance(skip_on_exit_code, int):
            skip_on_exit_code = [skip_on_exit_code]
        self.skip_on_exit_code: Container[int] = skip_on_exit_code if skip_on_exit_code is not None else []
        self.cwd = cwd
        self.output_processor = output_processor or (lambda output: output)

    def _environment(self, context: dict[str, Any]) -> dict[str, str]:
        env = dict(self.env) if self.env is not None else dict(os.environ)
        if self.env is not None and self.append_env:
            env = {**os.environ, **self.env}
        env.update(airflow_context_vars(context))
        return env

    def execute(self, context: dict[str, Any]) -> str | None:
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise BashCommandFailed(f"Task {self.task_id!r}: cwd {self.cwd!r} is not a directory.")
        proc = subprocess.Popen(
            ["bash", "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
            env=self._environment(context),
        )
        last = ""
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip()
            print(line, file=sys.stderr)
            last = line
        code = proc.wait()
        if code in self.skip_on_exit_code:
            raise SkipTask(f"Bash command returned exit code {code}; skipping.")
        if code != 0:
            raise BashCommandFailed(
                f"Bash command failed with exit code {code} (task {self.task_id!r}). Its output is in the task log."
            )
        return self.output_processor(last)  # type: ignore[no-any-return]
