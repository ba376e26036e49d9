"""``headwater celery worker`` and ``headwater celery status``: the CeleryExecutor's machines."""

from __future__ import annotations

import os
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import click

from headwater.cli import output
from headwater.cli.common import load_settings
from headwater.cli.errors import CliError


def _app(settings: Any) -> Any:
    from headwater.errors import HeadwaterError
    from headwater.executors.celery_app import make_app

    try:
        return make_app(settings)
    except HeadwaterError as err:
        raise CliError(str(err)) from None


@click.group()
def celery() -> None:
    """Celery workers, for [core] executor = CeleryExecutor."""


@celery.command("worker")
@click.option(
    "-q",
    "--queues",
    default=None,
    help="Comma-separated queues to take tries from [default: [celery] default_queue].",
)
@click.option(
    "-c", "--concurrency", type=int, default=None, help="Tries run at once [default: [celery] worker_concurrency]."
)
@click.option("-H", "--celery-hostname", default=None, help="This worker's node name [default: headwater.PID@HOST].")
@click.option("-l", "--loglevel", default="INFO", show_default=True)
def worker(queues: str | None, concurrency: int | None, celery_hostname: str | None, loglevel: str) -> None:
    """Run tries from the broker until stopped (SIGTERM finishes the tries in hand first)."""
    settings = load_settings()
    if not settings.sql_alchemy_conn.startswith("postgresql"):
        raise CliError(
            "A Celery worker records tries in the metadata database the scheduler reads, so "
            f"[database] sql_alchemy_conn must be PostgreSQL; it is {settings.sql_alchemy_conn!r}."
        )
    _check_database(settings)
    _check_secret(settings)
    app = _app(settings)
    names = queues or settings.celery_default_queue
    count = concurrency if concurrency is not None else settings.celery_worker_concurrency
    if count < 1:
        raise CliError(f"--concurrency must be at least 1; got {count}.")
    node = celery_hostname or f"headwater.{os.getpid()}@{socket.gethostname()}"
    click.echo(f"headwater celery worker {node}: queues {names}, concurrency {count}", err=True)
    app.worker_main(
        [
            "worker",
            f"--queues={names}",
            f"--concurrency={count}",
            f"--hostname={node}",
            f"--loglevel={loglevel}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@celery.command("status")
@output.output_option
@click.option("--timeout", type=float, default=2.0, show_default=True, help="Seconds to wait for replies.")
def status(fmt: str, timeout: float) -> None:
    """List live workers, the queues they take tries from, and the task instances they run."""
    from kombu.exceptions import OperationalError

    settings = load_settings()
    app = _app(settings)
    inspect = app.control.inspect(timeout=timeout)
    try:
        with ThreadPoolExecutor(3) as pool:  # each question waits out the timeout: ask all three at once
            asked = [pool.submit(question) for question in (inspect.active_queues, inspect.active, inspect.stats)]
            queues, active, stats = (future.result() or {} for future in asked)
    except (OperationalError, OSError) as err:
        raise CliError(f"Cannot reach the broker at {settings.celery_broker_url}: {err}") from None
    workers = sorted(set(queues) | set(active) | set(stats))
    if not workers:
        raise CliError(
            f"No worker answered within {timeout:g} s on {settings.celery_broker_url}; start one with "
            "`headwater celery worker`."
        )
    click.echo(output.workers([_worker(name, queues, active, stats) for name in workers], fmt))


def _worker(name: str, queues: Any, active: Any, stats: Any) -> dict[str, Any]:
    """One worker from the broker's replies: the queues it serves and the tries it runs."""
    info = stats.get(name, {})
    return {
        "worker": name,
        "queues": [q["name"] for q in queues.get(name, [])],
        "concurrency": info.get("pool", {}).get("max-concurrency"),
        "pid": info.get("pid"),
        "running": [_running(task) for task in active.get(name, [])],
    }


def _running(task: dict[str, Any]) -> dict[str, Any]:
    args = task.get("args") or [{}]
    message = args[0] if isinstance(args, list | tuple) and args and isinstance(args[0], dict) else {}
    return {k: message.get(k) for k in ("dag_id", "run_id", "task_id", "map_index", "try_number")}


def _check_secret(settings: Any) -> None:
    """Read (or make, on first use) the secret messages are signed with, before taking work."""
    from headwater.errors import HeadwaterError
    from headwater.executors.message_trust import message_secret

    try:
        message_secret(settings)
    except (HeadwaterError, OSError) as err:
        raise CliError(f"Cannot get the Celery message secret: {err}") from None


def _check_database(settings: Any) -> None:
    """Open the metadata database once before taking work, so a wrong URL fails here, not in a try."""
    from headwater.services.context import check_database
    from headwater.services.errors import Unavailable

    try:
        check_database(settings)
    except Unavailable as err:
        raise CliError(f"Cannot open the metadata database {settings.sql_alchemy_conn}: {err.detail}") from None
