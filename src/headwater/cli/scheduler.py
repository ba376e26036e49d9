"""``headwater scheduler`` and ``headwater standalone``: the long-running processes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from headwater.cli.common import load_settings, log_to_stderr, user_errors


@contextmanager
def _fatal_errors() -> Iterator[None]:
    """An unexpected error ends the command with its traceback logged and exit status 1; never silently
    (click would take an EPIPE from a worker's pipe for a closed stdout and exit without a word)."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception:
        import logging

        logging.getLogger("headwater.scheduler").critical(
            "headwater scheduler stops on an error it cannot recover from:", exc_info=True
        )
        sys.exit(1)


@click.command("scheduler")
@click.option("-n", "--num-runs", type=int, default=None, help="Stop after this many loops (for tests).")
def scheduler(num_runs: int | None) -> None:
    """Run every unpaused DAG of the DAGs folder on its schedule, with triggered and backfill runs.

    It survives its workers and the metadata database failing; an error it cannot recover from is
    logged with its traceback and ends it with exit status 1."""
    import signal

    from headwater.scheduler.service import build_scheduler
    from headwater.services.errors import translated

    settings = load_settings()
    log_to_stderr()
    with _fatal_errors(), user_errors(), translated():
        running = build_scheduler(settings)
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    signal.signal(signal.SIGINT, lambda *_: running.stop())
    loops = [0]

    def enough() -> bool:
        loops[0] += 1
        return num_runs is not None and loops[0] > num_runs

    click.echo(f"headwater scheduler: DAGs folder {settings.dags_folder}, executor {settings.executor}", err=True)
    try:
        with _fatal_errors():
            running.run(until=enough)
    finally:
        running.store.close()


@click.command("standalone")
@click.pass_context
def standalone(ctx: click.Context) -> None:
    """Everything a laptop needs: the DAGs folder (created if missing) and the scheduler, on SQLite."""
    settings = load_settings()
    from headwater.private_files import private_dir

    private_dir(settings.dags_folder)
    click.echo(
        f"headwater standalone: put DAG files in {settings.dags_folder}; new DAGs start paused "
        "(`headwater dags unpause DAG_ID`); Ctrl-C stops.",
        err=True,
    )
    ctx.invoke(scheduler)
