"""The services' queries, called the way the CLI and the REST API call them, over a real SQLite store
with runs recorded by ``dags test``: what a caller gets back (records, in order, paged) and the errors
that name what was not found and how to find what there is."""

from __future__ import annotations

import pytest
from services_harness import SHOP, Home, run_id

from headwater.model.states import DagRunState, TaskState
from headwater.runtime.logs import log_path, split_marker
from headwater.services import dags, logs, runs, task_instances, why, xcoms
from headwater.services.context import ServiceContext
from headwater.services.errors import InvalidRequest, MappedTaskNeedsIndex, NotFound


@pytest.fixture
def shop(home: Home) -> Home:
    """The shop DAG run once, for 2024-01-02: bad fails, join is upstream_failed, right is skipped."""
    home.dags_test(home.write_dag(SHOP, "shop.py"), 2)
    return home


class TestRuns:
    def test_runs_come_newest_first_and_page_with_limit_and_offset(self, home: Home, ctx: ServiceContext) -> None:
        """Given three runs of a DAG, when they are listed, then the newest logical date comes first, and
        limit/offset return the pages a caller asks for."""
        path = home.write_dag(SHOP, "shop.py")
        for n in (2, 3, 4):
            home.dags_test(path, n)

        everything = runs.list_runs(ctx, dag_id="shop")
        second_page = runs.list_runs(ctx, dag_id="shop", limit=2, offset=2)

        assert [r.run_id for r in everything] == [run_id(4), run_id(3), run_id(2)]
        assert [r.run_id for r in runs.list_runs(ctx, dag_id="shop", limit=2)] == [run_id(4), run_id(3)]
        assert [r.run_id for r in second_page] == [run_id(2)]
        assert runs.list_runs(ctx, dag_id="shop", limit=2, offset=5) == []

    def test_runs_filter_by_state(self, shop: Home, ctx: ServiceContext) -> None:
        """Given a failed run, when runs are listed by state, then only runs in those states come back."""
        assert [r.state for r in runs.list_runs(ctx, dag_id="shop", states=runs.run_states(["failed"]))] == [
            DagRunState.FAILED
        ]
        assert runs.list_runs(ctx, dag_id="shop", states=[DagRunState.SUCCESS]) == []

    def test_an_unknown_state_name_is_an_invalid_request_listing_the_states(self) -> None:
        """Given a state name that is no run state, then the error names it and lists the run states."""
        with pytest.raises(InvalidRequest) as raised:
            runs.run_states(["done"])

        assert str(raised.value) == "--state 'done' is not one of queued, running, success, failed."

    def test_a_negative_offset_is_refused(self, ctx: ServiceContext) -> None:
        with pytest.raises(InvalidRequest, match="cannot be negative"):
            runs.list_runs(ctx, dag_id="shop", offset=-1)

    def test_getting_an_unknown_run_is_not_found_naming_the_dag_and_the_fix(self, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound) as raised:
            runs.get_run(ctx, dag_id="shop", run_id="nope")

        assert str(raised.value) == "DAG 'shop' has no run 'nope'; `headwater dags list-runs shop` lists them."
        assert (raised.value.dag_id, raised.value.run_id) == ("shop", "nope")


