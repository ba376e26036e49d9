"""``PythonVirtualenvOperator``: the callable runs in a cached venv built from its requirements."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from headwater.errors import RemovedInAirflow3Warning
from headwater.operators.branch import BranchMixIn
from headwater.operators.python import PythonOperator
from headwater.operators.python_subprocess import (
    BASE_CONTEXT_KEYS,
    ORCHESTRATOR_CONTEXT_KEYS,
    PENDULUM_CONTEXT_KEYS,
    BaseVirtualenvOperator,
)
from headwater.operators.venvs import VenvSpec, can_build_venvs, ensure_venv, venv_python


def is_venv_installed() -> bool:
    """Whether virtualenv tasks can run here. Airflow asks for the ``virtualenv`` package; headwater builds
    venvs with ``uv`` or the standard library's ``venv``, so this is true wherever either is present."""
    return can_build_venvs()


def requirement_name(requirement: str) -> str:
    """``pandas>=2; python_version>'3.9'`` -> ``pandas``."""
    return re.split(r"[<>=!~;\[ @]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


class PythonVirtualenvOperator(BaseVirtualenvOperator):
    """Runs ``python_callable`` in a virtual environment with ``requirements`` installed.

    The function must be self-contained: imports inside it, no references to names outside it. Venvs are
    cached by their requirements, Python version, ``system_site_packages`` and installer options, under
    ``venv_cache_path`` or ``$HEADWATER_HOME/venvs``; ``system_site_packages`` (default on) also makes the
    packages of headwater's own interpreter importable.
    """

    template_fields: ClassVar[Sequence[str]] = (
        "requirements", "index_urls", "venv_cache_path", *PythonOperator.template_fields,
    )  # fmt: skip
    template_ext: ClassVar[Sequence[str]] = (".txt",)

    def __init__(
        self,
        *,
        requirements: Iterable[str] | str | None = None,
        python_version: str | None = None,
        system_site_packages: bool = True,
        pip_install_options: list[str] | None = None,
        index_urls: Collection[str] | str | None = None,
        venv_cache_path: os.PathLike[str] | str | None = None,
        **kwargs: Any,
    ) -> None:
        if python_version is not None and not isinstance(python_version, str):
            warnings.warn(
                "Passing a non-string python_version is deprecated; pass a string such as '3.11'.",
                RemovedInAirflow3Warning,
                stacklevel=2,
            )
            python_version = str(python_version)
        has_args = kwargs.get("op_args") or kwargs.get("op_kwargs")
        if python_version and python_version[0] != str(sys.version_info.major) and has_args:
            raise ValueError(
                f"Task {kwargs.get('task_id')!r}: op_args and op_kwargs cannot cross to Python {python_version} "
                f"from Python {sys.version_info.major}; pass strings with string_args instead."
            )
        if not requirements:
            self.requirements: list[str] = []
        elif isinstance(requirements, str):
            self.requirements = [requirements]
        else:
            self.requirements = list(requirements)
        self.python_version = python_version
        self.system_site_packages = system_site_packages
        self.pip_install_options = list(pip_install_options or [])
        self.index_urls: list[str] | None = (
            [index_urls] if isinstance(index_urls, str) else None if index_urls is None else list(index_urls)
        )
        self.venv_cache_path = venv_cache_path
        super().__init__(**kwargs)

    def requirements_list(self) -> list[str]:
        """The requirements, one per line (a rendered requirements file splits into lines), plus the
        serializer's package when the venv cannot see this interpreter's; sorted so the digest is stable."""
        lines = [line.strip() for entry in self.requirements for line in str(entry).splitlines()]
        requirements = [line for line in lines if line and not line.startswith("#")]
        names = {requirement_name(r) for r in requirements}
        if not self.system_site_packages and self.serializer != "pickle" and self.serializer not in names:
            requirements.append(self.serializer)
        return sorted(requirements)

    def spec(self) -> VenvSpec:
        return VenvSpec(
            requirements=tuple(self.requirements_list()),
            python_version=self.python_version,
            system_site_packages=self.system_site_packages,
            pip_install_options=tuple(self.pip_install_options),
            index_urls=None if self.index_urls is None else tuple(self.index_urls),
        )

    def interpreter(self, context: dict[str, Any]) -> Path:
        settings = context.get("conf")
        method = "auto"
        if settings is not None and hasattr(settings, "get"):
            method = str(settings.get("standard", "venv_install_method", "auto"))
        return venv_python(ensure_venv(self.spec(), self._cache_dir(settings), method=method))

    def _cache_dir(self, settings: Any) -> Path:
        if self.venv_cache_path:
            return Path(self.venv_cache_path).expanduser()
        home = getattr(settings, "home", None)
        if home is None:
            from headwater.config import Settings  # only when the run carries no settings (a bare execute())

            home = Settings.load().home
        return Path(home) / "venvs"

    def serializable_context_keys(self) -> Iterator[str]:
        yield from BASE_CONTEXT_KEYS
        names = {requirement_name(r) for r in self.requirements_list()}
        if self.system_site_packages or names & {"apache-airflow", "headwater"}:
            yield from ORCHESTRATOR_CONTEXT_KEYS
            yield from PENDULUM_CONTEXT_KEYS
        elif "pendulum" in names:
            yield from PENDULUM_CONTEXT_KEYS


class BranchPythonVirtualenvOperator(PythonVirtualenvOperator, BranchMixIn):
    """The callable, run in a venv, returns the task id(s) to follow; the other direct downstream tasks
    are skipped."""

    is_branch = True

    def execute(self, context: dict[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))


__all__ = ["BranchPythonVirtualenvOperator", "PythonVirtualenvOperator", "is_venv_installed", "requirement_name"]
