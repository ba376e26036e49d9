"""Assembling a scheduler from settings: the store, the executor named by ``[core] executor``."""

from __future__ import annotations

from headwater.config import Settings
from headwater.errors import ConfigError
from headwater.executors.local import LocalExecutor
from headwater.scheduler.scheduler import Scheduler
from headwater.store.sql import SqlStore

EXECUTORS = ("LocalExecutor",)


def build_scheduler(settings: Settings) -> Scheduler:
    name = settings.executor.rsplit(".", 1)[-1]
    if name not in EXECUTORS:
        raise ConfigError(
            f"[core] executor = {settings.executor!r} is not available; choose one of: {', '.join(EXECUTORS)}."
        )
    executor = LocalExecutor(settings.parallelism, heartbeat_interval=settings.heartbeat_interval)
    return Scheduler(settings, SqlStore(settings.sql_alchemy_conn), executor)
