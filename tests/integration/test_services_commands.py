"""The services' commands over a real SQLite store: trigger, pause, backfill, clear, pools, db clean and
the scheduler's health, as a caller (the CLI, the REST API) sees them — the records they return, what
they change, the scheduler they wake, and errors that name the DAG, the run or the pool and the fix."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

import pytest
from services_harness import SHOP, Home, day, run_id

from headwater.config import Settings
from headwater.model.states import DagRunState
from headwater.runtime.logs import run_log_folder
from headwater.scheduler.wakeup import WakeSocket
from headwater.services import dags, health, maintenance, pools, runs, task_instances
from headwater.services.context import ServiceContext, opened
from headwater.services.errors import Conflict, InvalidRequest, NotFound, Unavailable

DAILY = """
    import datetime as dt
    from headwater import DAG, Param
    from headwater.operators.python import PythonOperator

    with DAG("daily", start_date=dt.datetime(2024, 1, 1), schedule="@daily",
             params={"n": Param(3, type="integer", minimum=1)}) as dag:
        PythonOperator(task_id="work", python_callable=lambda params: params["n"])
"""


@pytest.fixture
def daily(home: Home) -> Home:
    home.write_dag(DAILY, "daily.py")
    return home


class TestTrigger:
    def test_a_trigger_queues_a_run_and_wakes_the_scheduler(self, daily: Home, ctx: ServiceContext) -> None:
        """Given a scheduler listening on this home, when a run is triggered, then a queued manual run is
        recorded with its conf, the caller learns the DAG is paused, and the scheduler is woken."""
        wake = WakeSocket(ctx.settings.home)
        try:
            triggered = runs.trigger(ctx, dag_id="daily", conf={"n": 5}, logical_date=day(5))
            woken = wake.drain()
        finally:
            wake.close()

        assert (triggered.run.run_id, triggered.run.state, triggered.run.conf) == (
            run_id(5),
            DagRunState.QUEUED,
            {"n": 5},
        )
        assert triggered.paused is True
        assert woken
        assert runs.get_run(ctx, dag_id="daily", run_id=run_id(5)).run_type == "manual"

    def test_a_second_run_with_the_same_id_is_a_conflict(self, daily: Home, ctx: ServiceContext) -> None:
        runs.trigger(ctx, dag_id="daily", run_id="mine", logical_date=day(5))

        with pytest.raises(Conflict) as raised:
            runs.trigger(ctx, dag_id="daily", run_id="mine", logical_date=day(6))

        assert str(raised.value) == "DAG 'daily' already has a run 'mine'; pass another --run-id."
        assert [r.run_id for r in runs.list_runs(ctx, dag_id="daily")] == ["mine"]

    def test_a_conf_the_params_refuse_is_an_invalid_request(self, daily: Home, ctx: ServiceContext) -> None:
        with pytest.raises(InvalidRequest, match="'n'"):
            runs.trigger(ctx, dag_id="daily", conf={"n": 0})

        assert runs.list_runs(ctx, dag_id="daily") == []

    def test_an_unknown_dag_is_not_found_listing_the_dags_there_are(self, daily: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound) as raised:
            runs.trigger(ctx, dag_id="dialy")

        assert (
            str(raised.value)
            == f"No DAG 'dialy' in the DAGs folder {ctx.settings.dags_folder}. DAGs found there: 'daily'."
        )
        assert raised.value.dag_id == "dialy"


class TestPause:
    def test_unpausing_a_dag_the_scheduler_has_not_seen_records_it(self, daily: Home, ctx: ServiceContext) -> None:
        assert dags.is_paused(ctx, dag_id="daily") is True

        dags.set_paused(ctx, dag_id="daily", paused=False)

        assert dags.is_paused(ctx, dag_id="daily") is False
        dags.set_paused(ctx, dag_id="daily", paused=True)
        assert dags.is_paused(ctx, dag_id="daily") is True

    def test_pausing_an_unknown_dag_is_not_found(self, daily: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound, match="No DAG 'nope' in the DAGs folder"):
            dags.set_paused(ctx, dag_id="nope", paused=True)


class TestBackfill:
    def test_a_dry_run_plans_every_date_and_changes_nothing(self, daily: Home, ctx: ServiceContext) -> None:
        planned = runs.backfill(ctx, dag_id="daily", start=day(1), end=day(3), dry_run=True, run_backwards=True)

        assert [(d.logical_date, d.action) for d in planned.planned] == [
            (day(3), "create"),
            (day(2), "create"),
            (day(1), "create"),
        ]
        assert (planned.skipped, planned.runs) == ([], [])
        assert runs.list_runs(ctx, dag_id="daily") == []

    def test_a_backfill_queues_its_runs_and_a_second_one_skips_them_saying_why(
        self, daily: Home, ctx: ServiceContext
    ) -> None:
        first = runs.backfill(ctx, dag_id="daily", start=day(1), end=day(2), max_active_runs=1, conf={"n": 2})
        again = runs.backfill(ctx, dag_id="daily", start=day(1), end=day(2))

        assert [(r.run_type, r.state, r.conf, r.backfill_max_active_runs) for r in first.runs] == [
            ("backfill", DagRunState.QUEUED, {"n": 2}, 1)
        ] * 2
        assert again.runs == []
        assert [(s.logical_date, s.reason) for s in again.skipped] == [
            (day(1), "a run is already queued"),
            (day(2), "a run is already queued"),
        ]

    def test_a_start_after_the_end_is_refused(self, daily: Home, ctx: ServiceContext) -> None:
        with pytest.raises(InvalidRequest, match=r"Backfill of 'daily': --start-date .* is after --end-date"):
            runs.backfill(ctx, dag_id="daily", start=day(3), end=day(2))

    def test_max_active_runs_below_one_is_refused(self, daily: Home, ctx: ServiceContext) -> None:
        with pytest.raises(InvalidRequest, match="at least 1; got 0"):
            runs.backfill(ctx, dag_id="daily", start=day(1), end=day(2), max_active_runs=0)


class TestClear:
    def test_clearing_a_failed_task_with_its_downstream_resets_both(self, home: Home, ctx: ServiceContext) -> None:
        """Given a run where bad failed and join was upstream_failed, when bad is cleared with its downstream,
        then the plan names bad and join in that run, both are reset, and the run is queued again."""
        home.dags_test(home.write_dag(SHOP, "shop.py"), 2)

        plan = task_instances.plan_clear(ctx, dag_id="shop", task_regex="^bad$", downstream=True)
        reset = task_instances.clear(ctx, plan)

        assert (plan.task_ids, [r.run_id for r in plan.runs], reset) == (["bad", "join"], [run_id(2)], 2)
        states = {i.task_id: i.state for i in task_instances.list_task_instances(ctx, dag_id="shop", run_id=run_id(2))}
        assert (states["bad"], states["join"], states["total"].value) == (None, None, "success")
        assert runs.get_run(ctx, dag_id="shop", run_id=run_id(2)).state is DagRunState.QUEUED

    def test_a_regex_matching_no_task_is_refused(self, home: Home, ctx: ServiceContext) -> None:
        home.write_dag(SHOP, "shop.py")

        with pytest.raises(InvalidRequest, match="No task of DAG 'shop' matches --task-regex 'nothing'"):
            task_instances.plan_clear(ctx, dag_id="shop", task_regex="nothing")
        with pytest.raises(InvalidRequest, match=r"--task-regex '\(' is not a regular expression"):
            task_instances.plan_clear(ctx, dag_id="shop", task_regex="(")


class TestPools:
    def test_a_pool_is_set_listed_resized_and_deleted(self, ctx: ServiceContext) -> None:
        pools.set_pool(ctx, name="db", slots=2, description="the warehouse")
        pools.set_pool(ctx, name="db", slots=4)

        assert [(p.name, p.slots) for p in pools.list_pools(ctx)] == [("db", 4), ("default_pool", 128)]
        assert pools.get_pool(ctx, name="db").slots == 4
        pools.delete_pool(ctx, name="db")
        assert [p.name for p in pools.list_pools(ctx)] == ["default_pool"]

    @pytest.mark.parametrize(
        ("name", "slots", "message"),
        [
            ("db", -1, "A pool's slots cannot be negative; got -1."),
            ("  ", 1, "A pool needs a name; got an empty one."),
        ],
    )
    def test_a_pool_that_cannot_exist_is_refused(
        self, ctx: ServiceContext, name: str, slots: int, message: str
    ) -> None:
        with pytest.raises(InvalidRequest) as raised:
            pools.set_pool(ctx, name=name, slots=slots)

        assert str(raised.value) == message
        assert [p.name for p in pools.list_pools(ctx)] == ["default_pool"]

    def test_the_default_pool_stays_and_an_unknown_pool_is_not_found(self, ctx: ServiceContext) -> None:
        with pytest.raises(InvalidRequest, match="default_pool cannot be deleted; resize it"):
            pools.delete_pool(ctx, name="default_pool")
        with pytest.raises(NotFound) as raised:
            pools.delete_pool(ctx, name="nope")

        assert str(raised.value) == "No pool 'nope'; `headwater pools list` lists them."


class TestMaintenance:
    def test_clean_deletes_old_runs_with_their_log_folders(self, home: Home, ctx: ServiceContext) -> None:
        home.dags_test(home.write_dag(SHOP, "shop.py"), 2)
        logs = run_log_folder(ctx.settings.home / "logs", "shop", run_id(2))
        logs.mkdir(parents=True)
        (logs / "attempt=1.log").write_text("old\n")
        cutoff = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)

        planned = maintenance.plan_clean(ctx, older_than=cutoff)
        done = maintenance.clean(ctx, older_than=cutoff)

        assert planned.runs == done.report.runs == [("shop", run_id(2))]
        assert done.report.task_instances == 8
        assert done.skipped == []
        assert not logs.exists()
        assert runs.list_runs(ctx, dag_id="shop") == []


class TestHealth:
    def test_a_scheduler_is_alive_while_its_heartbeat_is_recent(self, ctx: ServiceContext) -> None:
        nobody = health.check_jobs(ctx, job_type="SchedulerJob")
        now = dt.datetime.now(dt.UTC)
        ctx.store.start_job(
            "SchedulerJob", hostname=socket.gethostname(), pid=os.getpid(), executor_class="x", now=now, stale_after=60
        )
        threshold = ctx.settings.scheduler_health_check_threshold

        fresh = health.check_jobs(ctx, job_type="SchedulerJob", now=now + dt.timedelta(seconds=1))
        stale = health.check_jobs(ctx, job_type="SchedulerJob", now=now + dt.timedelta(seconds=threshold + 1))

        assert (nobody.alive, nobody.latest) == ([], None)
        assert [j.pid for j in fresh.alive] == [os.getpid()]
        assert stale.alive == []
        assert stale.latest is not None and stale.latest.pid == os.getpid()


class TestUnavailable:
    def test_a_database_that_cannot_be_opened_is_unavailable_saying_nothing_changed(self, tmp_path: Path) -> None:
        """Given a database URL naming a file that is no SQLite database, when the services are opened, then
        Unavailable carries the database's words and says that nothing was changed."""
        garbage = tmp_path / "headwater.db"
        garbage.write_bytes(b"this is not a database" * 100)
        settings = Settings.load(
            {"HEADWATER_HOME": str(tmp_path), "HEADWATER__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{garbage}"}
        )

        with pytest.raises(Unavailable) as raised, opened(settings):
            pass

        assert "file is not a database" in raised.value.detail
        assert "nothing was changed" in str(raised.value)