class TestTaskInstances:
    def test_the_instances_of_a_run_come_by_task_id_and_map_index(self, shop: Home, ctx: ServiceContext) -> None:
        found = task_instances.list_task_instances(ctx, dag_id="shop", run_id=run_id(2))

        assert [(i.task_id, i.map_index, i.state) for i in found] == [
            ("bad", -1, TaskState.FAILED),
            ("double", 0, TaskState.SUCCESS),
            ("double", 1, TaskState.SUCCESS),
            ("join", -1, TaskState.UPSTREAM_FAILED),
            ("left", -1, TaskState.SUCCESS),
            ("pick", -1, TaskState.SUCCESS),
            ("right", -1, TaskState.SKIPPED),
            ("total", -1, TaskState.SUCCESS),
        ]
        page = task_instances.list_task_instances(ctx, dag_id="shop", run_id=run_id(2), limit=2, offset=1)
        assert [(i.task_id, i.map_index) for i in page] == [("double", 0), ("double", 1)]

    def test_the_instances_of_an_unknown_run_are_not_found(self, shop: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound, match="DAG 'shop' has no run 'manual__1999'"):
            task_instances.list_task_instances(ctx, dag_id="shop", run_id="manual__1999")

    def test_a_mapped_task_without_its_index_is_refused_with_the_range(self, shop: Home, ctx: ServiceContext) -> None:
        with pytest.raises(MappedTaskNeedsIndex) as raised:
            task_instances.get_task_instance(ctx, dag_id="shop", run_id=run_id(2), task_id="double")

        assert str(raised.value) == f"Task 'double' of run '{run_id(2)}' is mapped: pass --map-index N (0 to 1)."
        assert (raised.value.first, raised.value.last) == (0, 1)
        one = task_instances.get_task_instance(ctx, dag_id="shop", run_id=run_id(2), task_id="double", map_index=1)
        assert (one.task_id, one.map_index, one.state) == ("double", 1, TaskState.SUCCESS)

    def test_an_unknown_task_is_not_found_saying_how_to_list_them(self, shop: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound) as raised:
            task_instances.get_task_instance(ctx, dag_id="shop", run_id=run_id(2), task_id="nope")

        assert str(raised.value) == (
            f"Run {run_id(2)!r} of DAG 'shop' has no task instance 'nope' (map index -1); "
            f"`headwater tasks states-for-dag-run shop {run_id(2)}` lists them."
        )
        assert raised.value.task_id == "nope"


class TestXComs:
    def test_a_pushed_value_comes_with_its_type_size_and_place(self, shop: Home, ctx: ServiceContext) -> None:
        [record] = xcoms.list_xcoms(ctx, dag_id="shop", run_id=run_id(2), task_id="total")

        assert (record.key, record.map_index, record.value, record.location) == (
            "return_value",
            -1,
            {"sum": 3},
            "database",
        )
        assert record.type == "dict"
        assert record.size is not None and record.size > 0

    def test_mapped_xcoms_filter_by_map_index_and_key(self, shop: Home, ctx: ServiceContext) -> None:
        every = xcoms.list_xcoms(ctx, dag_id="shop", run_id=run_id(2), task_id="double")
        one = xcoms.list_xcoms(ctx, dag_id="shop", run_id=run_id(2), task_id="double", map_index=1)

        assert [(r.map_index, r.value) for r in every] == [(0, 2), (1, 4)]
        assert [(r.map_index, r.value) for r in one] == [(1, 4)]
        assert xcoms.list_xcoms(ctx, dag_id="shop", run_id=run_id(2), task_id="double", key="other") == []

    def test_a_task_the_run_lacks_is_not_found(self, shop: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound) as raised:
            xcoms.list_xcoms(ctx, dag_id="shop", run_id=run_id(2), task_id="nope")

        assert str(raised.value) == (
            f"Run {run_id(2)!r} of DAG 'shop' has no task 'nope'; "
            f"`headwater tasks states-for-dag-run shop {run_id(2)}` lists its tasks."
        )


class TestWhy:
    def test_a_rule_decision_and_its_chain_are_records(self, shop: Home, ctx: ServiceContext) -> None:
        """Given join upstream_failed by bad, when it is explained with its chain, then the first step holds
        the recorded rule decision and the second is bad, the root cause."""
        explained = why.explain(ctx, dag_id="shop", run_id=run_id(2), task_id="join", chain=True)

        step = explained.step
        assert (step.state, step.reason) == ("upstream_failed", "all_success: 1/2 upstream failed")
        assert step.decision is not None
        assert (step.decision["rule"], step.decision["fired_by"]) == ("all_success", ["bad"])
        assert step.decided_in == step.decision["pass"]
        assert [(s.label, s.state) for s in explained.steps] == [("join", "upstream_failed"), ("bad", "failed")]

    def test_a_branch_skip_names_the_branch_as_its_cause(self, shop: Home, ctx: ServiceContext) -> None:
        explained = why.explain(ctx, dag_id="shop", run_id=run_id(2), task_id="right", chain=True)

        assert explained.step.decision == {"kind": "branch", "by": "pick"}
        assert explained.step.decided_in is None  # an operator's skip comes from its try, not a pass
        assert [s.label for s in explained.steps] == ["right", "pick"]

    def test_without_chain_only_the_instance_is_explained(self, shop: Home, ctx: ServiceContext) -> None:
        explained = why.explain(ctx, dag_id="shop", run_id=run_id(2), task_id="join")

        assert [s.label for s in explained.steps] == ["join"]
        assert explained.chained is False


