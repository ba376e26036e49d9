"""Assembling a scheduler from settings: the store, the executor named by ``[core] executor``, and the
lock that keeps a second scheduler off the same metadata database."""

from __future__ import annotations

import fcntl
import os
from typing import IO, Any

from sqlalchemy import text

from headwater.config import Settings
from headwater.errors import ConfigError, HeadwaterError
from headwater.executors.base import Executor
from headwater.executors.celery import CeleryExecutor
from headwater.executors.local import LocalExecutor
from headwater.private_files import open_private, private_dir
from headwater.scheduler.scheduler import Scheduler
from headwater.store.sql import SqlStore
from headwater.store.xcom import configure

EXECUTORS = ("LocalExecutor", "CeleryExecutor")
SCHEDULER_LOCK_KEY = 0x6877736368  # "hwsch": the PostgreSQL advisory lock a scheduler holds while it runs


class SchedulerAlreadyRunning(HeadwaterError):
    """Another scheduler already works on this metadata database."""


class SchedulerLock:
    """Held for the scheduler's life: a lock file in ``$HEADWATER_HOME`` (released by the kernel when the
    process dies, however it dies) and, on PostgreSQL, an advisory lock on a connection of its own, so
    that schedulers on other machines see it too."""

    def __init__(self, settings: Settings, store: SqlStore) -> None:
        private_dir(settings.home)
        path = settings.home / "scheduler.lock"
        self._file: IO[str] = os.fdopen(open_private(path, os.O_RDWR | os.O_CREAT | os.O_APPEND), "a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            other = self._file.read().strip() or "unknown"
            self._file.close()
            raise SchedulerAlreadyRunning(
                f"Another scheduler (pid {other}) already runs on {settings.home}; stop it first, or give this "
                "one another HEADWATER_HOME."
            ) from None
        self._file.truncate(0)
        self._file.write(str(os.getpid()))
        self._file.flush()
        self._connection: Any = None
        if store.engine.dialect.name == "postgresql":
            self._connection = store.engine.connect()
            held = self._connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY})
            if not held.scalar():
                self.release()
                raise SchedulerAlreadyRunning(
                    "Another scheduler already runs on this PostgreSQL database; stop it first."
                )
            self._connection.commit()

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if not self._file.closed:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()


def build_scheduler(settings: Settings) -> Scheduler:
    name = settings.executor.rsplit(".", 1)[-1]
    if name not in EXECUTORS:
        raise ConfigError(
            f"[core] executor = {settings.executor!r} is not available; choose one of: {', '.join(EXECUTORS)}."
        )
    if name == "CeleryExecutor" and not settings.sql_alchemy_conn.startswith("postgresql"):
        raise ConfigError(
            f"[core] executor = CeleryExecutor needs a metadata database every worker machine reaches, and "
            f"[database] sql_alchemy_conn is {settings.sql_alchemy_conn!r}. Set it to PostgreSQL, e.g. "
            "HEADWATER__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg://user@db-host:5432/headwater."
        )
    store = SqlStore(settings.sql_alchemy_conn, xcom_backend=configure(settings))
    try:
        lock = SchedulerLock(settings, store)
    except HeadwaterError:
        store.close()
        raise
    executor: Executor
    if name == "CeleryExecutor":
        try:
            executor = CeleryExecutor(settings, store)
        except BaseException:  # a bad broker URL, say: nothing of this scheduler stays held
            lock.release()
            store.close()
            raise
    else:
        executor = LocalExecutor(
            settings.parallelism,
            heartbeat_interval=settings.heartbeat_interval,
            leases=store.try_leases,
            lease_timeout=settings.task_instance_heartbeat_timeout,
        )
    scheduler = Scheduler(settings, store, executor)
    scheduler.lock = lock
    return scheduler
