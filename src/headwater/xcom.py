"""XCom backends users configure (``[core] xcom_backend``) or subclass.

``BaseXCom`` stores values in the metadata database as typed JSON; ``ObjectStorageXCom`` moves values
above ``[xcom] objectstorage_threshold`` bytes to ``[xcom] objectstorage_path`` and keeps a reference.
"""

from headwater.store.xcom.base import XCOM_RETURN_KEY, BaseXCom, XCom
from headwater.store.xcom.objectstorage import ObjectStorageXCom

__all__ = ["XCOM_RETURN_KEY", "BaseXCom", "ObjectStorageXCom", "XCom"]
