"""The Celery application both ends share: the scheduler publishes tries to it, ``headwater celery
worker`` consumes them.

A message is the work item's small JSON (never a pickle). It is acknowledged only after the try has
run (``acks_late``), so a worker machine that vanishes with it loses nothing: the broker delivers it
again (and if a message is lost anyway, the scheduler publishes the try again once its queue runs
dry). The guarded claim in the store makes a second delivery of a try that already started a no-op.
A try whose pool process dies is not delivered again: its lease runs out and the scheduler decides.
Each pool process keeps its DAG files and its database connection between tries, like a
LocalExecutor worker.
"""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING, Any

from headwater.config import Settings
from headwater.errors import ConfigError

if TYPE_CHECKING:
    from celery import Celery

    from headwater.executors.task_process import TaskProcess

log = logging.getLogger("headwater.worker")

TASK_NAME = "headwater.run_try"


def make_app(settings: Settings) -> Celery:
    """The Celery application for these settings."""
    try:
        from celery import Celery
    except ImportError:
        raise ConfigError("[core] executor = CeleryExecutor needs Celery: pip install 'headwater[celery]'.") from None
    app = Celery("headwater", broker=settings.celery_broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=False,  # a try whose process died is declared lost by its lease, not re-run
        task_default_queue=settings.celery_default_queue,
        worker_prefetch_multiplier=1,
        worker_redirect_stdouts=False,  # a try's output goes to its own log file
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,  # a broker restart does not stop tries
        worker_send_task_events=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.celery_visibility_timeout},
    )
    app.task(name=TASK_NAME, acks_late=True, ignore_result=True)(run_try)
    return app


_process: TaskProcess | None = None
_secret: bytes | None = None


def run_try(message: Any) -> None:
    """The Celery task: check the message, then run its try in this pool process and record it (the store
    tells the scheduler). A message that is not signed with the shared secret is refused unread: anyone
    who reaches the broker can publish one."""
    from headwater.executors.base import WorkItem
    from headwater.executors.message_trust import RefusedMessage, verify

    process = _task_process()
    assert _secret is not None
    try:
        body = verify(message, _secret)
    except RefusedMessage as refused:
        log.error("Refused a message (%s): %s. Nothing was imported or run.", _claimed(message), refused)
        return
    try:
        item = WorkItem.from_message(body)
    except (KeyError, TypeError, ValueError) as err:
        log.error("Refused a signed message that is not a work item (%s: %s): %.300r", type(err).__name__, err, body)
        return
    process.execute(item)


def _claimed(message: Any) -> str:
    """What an unverified message says it is, for the log (never trusted, kept short)."""
    if not isinstance(message, dict):
        return f"not a JSON object: {message!r:.200}"
    fields = ("dag_id", "run_id", "task_id", "try_number", "fileloc")
    return ", ".join(f"{name} {message.get(name)!r:.120}" for name in fields)


def _task_process() -> TaskProcess:
    """This pool process's worker state, made on its first try (after the fork, so nothing is shared)."""
    global _process, _secret  # noqa: PLW0603 - one per pool process, kept between tries
    if _process is None:
        from headwater.executors.message_trust import message_secret
        from headwater.executors.task_process import TaskProcess
        from headwater.executors.try_events import CHANNEL
        from headwater.store.sql import SqlStore
        from headwater.store.xcom import configure

        settings = Settings.load()
        _secret = message_secret(settings)
        store = SqlStore(settings.sql_alchemy_conn, xcom_backend=configure(settings))
        _process = TaskProcess(
            settings, store, heartbeat_interval=settings.heartbeat_interval, notify_channel=CHANNEL, confined=True
        )
        signal.signal(signal.SIGTERM, _process.on_sigterm)
    return _process