class TestLogs:
    def test_the_latest_try_log_is_found_and_streamed_in_bounded_lines(self, shop: Home, ctx: ServiceContext) -> None:
        """Given the log a worker wrote for left's try (dags test logs to the terminal, not to files), when
        it is asked for, then the latest try's file is found and a line above [logging] max_log_line_bytes
        comes in pieces no longer than the limit."""
        limit = ctx.settings.max_log_line_bytes
        written = log_path(ctx.settings.home / "logs", "shop", run_id(2), "left", -1, 1)
        written.parent.mkdir(parents=True)
        written.write_text("went left\n" + "x" * (limit + 10) + "\n")

        found = logs.log_file(ctx, dag_id="shop", run_id=run_id(2), task_id="left")
        lines = list(logs.read_log(ctx, found))

        assert (found.try_number, found.path) == (1, written)
        assert lines[0] == "went left\n"
        assert lines[1] == "x" * limit + split_marker(limit) + "\n"
        assert lines[2:] == ["x" * 10 + "\n"]

    def test_a_task_that_never_ran_has_no_log(self, shop: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound) as raised:
            logs.log_file(ctx, dag_id="shop", run_id=run_id(2), task_id="right")

        assert str(raised.value) == f"Task 'right' of run {run_id(2)!r} has not run yet (state: skipped)."

    def test_a_try_that_did_not_happen_has_no_log(self, shop: Home, ctx: ServiceContext) -> None:
        with pytest.raises(NotFound, match="No log for try 2 of 'left' at "):
            logs.log_file(ctx, dag_id="shop", run_id=run_id(2), task_id="left", try_number=2)


class TestDags:
    def test_the_folder_lists_dags_with_lint_counts_and_import_errors(self, home: Home) -> None:
        home.write_dag(SHOP, "shop.py")
        broken = home.write_dag("from headwater import DAG\nraise RuntimeError('half written')\n", "broken.py")

        listing = dags.list_dags(home.settings)

        [shop] = listing.dags
        assert (shop.dag_id, shop.schedule, shop.tasks, shop.fileloc) == (
            "shop",
            "@daily",
            7,
            str(home.settings.dags_folder / "shop.py"),
        )
        assert (shop.lint_errors, shop.lint_warnings) == (0, 0)
        assert list(listing.import_errors) == [str(broken)]
        assert "half written" in listing.import_errors[str(broken)]

    def test_an_unknown_lint_code_is_refused_listing_the_codes(self, home: Home) -> None:
        with pytest.raises(InvalidRequest) as raised:
            dags.lint(home.settings, select=["hw001", "HW999"])

        assert str(raised.value).startswith("--select: unknown code(s) HW999; the codes are HW001, HW002,")

    @pytest.mark.filterwarnings("ignore:Trigger rule 'none_failed_or_skipped' is deprecated")
    def test_lint_keeps_only_the_selected_codes(self, home: Home) -> None:
        home.write_dag(
            """
            import datetime as dt
            from headwater import DAG
            from headwater.operators.empty import EmptyOperator

            with DAG("legacy", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
                EmptyOperator(task_id="a") >> EmptyOperator(task_id="b", trigger_rule="none_failed_or_skipped")
            """,
            "legacy.py",
        )

        everything = dags.lint(home.settings)
        none = dags.lint(home.settings, select=["HW001"])

        assert [(f.code, f.task_ids) for f in everything.findings] == [("HW006", ("b",))]
        assert (everything.errors, everything.dag_count) == (0, 1)
        assert none.findings == []
