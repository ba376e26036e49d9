"""Template context entries for Airflow names headwater does not serve yet (``var``, ``conn``).

Without them ``{{ var.value.x }}`` fails with Jinja's "'dict object' has no attribute 'x'", which
sends people looking for a typo. These stand-ins fail saying what is missing and what to do.
"""

from __future__ import annotations

import functools
from typing import Any, NoReturn

from headwater.errors import NotServedInTemplate

_NO_DEFAULT = object()


class _Unserved:
    """Reading any entry fails with ``message`` naming the expression that asked."""

    def __init__(self, path: str, message: str, with_default: bool) -> None:
        self._path = path
        self._message = message
        self._with_default = with_default

    def _fail(self, name: str) -> NoReturn:
        raise NotServedInTemplate(f"The template reads {self._path}.{name}: {self._message}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail(name)

    def __getitem__(self, name: str) -> Any:
        self._fail(str(name))

    def get(self, name: str, default_var: Any = _NO_DEFAULT) -> Any:
        """Airflow's ``var.value.get("x", "fallback")``: with no Variables stored, the fallback."""
        if self._with_default and default_var is not _NO_DEFAULT:
            return default_var
        self._fail(name)


_VARIABLES = (
    "headwater does not serve Airflow Variables yet (they will come from the metadata store and "
    "AIRFLOW_VAR_* environment variables). Until then pass the value as a DAG param "
    "({{ params.x }}) or in the run's conf ({{ dag_run.conf['x'] }})."
)
_CONNECTIONS = (
    "headwater does not serve Airflow Connections yet (they will come from the metadata store and "
    "AIRFLOW_CONN_* environment variables). Until then pass the value as a DAG param or in the run's conf."
)


class _Namespace:
    """``var`` with its ``value`` and ``json`` sides."""

    def __init__(self) -> None:
        self.value = _Unserved("var.value", _VARIABLES, with_default=True)
        self.json = _Unserved("var.json", _VARIABLES, with_default=True)


def template_stand_ins() -> dict[str, Any]:
    """The context entries Airflow has and headwater answers with an explanation."""
    return {"var": _Namespace(), "conn": _Unserved("conn", _CONNECTIONS, with_default=False)}


_DATASETS = "datasets come with a later headwater release; schedule on a cron or timedelta meanwhile."
UNSERVED_CONTEXT_NAMES: dict[str, str] = {
    "triggering_dataset_events": _DATASETS,
    "triggering_asset_events": _DATASETS,
    "inlet_events": _DATASETS,
    "outlet_events": _DATASETS,
    "map_index_template": "custom map index labels are not served yet; tasks are named by their index.",
}
"""Airflow template context names headwater lacks, with what to do instead."""


@functools.cache
def strict_undefined() -> type[Any]:
    """Jinja's StrictUndefined, whose message for an Airflow context name headwater lacks says so
    (rather than ``'inlet_events' is undefined``, which reads like a typo)."""
    import jinja2

    class AirflowAwareUndefined(jinja2.StrictUndefined):
        @property
        def _undefined_message(self) -> str:
            name = self._undefined_name
            if self._undefined_obj is jinja2.utils.missing and isinstance(name, str) and name in UNSERVED_CONTEXT_NAMES:
                return (
                    f"headwater does not provide {name!r} in the template context (yet): {UNSERVED_CONTEXT_NAMES[name]}"
                )
            return str(super()._undefined_message)

    return AirflowAwareUndefined
