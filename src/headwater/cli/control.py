"""Commands that control and inspect what the scheduler does: ``scheduler``, ``dags trigger|pause|
unpause|list-runs``, ``tasks states-for-dag-run|logs``, ``pools``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from headwater.cli.errors import CliError
from headwater.cli.output import output_option, render


def _settings() -> Any:
    from headwater.config import Settings

    try:
        return Settings.load()
    except ValueError as err:
        raise CliError(str(err)) from None


@contextmanager
def _store(settings: Any, *, nudge: bool = False) -> Iterator[Any]:
    """The store; with ``nudge``, a scheduler on this machine is woken afterwards to act on the change."""
    from headwater.store.sql import SqlStore
    from headwater.store.xcom import configure

    with _user_errors():
        store = SqlStore(settings.sql_alchemy_conn, xcom_backend=configure(settings))
        try:
            yield store
        finally:
            store.close()
    if nudge:
        from headwater.scheduler.wakeup import nudge as wake

        wake(settings.home)


@contextmanager
def _user_errors() -> Iterator[None]:
    from sqlalchemy.exc import DBAPIError

    from headwater.errors import HeadwaterError

    try:
        yield
    except HeadwaterError as err:
        raise CliError(str(err)) from None
    except DBAPIError as err:
        detail = " ".join(str(err.orig or err).split())
        raise CliError(
            f"The metadata database refused the change ({detail}); nothing was changed. If it is locked, another "
            "process is writing to it: try again. If the disk is full, free space first."
        ) from None


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


def _run_row(run: Any) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "run_type": run.run_type,
        "state": run.state,
        "logical_date": run.logical_date,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "data_interval_start": run.data_interval_start,
        "data_interval_end": run.data_interval_end,
    }


def scheduler_command() -> click.Command:
    @click.command("scheduler")
    @click.option("-n", "--num-runs", type=int, default=None, help="Stop after this many loops (for tests).")
    def scheduler(num_runs: int | None) -> None:
        """Run every unpaused DAG of the DAGs folder on its schedule, with triggered and backfill runs.

        It survives its workers and the metadata database failing; an error it cannot recover from is
        logged with its traceback and ends it with exit status 1."""
        import signal

        from headwater.cli.main import _log_to_stderr
        from headwater.scheduler.service import build_scheduler

        settings = _settings()
        _log_to_stderr()
        with _fatal_errors(), _user_errors():
            scheduler = build_scheduler(settings)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.stop())
        signal.signal(signal.SIGINT, lambda *_: scheduler.stop())
        loops = [0]

        def enough() -> bool:
            loops[0] += 1
            return num_runs is not None and loops[0] > num_runs

        click.echo(f"headwater scheduler: DAGs folder {settings.dags_folder}, executor {settings.executor}", err=True)
        try:
            with _fatal_errors():
                scheduler.run(until=enough)
        finally:
            scheduler.store.close()

    return scheduler


def standalone_command(scheduler: click.Command) -> click.Command:
    @click.command("standalone")
    @click.pass_context
    def standalone(ctx: click.Context) -> None:
        """Everything a laptop needs: the DAGs folder (created if missing) and the scheduler, on SQLite."""
        settings = _settings()
        from headwater.private_files import private_dir

        private_dir(settings.dags_folder)
        click.echo(
            f"headwater standalone: put DAG files in {settings.dags_folder}; new DAGs start paused "
            "(`headwater dags unpause DAG_ID`); Ctrl-C stops.",
            err=True,
        )
        ctx.invoke(scheduler)

    return standalone


def register(main: click.Group, dags: click.Group) -> None:
    """Add the commands to the ``headwater`` group and its ``dags`` group."""
    scheduler = scheduler_command()
    main.add_command(scheduler)
    main.add_command(standalone_command(scheduler))

    @dags.command("trigger")
    @click.argument("dag_id")
    @click.option("-c", "--conf", help="Run conf as a JSON object.")
    @click.option("-e", "--logical-date", "--exec-date", "logical_date", help="Logical date (ISO 8601); default: now.")
    @click.option("-r", "--run-id", help="The run's id; default: manual__<logical date>.")
    @output_option
    def trigger(dag_id: str, conf: str | None, logical_date: str | None, run_id: str | None, output: str) -> None:
        """Queue a manual run of DAG_ID; the scheduler runs it (once the DAG is unpaused). Prints the run id."""
        from headwater.cli.main import _parse_conf, _parse_datetime
        from headwater.scheduler.control import trigger as trigger_run

        conf_value = _parse_conf(conf)
        logical = _parse_datetime(logical_date, "--logical-date")
        settings = _settings()
        with _user_errors(), _store(settings, nudge=True) as store:
            run = trigger_run(settings, store, dag_id, conf=conf_value, logical_date=logical, run_id=run_id)
            paused = store.pause_flags().get(dag_id, True)
        if output == "table":
            click.echo(run.run_id)
        else:
            click.echo(render([_run_row(run)], output))
        if paused:
            click.echo(f"DAG {dag_id!r} is paused: the run waits until `headwater dags unpause {dag_id}`.", err=True)

    for name, paused in (("pause", True), ("unpause", False)):

        def toggle(dag_id: str, paused: bool = paused) -> None:
            from headwater.scheduler.control import find_dag

            settings = _settings()
            with _user_errors(), _store(settings, nudge=True) as store:
                if not store.set_paused(dag_id, paused):
                    find_dag(settings, store, dag_id)
                    store.set_paused(dag_id, paused)
            click.echo(f"DAG {dag_id} is {'paused' if paused else 'unpaused'}.")

        toggle.__doc__ = f"{name.capitalize()} DAG_ID: {'no new runs start' if paused else 'its runs start again'}."
        dags.command(name)(click.argument("dag_id")(toggle))

    @dags.command("list-runs")
    @click.argument("dag_id", required=False)
    @click.option("-d", "--dag-id", "dag_id_option", help="The DAG (Airflow's spelling).")
    @click.option("--state", help="Only runs in this state.")
    @output_option
    def list_runs(dag_id: str | None, dag_id_option: str | None, state: str | None, output: str) -> None:
        """One record per run of DAG_ID, newest first."""
        from headwater.model.states import DagRunState

        dag = dag_id or dag_id_option
        if dag is None:
            raise CliError("Name the DAG: headwater dags list-runs DAG_ID.")
        states = None
        if state is not None:
            try:
                states = [DagRunState(state)]
            except ValueError:
                raise CliError(f"--state {state!r} is not one of {', '.join(s.value for s in DagRunState)}.") from None
        settings = _settings()
        with _store(settings) as store:
            runs = store.runs(dag, states)
        click.echo(render([_run_row(r) for r in runs], output))


def register_tasks(tasks: click.Group) -> None:
    @tasks.command("states-for-dag-run")
    @click.argument("dag_id")
    @click.argument("run_id")
    @output_option
    def states_for_dag_run(dag_id: str, run_id: str, output: str) -> None:
        """One record per task instance of a run."""
        settings = _settings()
        with _store(settings) as store:
            if store.get_run(dag_id, run_id) is None:
                raise CliError(f"DAG {dag_id!r} has no run {run_id!r}; `headwater dags list-runs {dag_id}` lists them.")
            instances = sorted(store.task_instances(dag_id, run_id), key=lambda i: (i.task_id, i.map_index))
        rows = [
            {
                "dag_id": i.dag_id,
                "run_id": i.run_id,
                "task_id": i.task_id,
                "map_index": i.map_index,
                "state": i.state,
                "try_number": i.try_number,
                "start_date": i.start_date,
                "end_date": i.end_date,
                "reason": i.reason,
            }
            for i in instances
        ]
        click.echo(render(rows, output))

    @tasks.command("logs")
    @click.argument("dag_id")
    @click.argument("run_id")
    @click.argument("task_id")
    @click.option("--map-index", type=int, default=-1)
    @click.option("--try", "try_number", type=int, default=None, help="Which try; default: the latest.")
    def logs(dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int | None) -> None:
        """Print the log of one try of a task instance (lines above [logging] max_log_line_bytes are split)."""
        from headwater.runtime.logs import log_path, read_lines

        settings = _settings()
        with _store(settings) as store:
            ti = store.instance(dag_id, run_id, task_id, map_index)
        if ti is None:
            raise CliError(f"DAG {dag_id!r}, run {run_id!r} has no task instance {task_id!r} (map index {map_index}).")
        number = try_number if try_number is not None else ti.try_number
        if number < 1:
            raise CliError(f"Task {task_id!r} of run {run_id!r} has not run yet (state: {ti.state or 'none'}).")
        with _user_errors():
            path = log_path(settings.home / "logs", dag_id, run_id, task_id, map_index, number)
        if not path.is_file():
            raise CliError(f"No log for try {number} of {task_id!r} at {path}.")
        for line in read_lines(path, settings.max_log_line_bytes):  # streamed: a huge log is never held whole
            sys.stdout.write(line)


def register_pools(main: click.Group) -> None:
    @main.group()
    def pools() -> None:
        """Pools: named limits on how many task slots run at once."""

    @pools.command("set")
    @click.argument("name")
    @click.argument("slots", type=int)
    @click.argument("description", required=False)
    def set_pool(name: str, slots: int, description: str | None) -> None:
        """Create pool NAME with SLOTS slots, or resize it."""
        if slots < 0:
            raise CliError(f"A pool's slots cannot be negative; got {slots}.")
        settings = _settings()
        with _store(settings, nudge=True) as store:
            store.set_pool(name, slots, description)
        click.echo(f"Pool {name} has {slots} slots.")

    @pools.command("list")
    @output_option
    def list_pools(output: str) -> None:
        """Every pool with its slots."""
        settings = _settings()
        with _store(settings) as store:
            found = store.pools()
        rows = [{"pool": n, "slots": s, "description": d} for n, (s, d) in sorted(found.items())]
        click.echo(render(rows, output))

    @pools.command("delete")
    @click.argument("name")
    def delete_pool(name: str) -> None:
        """Delete pool NAME (``default_pool`` stays)."""
        if name == "default_pool":
            raise CliError("default_pool cannot be deleted; resize it with `headwater pools set default_pool N`.")
        settings = _settings()
        with _store(settings) as store:
            if not store.delete_pool(name):
                raise CliError(f"No pool {name!r}.")
        click.echo(f"Pool {name} deleted.")


def register_backfill(dags: click.Group, tasks: click.Group) -> None:
    @dags.command("backfill")
    @click.argument("dag_id")
    @click.option("-s", "--start-date", required=True, help="First logical date (ISO 8601), inclusive.")
    @click.option("-e", "--end-date", required=True, help="Last logical date (ISO 8601), inclusive.")
    @click.option(
        "--reprocess",
        type=click.Choice(["none", "failed", "completed"]),
        default="none",
        show_default=True,
        help="Which existing finished runs to run again.",
    )
    @click.option("--max-active-runs", type=int, help="Runs of this backfill at once; default: the DAG's.")
    @click.option("--run-backwards", is_flag=True, help="Start with the newest logical date.")
    @click.option("--dry-run", is_flag=True, help="Print the runs it would create; create nothing.")
    @click.option("--wait", is_flag=True, help="Return once every run of the backfill has finished.")
    @click.option("-c", "--conf", help="Conf of the runs it creates, as a JSON object.")
    @output_option
    def backfill(
        dag_id: str,
        start_date: str,
        end_date: str,
        reprocess: str,
        max_active_runs: int | None,
        run_backwards: bool,
        dry_run: bool,
        wait: bool,
        conf: str | None,
        output: str,
    ) -> None:
        """Run DAG_ID for every logical date of its schedule within [START, END]; the scheduler runs them."""
        from headwater.cli.main import _parse_conf, _parse_datetime
        from headwater.scheduler.backfill import plan_backfill, start_backfill

        conf_value = _parse_conf(conf)
        start, end = _parse_datetime(start_date, "--start-date"), _parse_datetime(end_date, "--end-date")
        if max_active_runs is not None and max_active_runs < 1:
            raise CliError(f"--max-active-runs must be at least 1; got {max_active_runs}.")
        settings = _settings()
        with _user_errors(), _store(settings, nudge=not dry_run) as store:
            plan = plan_backfill(
                settings, store, dag_id, start=start, end=end, reprocess=reprocess, run_backwards=run_backwards
            )
            for info, why in plan.skip:
                click.echo(f"Skipping {info.logical_date.isoformat()}: {why}.", err=True)
            if dry_run:
                rows = [{k: v for k, v in row.items() if output == "table" or k != "action"} for row in plan.rows()]
                click.echo(render(rows, output))
                return
            runs = start_backfill(store, plan, max_active_runs=max_active_runs, conf=conf_value)
        click.echo(render([_run_row(r) for r in runs], output) if output != "table" else _backfill_summary(runs))
        if wait and runs:
            _wait_for_runs(settings, runs)

    @tasks.command("clear")
    @click.argument("dag_id")
    @click.option("-t", "--task-regex", help="Clear tasks whose id matches this regular expression.")
    @click.option("-s", "--start-date", help="Earliest logical date (ISO 8601), inclusive.")
    @click.option("-e", "--end-date", help="Latest logical date (ISO 8601), inclusive.")
    @click.option("-d", "--downstream", is_flag=True, help="Also clear the tasks downstream of those matched.")
    @click.option("-u", "--upstream", is_flag=True, help="Also clear the tasks upstream of those matched.")
    @click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
    def clear_tasks(
        dag_id: str,
        task_regex: str | None,
        start_date: str | None,
        end_date: str | None,
        downstream: bool,
        upstream: bool,
        yes: bool,
    ) -> None:
        """Reset task instances (and their XComs) so the scheduler runs them again."""
        from headwater.cli.main import _parse_datetime
        from headwater.scheduler.backfill import clear, plan_clear

        start, end = _parse_datetime(start_date, "--start-date"), _parse_datetime(end_date, "--end-date")
        settings = _settings()
        with _user_errors(), _store(settings, nudge=True) as store:
            plan = plan_clear(
                settings,
                store,
                dag_id,
                task_regex=task_regex,
                start=start,
                end=end,
                downstream=downstream,
                upstream=upstream,
            )
            if not plan.runs:
                click.echo(f"No runs of {dag_id} in that date range; nothing to clear.")
                return
            click.echo(
                f"Clearing {', '.join(plan.task_ids)} in {len(plan.runs)} run(s): "
                + ", ".join(r.run_id for r in plan.runs),
                err=True,
            )
            if not yes and not _confirmed("Clear these task instances?"):
                click.echo("Nothing cleared (pass --yes to clear without being asked).")
                sys.exit(1)
            reset = clear(store, plan)
        click.echo(f"Cleared {reset} task instance(s) in {len(plan.runs)} run(s); the scheduler will run them again.")


def _confirmed(question: str) -> bool:
    try:
        return click.confirm(question, err=True)
    except click.Abort:  # no answer (no terminal): nothing is changed
        return False


def _backfill_summary(runs: list[Any]) -> str:
    if not runs:
        return "Nothing to backfill."
    lines = [f"Backfill queued {len(runs)} run(s) of {runs[0].dag_id}:"]
    lines += [f"  {r.run_id}" for r in runs]
    return "\n".join(lines)


def _wait_for_runs(settings: Any, runs: list[Any]) -> None:
    import time

    from headwater.model.states import DagRunState

    done = (DagRunState.SUCCESS, DagRunState.FAILED)
    pending = {(r.dag_id, r.run_id) for r in runs}
    failed: list[str] = []
    with _store(settings) as store:
        while pending:
            for dag_id, run_id in sorted(pending):
                run = store.get_run(dag_id, run_id)
                if run is not None and run.state in done:
                    pending.discard((dag_id, run_id))
                    click.echo(f"{run_id}: {run.state.value}", err=True)
                    if run.state is DagRunState.FAILED:
                        failed.append(run_id)
            if pending:
                time.sleep(0.2)
    if failed:
        raise CliError(f"{len(failed)} backfill run(s) failed: {', '.join(failed)}.")
