"""XCom backends: the contract (``base``) and the default codec."""

from headwater.store.xcom.base import XCOM_RETURN_KEY, BaseXCom, XCom, resolve_backend

__all__ = ["XCOM_RETURN_KEY", "BaseXCom", "XCom", "resolve_backend"]
