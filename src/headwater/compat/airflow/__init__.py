"""Let DAG files written for Airflow import Airflow's module names when Airflow is not installed.

``install()`` adds an import hook that serves ``airflow``, ``airflow.operators.python``, ... as
modules whose attributes are headwater's own classes. It does nothing when Airflow is installed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Sequence
from typing import Any

from headwater.compat.airflow.mapping import MODULES


class _AirflowModule(types.ModuleType):
    """A module whose attributes resolve, on first access, to headwater objects."""

    def __init__(self, name: str, exports: dict[str, str]) -> None:
        super().__init__(name, f"headwater stand-in for {name}")
        self._exports = exports
        self.__path__: list[str] = []
        self.__all__ = sorted(exports)

    def __getattr__(self, attr: str) -> Any:
        target = self._exports.get(attr)
        if target is None:
            raise AttributeError(
                f"{self.__name__}.{attr} is not provided by headwater's Airflow compatibility layer; "
                "use headwater's own equivalent, or open an issue naming the import you need."
            )
        module_name, _, name = target.partition(":")
        value = getattr(importlib.import_module(module_name), name)
        setattr(self, attr, value)
        return value


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in MODULES:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _AirflowModule(spec.name, MODULES[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        return None


_FINDER = _Finder()


def install() -> bool:
    """Serve Airflow's import paths from headwater; returns False when real Airflow is importable."""
    if _FINDER in sys.meta_path:
        return True
    if "airflow" not in sys.modules and importlib.util.find_spec("airflow") is not None:
        return False
    sys.meta_path.append(_FINDER)
    return True
