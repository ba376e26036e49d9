"""Opening the store a service works on, from the settings, and waking a local scheduler after a change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from headwater.config import Settings
from headwater.services.errors import translated
from headwater.store.sql import SqlStore


@dataclass
class ServiceContext:
    """What every service function works on: the settings and the open store. A surface opens one per
    command (the CLI) or per process (an API server) and passes it as the first argument."""

    settings: Settings
    store: SqlStore

    def changed(self) -> None:
        """Say that a command changed what the scheduler should do: a scheduler on this machine is woken
        at once instead of finding the change at its next poll (a nudge nobody hears is dropped)."""
        from headwater.scheduler.wakeup import nudge

        nudge(self.settings.home)


@contextmanager
def opened(settings: Settings, *, xcom: bool = True) -> Iterator[ServiceContext]:
    """The store of ``settings`` (with its XCom backend unless ``xcom`` is False: a liveness probe must
    not depend on XCom settings), closed afterwards. Errors of the lower layers raised while it is open
    come out as the service errors they mean (:func:`~.errors.translated`)."""
    from headwater.store.xcom import configure

    with translated():
        store = SqlStore(settings.sql_alchemy_conn, xcom_backend=configure(settings) if xcom else None)
        try:
            yield ServiceContext(settings, store)
        finally:
            store.close()


def check_database(settings: Settings) -> None:
    """Open the metadata database once, so that a wrong URL fails before work is taken, not in a try."""
    with translated():
        SqlStore(settings.sql_alchemy_conn).close()
