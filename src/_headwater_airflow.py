"""Imported at interpreter start by ``headwater_airflow.pth`` (a module outside the ``headwater`` package,
so that starting Python imports nothing of headwater): lets ``python my_dag.py`` import Airflow's names
from headwater when Airflow itself is not installed.

It only appends a small finder to the end of ``sys.meta_path`` and imports nothing but ``sys`` (not even ``typing``), so
starting Python costs nothing measurable. The finder is asked about ``airflow`` only after every other
finder failed to find it (a real Airflow installation always wins); then it serves headwater's compat
modules.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing itself costs milliseconds at every interpreter start
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType


class _LateAirflowFinder:
    """Hands ``airflow.*`` to headwater's compat finder once nothing else found a real Airflow."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "airflow" and not fullname.startswith("airflow."):
            return None
        from headwater.compat.airflow import serve

        return serve().find_spec(fullname, path, target)


if not any(type(finder).__name__ == "_LateAirflowFinder" for finder in sys.meta_path):
    sys.meta_path.append(_LateAirflowFinder())
