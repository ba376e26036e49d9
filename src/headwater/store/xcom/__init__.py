"""XCom backends: the contract (``base``), the default codec and its registry, and object-store offload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from headwater.store.xcom.base import XCOM_RETURN_KEY, BaseXCom, XCom, purge_rows, purges, resolve_backend
from headwater.store.xcom.settings import XComSettings, use

if TYPE_CHECKING:
    from headwater.config import Settings

__all__ = ["XCOM_RETURN_KEY", "BaseXCom", "XCom", "configure", "purge_rows", "purges", "resolve_backend"]


def configure(settings: Settings) -> type[BaseXCom]:
    """Apply the deployment's XCom settings to this process and return its backend class."""
    use(
        XComSettings(
            enable_pickling=settings.enable_xcom_pickling,
            max_db_value_bytes=settings.xcom_max_db_value_bytes,
            objectstorage_path=settings.xcom_objectstorage_path,
            objectstorage_threshold=settings.xcom_objectstorage_threshold,
            objectstorage_compression=settings.xcom_objectstorage_compression,
            objectstorage_options=settings.xcom_objectstorage_options,
        )
    )
    return resolve_backend(settings.xcom_backend)
