"""What the XCom codec and backends read from the deployment's configuration.

Backends are classes with static methods (Airflow's contract), so what they need from
``headwater.toml`` is set once per process by ``configure`` and read here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MAX_DB_VALUE_BYTES = 16_777_216
"""16 MiB: values beyond that slow every read of the run's XComs and bloat the database (and its backups);
they belong in object storage (``ObjectStorageXCom``), which stores only a reference in the database."""
DEFAULT_OBJECTSTORAGE_THRESHOLD = 1_048_576
COMPRESSIONS = ("gzip", "zstd")


@dataclass(frozen=True)
class XComSettings:
    enable_pickling: bool = False
    max_db_value_bytes: int = DEFAULT_MAX_DB_VALUE_BYTES
    objectstorage_path: str = "memory://headwater-xcom"
    objectstorage_threshold: int = DEFAULT_OBJECTSTORAGE_THRESHOLD
    """Serialized size above which ObjectStorageXCom offloads a value; 0 offloads every value, -1 none."""
    objectstorage_compression: str | None = None
    objectstorage_options: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments for the fsspec filesystem (``endpoint_url``, ``key``, ...)."""


class _ProcessState:
    settings = XComSettings()
    warned_about_pickling = False


def current() -> XComSettings:
    return _ProcessState.settings


def use(settings: XComSettings) -> None:
    """Apply a deployment's settings; turning pickling on warns (again) right away."""
    _ProcessState.settings = settings
    _ProcessState.warned_about_pickling = False
    if settings.enable_pickling:
        warn_about_pickling()


class XComPicklingWarning(UserWarning):
    """Pickled XCom values run code when they are read."""


def warn_about_pickling() -> None:
    """Once per process: say what turning pickling on gives away."""
    if _ProcessState.warned_about_pickling:
        return
    _ProcessState.warned_about_pickling = True
    message = (
        "[core] enable_xcom_pickling is on: XCom values headwater cannot store as typed JSON are pickled, and "
        "reading a pickled value runs whatever code it names. Anyone who can write to the metadata database "
        "(or the XCom object store) can then run code on your workers. Register the type instead with "
        "headwater.serialization.register(...) and turn pickling off."
    )
    log.warning("%s", message)
    warnings.warn(message, XComPicklingWarning, stacklevel=3)
