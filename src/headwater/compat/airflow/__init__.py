"""Let DAG files written for Airflow import Airflow's module names when Airflow is not installed.

``install()`` adds an import hook that serves ``airflow``, ``airflow.operators.python``, ... as
modules whose attributes are headwater's own classes, and whose served submodules are attributes
too (``import airflow; airflow.utils.dates.days_ago(2)``). Any other ``airflow.*`` module or name
fails with :class:`~headwater.errors.NotServedModule` / :class:`~headwater.errors.NotServedName`
(both ImportErrors, so ``try: ... except ImportError:`` fallbacks work), naming the DAG file line
that asked and what to use instead. It does nothing when Airflow is installed.
"""

from __future__ import annotations

import dis
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Sequence
from typing import Any

from headwater.compat.airflow.mapping import ALTERNATIVES, MODULES
from headwater.errors import NotServedAttribute, NotServedModule, NotServedName

_HERE = os.path.dirname(os.path.abspath(__file__))
_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


def _asked_by_from_import() -> bool:
    """True when the attribute lookup in progress is a ``from module import name`` statement."""
    caller = sys._getframe(2)
    return caller.f_lasti >= 0 and caller.f_code.co_code[caller.f_lasti] == _IMPORT_FROM


def _importing_line() -> str:
    """``file:line`` of the code that asked for the name (the first frame outside the import system)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        hook = os.path.basename(filename) == "_headwater_airflow.py"  # the interpreter-start finder
        if not filename.startswith("<frozen") and not hook and not os.path.abspath(filename).startswith(_HERE):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


def _requested_module(found: str) -> str | None:
    """The full module the import statement being run asked for (``found`` may be only its first
    missing parent); None when no import statement is running (``importlib.util.find_spec`` probing)."""
    requested = None
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_find_and_load" and frame.f_code.co_filename.startswith("<frozen"):
            name = frame.f_locals.get("name")
            if isinstance(name, str) and name.startswith(found):
                requested = name
        frame = frame.f_back  # type: ignore[assignment]
    return requested


def _alternative(name: str) -> str:
    """What to use instead of ``name``: the entry for the name or its longest listed module prefix."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        advice = ALTERNATIVES.get(".".join(parts[:end]))
        if advice is not None:
            return advice
    return "see the README's table of served Airflow modules for what headwater provides."


def not_served_message(name: str, used: str = "imported") -> str:
    """The sentence every not-served error says: the name, where it was asked for, what to use instead."""
    return f"headwater does not provide {name} (yet); {used} at {_importing_line()}. Instead: {_alternative(name)}"


class _AirflowModule(types.ModuleType):
    """A module whose attributes resolve, on first access, to headwater objects or served submodules."""

    def __init__(self, name: str, exports: dict[str, str]) -> None:
        super().__init__(name, f"headwater stand-in for {name}")
        self._exports = exports
        self.__path__: list[str] = []
        self.__all__ = sorted(exports)

    def __getattr__(self, attr: str) -> Any:
        target = self._exports.get(attr)
        if target is None:
            submodule = f"{self.__name__}.{attr}"
            if submodule in MODULES:
                return importlib.import_module(submodule)
            if attr.startswith("__"):
                raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
            if _asked_by_from_import():
                raise NotServedName(not_served_message(submodule), name=self.__name__)
            raise NotServedAttribute(not_served_message(submodule, used="read"), name=attr, obj=self)
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
        requested = _requested_module(fullname) if fullname.startswith("airflow.") else None
        if requested is not None:
            raise NotServedModule(not_served_message(requested), name=requested)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _AirflowModule(spec.name, MODULES[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        parent, _, child = module.__name__.rpartition(".")
        if parent in sys.modules:
            setattr(sys.modules[parent], child, module)


_FINDER = _Finder()


def install() -> bool:
    """Serve Airflow's import paths from headwater; returns False when real Airflow is importable."""
    if _FINDER in sys.meta_path:
        return True
    if "airflow" not in sys.modules and importlib.machinery.PathFinder.find_spec("airflow") is not None:
        return False  # a real Airflow on sys.path (asked of the path itself: the start-up hook would answer)
    sys.meta_path.append(_FINDER)
    return True


def serve() -> importlib.abc.MetaPathFinder:
    """The compat finder, put on ``sys.meta_path`` without asking whether Airflow is installed: for the
    interpreter-start hook, which is only asked once every other finder failed to find ``airflow``."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)
    return _FINDER
