"""``BaseXCom``: the XCom backend contract, as Airflow users subclass it.

A backend turns a value into what the metadata DB stores (``serialize_value``) and back
(``deserialize_value``); it may keep the real data elsewhere and store a reference. Rows handed to
``deserialize_value`` are instances of the backend class with ``key``, ``value``, ``task_id``,
``dag_id``, ``run_id``, ``map_index`` and ``timestamp``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
from collections.abc import Iterable
from typing import Any

from headwater.store.xcom import codec

log = logging.getLogger(__name__)

XCOM_RETURN_KEY = "return_value"


class BaseXCom:
    """The default backend: values are stored in the metadata DB as typed JSON."""

    key: str
    value: Any
    task_id: str
    dag_id: str
    run_id: str
    map_index: int
    timestamp: dt.datetime | None

    def __init__(
        self,
        *,
        key: str = XCOM_RETURN_KEY,
        value: Any = None,
        task_id: str = "",
        dag_id: str = "",
        run_id: str = "",
        map_index: int = -1,
        timestamp: dt.datetime | None = None,
    ) -> None:
        self.key, self.value, self.task_id, self.dag_id = key, value, task_id, dag_id
        self.run_id, self.map_index, self.timestamp = run_id, map_index, timestamp

    @staticmethod
    def serialize_value(
        value: Any,
        *,
        key: str | None = None,
        task_id: str | None = None,
        dag_id: str | None = None,
        run_id: str | None = None,
        map_index: int | None = None,
    ) -> Any:
        """What the metadata DB stores for ``value`` (bytes of typed JSON by default)."""
        return codec.dumps(value)

    @staticmethod
    def deserialize_value(result: Any) -> Any:
        """The value a reader gets back from a stored row."""
        return BaseXCom._deserialize_value(result, False)

    @staticmethod
    def _deserialize_value(result: Any, orm: bool) -> Any:
        return codec.loads(result.value, strict=not orm)

    def orm_deserialize_value(self) -> Any:
        """What listings show for this row; backends that store references may show the reference."""
        return BaseXCom._deserialize_value(self, True)

    @classmethod
    def purge(cls, xcom: Any, session: Any = None) -> None:
        """Called for each row deleted (after the deletion is committed), so a backend can delete data it
        keeps elsewhere; this one deletes objects ObjectStorageXCom offloaded, whichever backend is set
        now. ``session`` is always ``None``: it is there for backends written for Airflow."""
        reference = codec.offload_reference(xcom.value)
        if reference is not None:
            from headwater.store.xcom.objectstorage import delete_object
            from headwater.store.xcom.settings import current

            delete_object(reference["url"], current())

    def __repr__(self) -> str:
        return f"<XCom {self.dag_id}/{self.run_id}/{self.task_id}[{self.map_index}] {self.key!r}>"


XCom = BaseXCom
"""Airflow code imports ``XCom`` and calls its static methods."""


def purges(backend: type[BaseXCom]) -> bool:
    """Whether the backend has a ``purge`` of its own, which must see every row deleted (BaseXCom's only
    needs the rows that are offload references)."""
    return getattr(backend.purge, "__func__", None) is not getattr(BaseXCom.purge, "__func__", None)


_TAKES_SESSION: dict[type[BaseXCom], bool] = {}


def _purge_takes_session(backend: type[BaseXCom]) -> bool:
    """Airflow's ``purge(xcom, session)`` or a one-argument ``purge(xcom)`` (looked at once per backend)."""
    found = _TAKES_SESSION.get(backend)
    if found is None:
        found = _TAKES_SESSION[backend] = len(inspect.signature(backend.purge).parameters) >= 2
    return found


def purge_rows(backend: type[BaseXCom], rows: Iterable[Any]) -> None:
    """Let the backend delete what it keeps elsewhere for rows already deleted from the DB. A failure
    is logged with the row and the error (the DB is consistent; only the object is left over)."""
    takes_session = _purge_takes_session(backend)
    for row in rows:
        obj = backend.__new__(backend)
        obj.__dict__.update(row.__dict__)
        try:
            backend.purge(obj, None) if takes_session else backend.purge(obj)
        except Exception as err:  # noqa: BLE001 - a backend's own error; the rows are gone already, so say what is left
            log.warning("Could not delete the stored data of XCom %r: %s", obj, err)


def resolve_backend(path: str | None) -> type[BaseXCom]:
    """The backend class named by a dotted path; ``None`` or empty means the default."""
    if not path or path in ("headwater.store.xcom.base.BaseXCom", "airflow.models.xcom.BaseXCom"):
        return BaseXCom
    if path == "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend":  # Airflow's offloading backend
        path = "headwater.xcom.ObjectStorageXCom"
    import importlib

    from headwater.errors import ConfigError

    module_name, _, attr = path.rpartition(".")
    try:
        backend = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as err:
        raise ConfigError(
            f"XCom backend {path!r} could not be loaded ({err}). Set HEADWATER__CORE__XCOM_BACKEND to the "
            "dotted path of a BaseXCom subclass importable from PYTHONPATH."
        ) from None
    if not (isinstance(backend, type) and issubclass(backend, BaseXCom)):
        raise ConfigError(f"XCom backend {path!r} is not a subclass of BaseXCom.")
    return backend
