"""The Store contract (headwater.store.records.Store), written once in ``StoreContract`` and run against
every backend: MemoryStore, SqlStore on SQLite, and SqlStore on PostgreSQL (skipped when no server is
reachable, except under CI=true).

Each test uses its own DAG ids and file names, so a shared PostgreSQL database stays usable; the rows a
test wrote are deleted after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import delete

from headwater.model.states import DagRunState, TaskState
from headwater.store import MemoryStore, Store, open_store
from headwater.store import tables as t
from headwater.store.records import DagRunRecord, RunChanges, TaskInstanceRecord, XComRow
from headwater.store.sql import SqlStore

T0 = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@dataclass(frozen=True)
class Ids:
    """Names unique to one test."""

    dag_id: str
    other_dag_id: str
    file_prefix: str


@pytest.fixture
def ids() -> Ids:
    token = uuid.uuid4().hex[:10]
    return Ids(f"contract_{token}", f"contract_{token}_other", f"/dags/contract_{token}")


def make_run(dag_id: str, day: int = 2, *, state: DagRunState = DagRunState.RUNNING) -> DagRunRecord:
    logical = dt.datetime(2024, 1, day, tzinfo=dt.UTC)
    return DagRunRecord(
        dag_id=dag_id,
        run_id=f"scheduled__{logical.isoformat()}",
        run_type="scheduled",
        logical_date=logical,
        data_interval_start=logical,
        data_interval_end=logical + dt.timedelta(days=1),
        external_trigger=False,
        conf={"region": "eu", "limit": 3, "nested": {"ok": True}},
        state=state,
        start_date=logical + dt.timedelta(hours=1),
    )


def make_ti(run: DagRunRecord, task_id: str, map_index: int = -1, **fields: object) -> TaskInstanceRecord:
    return TaskInstanceRecord(run.dag_id, run.run_id, task_id, map_index, operator="EmptyOperator", **fields)  # type: ignore[arg-type]


def make_xcom(run: DagRunRecord, task_id: str, key: str, value: bytes, map_index: int = -1) -> XComRow:
    return XComRow(run.dag_id, run.run_id, task_id, map_index, key, value, at(5))


def by_key(instances: list[TaskInstanceRecord]) -> dict[tuple[str, int], TaskInstanceRecord]:
    return {(i.task_id, i.map_index): i for i in instances}


def xcom_keys(rows: list[XComRow]) -> dict[tuple[str, int, str], bytes]:
    return {(r.task_id, r.map_index, r.key): bytes(r.value) for r in rows}


class StoreContract:
    """What every Store must do. A subclass provides the ``store`` fixture."""

    # -- start_run ---------------------------------------------------------------------------------

    def test_start_run_records_the_run_and_its_instances(self, store: Store, ids: Ids) -> None:
        """Given an empty store, when a run with two instances is started, then both read back as written and
        start_run says nothing was replaced."""
        run = make_run(ids.dag_id)
        instances = [make_ti(run, "extract"), make_ti(run, "load", max_tries=2)]

        replaced = store.start_run(run, instances, replace=False)

        assert replaced is False
        assert store.get_run(ids.dag_id, run.run_id) == run
        assert by_key(store.task_instances(ids.dag_id, run.run_id)) == by_key(instances)
        assert store.xcoms(ids.dag_id, run.run_id) == []

    def test_a_large_xcom_value_and_small_ones_written_together_read_back_exactly(self, store: Store, ids: Ids) -> None:
        """Given a 20 MB value (above the size SQLite streams in) and two small ones, when one pass records
        them, then each reads back byte for byte."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "big"), make_ti(run, "small")], replace=False)
        big = bytes(range(256)) * (20 * 1024 * 1024 // 256) + b"end"
        rows = [make_xcom(run, "big", "return_value", big), make_xcom(run, "small", "a", b"1")]
        rows.append(make_xcom(run, "small", "b", b"2"))

        store.record(RunChanges(ids.dag_id, run.run_id, xcoms_added=rows))

        assert xcom_keys(store.xcoms(ids.dag_id, run.run_id)) == {
            ("big", -1, "return_value"): big,
            ("small", -1, "a"): b"1",
            ("small", -1, "b"): b"2",
        }

    def test_unknown_runs_read_as_nothing(self, store: Store, ids: Ids) -> None:
        """Given an empty store, when an unknown run is read, then it is None with no instances or XComs."""
        assert store.get_run(ids.dag_id, "nope") is None
        assert store.task_instances(ids.dag_id, "nope") == []
        assert store.xcoms(ids.dag_id, "nope") == []

    def test_starting_an_existing_run_without_replace_is_refused(self, store: Store, ids: Ids) -> None:
        """Given a stored run, when the same run id is started again without replace, then a ValueError names
        the DAG and run, and the stored run is unchanged."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a")], replace=False)

        with pytest.raises(ValueError) as caught:
            store.start_run(replace(run, conf={}), [make_ti(run, "b")], replace=False)

        assert str(caught.value) == f"DAG {ids.dag_id!r} already has a run {run.run_id!r}."
        assert store.get_run(ids.dag_id, run.run_id) == run
        assert [i.task_id for i in store.task_instances(ids.dag_id, run.run_id)] == ["a"]

    def test_replace_drops_the_earlier_run_with_its_instances_and_xcoms(self, store: Store, ids: Ids) -> None:
        """Given a finished run with instances and XComs, when the same run id is started with replace, then
        only the new run and its instances remain, without XComs, and start_run says it replaced one."""
        old = make_run(ids.dag_id)
        store.start_run(old, [make_ti(old, "a"), make_ti(old, "gone")], replace=False)
        store.record(
            RunChanges(
                ids.dag_id,
                old.run_id,
                xcoms_added=[make_xcom(old, "a", "return_value", b"1")],
                run=replace(old, state=DagRunState.FAILED, end_date=at(30), reason="leaf task(s) failed: a=failed"),
            )
        )
        new = replace(old, conf={"second": True}, state=DagRunState.RUNNING, start_date=at(60))

        replaced = store.start_run(new, [make_ti(new, "a")], replace=True)

        assert replaced is True
        assert store.get_run(ids.dag_id, old.run_id) == new
        assert by_key(store.task_instances(ids.dag_id, old.run_id)) == {("a", -1): make_ti(new, "a")}
        assert store.xcoms(ids.dag_id, old.run_id) == []

    def test_replace_of_a_run_that_does_not_exist_just_starts_it(self, store: Store, ids: Ids) -> None:
        """Given an empty store, when a run is started with replace, then it is stored and nothing was replaced."""
        run = make_run(ids.dag_id)
        assert store.start_run(run, [], replace=True) is False
        assert store.get_run(ids.dag_id, run.run_id) == run

    def test_replace_leaves_other_runs_alone(self, store: Store, ids: Ids) -> None:
        """Given runs on two days and of another DAG, when one is replaced, then the others keep their instances."""
        first, second, other = make_run(ids.dag_id, 2), make_run(ids.dag_id, 3), make_run(ids.other_dag_id, 2)
        for run in (first, second, other):
            store.start_run(run, [make_ti(run, "a")], replace=False)

        store.start_run(first, [], replace=True)

        assert store.task_instances(ids.dag_id, first.run_id) == []
        assert [i.task_id for i in store.task_instances(ids.dag_id, second.run_id)] == ["a"]
        assert [i.task_id for i in store.task_instances(ids.other_dag_id, other.run_id)] == ["a"]

    def test_a_started_run_is_a_snapshot_of_the_records_given(self, store: Store, ids: Ids) -> None:
        """Given a started run, when the caller changes its own record objects afterwards, then the store still
        holds what was written (as a database does) until record() is called."""
        run = make_run(ids.dag_id)
        ti = make_ti(run, "a")
        store.start_run(run, [ti], replace=False)

        run.state = DagRunState.FAILED
        ti.state, ti.try_number = TaskState.RUNNING, 1

        assert store.get_run(ids.dag_id, run.run_id).state is DagRunState.RUNNING  # type: ignore[union-attr]
        assert store.task_instances(ids.dag_id, run.run_id)[0].state is None

    def test_records_read_back_are_not_the_stores_own(self, store: Store, ids: Ids) -> None:
        """Given a stored run, when the caller changes the records it read, then a second read is unchanged."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a")], replace=False)

        store.get_run(ids.dag_id, run.run_id).state = DagRunState.FAILED  # type: ignore[union-attr]
        store.task_instances(ids.dag_id, run.run_id)[0].state = TaskState.SUCCESS

        assert store.get_run(ids.dag_id, run.run_id).state is DagRunState.RUNNING  # type: ignore[union-attr]
        assert store.task_instances(ids.dag_id, run.run_id)[0].state is None

    # -- record ------------------------------------------------------------------------------------

    def test_record_updates_every_field_of_existing_instances(self, store: Store, ids: Ids) -> None:
        """Given a started run, when a pass records new values for an instance, then every field reads back
        and the other instance is untouched."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a"), make_ti(run, "b")], replace=False)
        done = make_ti(
            run,
            "a",
            state=TaskState.UP_FOR_RETRY,
            try_number=1,
            max_tries=3,
            start_date=at(1),
            end_date=at(2),
            duration=60.5,
            reason="try 1 of 4 failed (RuntimeError: boom); retrying after 0:00:00",
            pass_number=2,
        )

        store.record(RunChanges(ids.dag_id, run.run_id, instances=[done]))

        assert by_key(store.task_instances(ids.dag_id, run.run_id)) == {("a", -1): done, ("b", -1): make_ti(run, "b")}

    def test_record_inserts_new_and_deletes_removed_instances(self, store: Store, ids: Ids) -> None:
        """Given a mapped task's unindexed instance, when its expansion is recorded (instance removed, three
        indexed ones new), then exactly the indexed ones remain."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "upstream"), make_ti(run, "mapped")], replace=False)
        expanded = [make_ti(run, "mapped", i) for i in range(3)]

        store.record(RunChanges(ids.dag_id, run.run_id, new_instances=expanded, removed_instances=[("mapped", -1)]))

        assert sorted(by_key(store.task_instances(ids.dag_id, run.run_id))) == [
            ("mapped", 0),
            ("mapped", 1),
            ("mapped", 2),
            ("upstream", -1),
        ]

    def test_new_instances_can_be_updated_in_a_later_pass(self, store: Store, ids: Ids) -> None:
        """Given an inserted mapped instance, when a later pass records it as succeeded, then it reads back so."""
        run = make_run(ids.dag_id)
        store.start_run(run, [], replace=False)
        store.record(RunChanges(ids.dag_id, run.run_id, new_instances=[make_ti(run, "mapped", 0)]))
        finished = make_ti(run, "mapped", 0, state=TaskState.SUCCESS, try_number=1, reason="ran and succeeded")

        store.record(RunChanges(ids.dag_id, run.run_id, instances=[finished]))

        assert store.task_instances(ids.dag_id, run.run_id) == [finished]

    def test_record_adds_xcoms(self, store: Store, ids: Ids) -> None:
        """Given a started run, when XCom rows are added, then they read back with their keys, map indexes,
        bytes and timestamps."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a")], replace=False)
        rows = [
            make_xcom(run, "a", "return_value", b'{"x":1}'),
            make_xcom(run, "a", "extra", b'"two"'),
            make_xcom(run, "m", "return_value", b"3", map_index=0),
        ]

        store.record(RunChanges(ids.dag_id, run.run_id, xcoms_added=rows))

        read = sorted(store.xcoms(ids.dag_id, run.run_id), key=lambda r: (r.task_id, r.map_index, r.key))
        assert [replace(r, value=bytes(r.value)) for r in read] == sorted(
            rows, key=lambda r: (r.task_id, r.map_index, r.key)
        )

    def test_clearing_xcoms_drops_only_that_instances_rows(self, store: Store, ids: Ids) -> None:
        """Given XComs of a, b and a mapped instance, when a's are cleared, then b's and the mapped one's stay."""
        run = make_run(ids.dag_id)
        store.start_run(run, [], replace=False)
        store.record(
            RunChanges(
                ids.dag_id,
                run.run_id,
                xcoms_added=[
                    make_xcom(run, "a", "return_value", b"1"),
                    make_xcom(run, "a", "extra", b"2"),
                    make_xcom(run, "a", "return_value", b"3", map_index=0),
                    make_xcom(run, "b", "return_value", b"4"),
                ],
            )
        )

        store.record(RunChanges(ids.dag_id, run.run_id, xcoms_cleared=[("a", -1)]))

        assert xcom_keys(store.xcoms(ids.dag_id, run.run_id)) == {
            ("a", 0, "return_value"): b"3",
            ("b", -1, "return_value"): b"4",
        }

    def test_xcoms_cleared_and_added_in_one_pass_leave_the_new_rows(self, store: Store, ids: Ids) -> None:
        """Given a's XCom from try 1, when one pass clears a's XComs and adds try 2's, then only try 2's remain."""
        run = make_run(ids.dag_id)
        store.start_run(run, [], replace=False)
        store.record(RunChanges(ids.dag_id, run.run_id, xcoms_added=[make_xcom(run, "a", "return_value", b'"try1"')]))

        store.record(
            RunChanges(
                ids.dag_id,
                run.run_id,
                xcoms_cleared=[("a", -1)],
                xcoms_added=[make_xcom(run, "a", "return_value", b'"try2"')],
            )
        )

        assert xcom_keys(store.xcoms(ids.dag_id, run.run_id)) == {("a", -1, "return_value"): b'"try2"'}

    def test_record_updates_the_runs_state_end_and_reason(self, store: Store, ids: Ids) -> None:
        """Given a running run, when a pass records it finished, then state, end date and reason read back."""
        run = make_run(ids.dag_id)
        store.start_run(run, [], replace=False)
        finished = replace(run, state=DagRunState.SUCCESS, end_date=at(90), reason="every leaf task succeeded")

        store.record(RunChanges(ids.dag_id, run.run_id, run=finished))

        assert store.get_run(ids.dag_id, run.run_id) == finished

    def test_one_record_applies_every_kind_of_change_together(self, store: Store, ids: Ids) -> None:
        """Given a started run, when one RunChanges carries updates, inserts, removals, XComs and the run's end,
        then all of them are visible afterwards."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a"), make_ti(run, "m")], replace=False)
        done_a = make_ti(run, "a", state=TaskState.SUCCESS, try_number=1)
        finished = replace(run, state=DagRunState.SUCCESS, end_date=at(9), reason="done")

        store.record(
            RunChanges(
                ids.dag_id,
                run.run_id,
                instances=[done_a],
                new_instances=[make_ti(run, "m", 0, state=TaskState.SKIPPED)],
                removed_instances=[("m", -1)],
                xcoms_added=[make_xcom(run, "a", "return_value", b"7")],
                run=finished,
            )
        )

        assert by_key(store.task_instances(ids.dag_id, run.run_id)) == {
            ("a", -1): done_a,
            ("m", 0): make_ti(run, "m", 0, state=TaskState.SKIPPED),
        }
        assert xcom_keys(store.xcoms(ids.dag_id, run.run_id)) == {("a", -1, "return_value"): b"7"}
        assert store.get_run(ids.dag_id, run.run_id) == finished

    def test_an_empty_record_changes_nothing(self, store: Store, ids: Ids) -> None:
        """Given a started run, when an empty RunChanges is recorded, then the run and its instances are as before."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a")], replace=False)

        store.record(RunChanges(ids.dag_id, run.run_id))

        assert store.get_run(ids.dag_id, run.run_id) == run
        assert store.task_instances(ids.dag_id, run.run_id) == [make_ti(run, "a")]

    def test_record_touches_only_its_own_run(self, store: Store, ids: Ids) -> None:
        """Given the same task in two runs, when one run's instance and XComs change, then the other's do not."""
        mine, theirs = make_run(ids.dag_id, 2), make_run(ids.dag_id, 3)
        for run in (mine, theirs):
            store.start_run(run, [make_ti(run, "a")], replace=False)
            store.record(RunChanges(ids.dag_id, run.run_id, xcoms_added=[make_xcom(run, "a", "return_value", b"0")]))

        store.record(
            RunChanges(
                ids.dag_id,
                mine.run_id,
                instances=[make_ti(mine, "a", state=TaskState.FAILED, try_number=1)],
                xcoms_cleared=[("a", -1)],
                run=replace(mine, state=DagRunState.FAILED),
            )
        )

        assert store.get_run(ids.dag_id, theirs.run_id) == theirs
        assert store.task_instances(ids.dag_id, theirs.run_id) == [make_ti(theirs, "a")]
        assert xcom_keys(store.xcoms(ids.dag_id, theirs.run_id)) == {("a", -1, "return_value"): b"0"}

    # -- last_successful_run -----------------------------------------------------------------------

    def test_last_successful_run_is_the_latest_success_strictly_before(self, store: Store, ids: Ids) -> None:
        """Given successes on Jan 2 and 3, a failure on Jan 4, a success on Jan 5 and another DAG's success on
        Jan 4, when asked before Jan 5, then the answer is Jan 3's run."""
        runs = [
            make_run(ids.dag_id, 2, state=DagRunState.SUCCESS),
            make_run(ids.dag_id, 3, state=DagRunState.SUCCESS),
            make_run(ids.dag_id, 4, state=DagRunState.FAILED),
            make_run(ids.dag_id, 5, state=DagRunState.SUCCESS),
            make_run(ids.other_dag_id, 4, state=DagRunState.SUCCESS),
        ]
        for run in runs:
            store.start_run(run, [], replace=False)

        assert store.last_successful_run(ids.dag_id, dt.datetime(2024, 1, 5, tzinfo=dt.UTC)) == runs[1]

    def test_last_successful_run_counts_a_run_finished_by_record(self, store: Store, ids: Ids) -> None:
        """Given a run started as running, when it is recorded as succeeded, then it is the last successful run."""
        run = make_run(ids.dag_id, 2)
        store.start_run(run, [], replace=False)
        assert store.last_successful_run(ids.dag_id, dt.datetime(2024, 2, 1, tzinfo=dt.UTC)) is None

        finished = replace(run, state=DagRunState.SUCCESS, end_date=at(3), reason="ok")
        store.record(RunChanges(ids.dag_id, run.run_id, run=finished))

        assert store.last_successful_run(ids.dag_id, dt.datetime(2024, 2, 1, tzinfo=dt.UTC)) == finished

    def test_no_earlier_success_gives_none(self, store: Store, ids: Ids) -> None:
        """Given one success on Jan 2, when asked before Jan 2 (exactly), then there is none."""
        store.start_run(make_run(ids.dag_id, 2, state=DagRunState.SUCCESS), [], replace=False)
        assert store.last_successful_run(ids.dag_id, dt.datetime(2024, 1, 2, tzinfo=dt.UTC)) is None

    # -- import errors -----------------------------------------------------------------------------

    def test_import_errors_are_recorded_per_file_and_overwritten(self, store: Store, ids: Ids) -> None:
        """Given no errors, when two files' errors are recorded and one is recorded again, then each file maps
        to its latest message."""
        first, second = f"{ids.file_prefix}_a.py", f"{ids.file_prefix}_b.py"
        store.record_import_error(first, f"{first}:3: RuntimeError: old")
        store.record_import_error(second, f"{second}:1: SyntaxError: invalid syntax")
        store.record_import_error(first, f"{first}:4: RuntimeError: new")

        mine = {f: m for f, m in store.import_errors().items() if f.startswith(ids.file_prefix)}
        assert mine == {first: f"{first}:4: RuntimeError: new", second: f"{second}:1: SyntaxError: invalid syntax"}

    def test_clearing_an_import_error_forgets_that_file_only(self, store: Store, ids: Ids) -> None:
        """Given errors for two files, when one is cleared (and an unknown file cleared too), then only the
        other remains and nothing raises."""
        first, second = f"{ids.file_prefix}_a.py", f"{ids.file_prefix}_b.py"
        store.record_import_error(first, "a")
        store.record_import_error(second, "b")

        store.clear_import_error(first)
        store.clear_import_error(f"{ids.file_prefix}_never.py")

        mine = {f: m for f, m in store.import_errors().items() if f.startswith(ids.file_prefix)}
        assert mine == {second: "b"}


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        store = MemoryStore()
        yield store
        store.close()


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        yield store
        store.close()

    def test_reopening_the_file_keeps_everything(self, store: SqlStore, ids: Ids) -> None:
        """Given a run recorded in a SQLite file, when a second store opens the same URL, then it reads the run."""
        run = make_run(ids.dag_id)
        store.start_run(run, [make_ti(run, "a")], replace=False)

        again = SqlStore(store.url)
        try:
            assert again.get_run(ids.dag_id, run.run_id) == run
            assert again.task_instances(ids.dag_id, run.run_id) == [make_ti(run, "a")]
        finally:
            again.close()


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, postgres_session_database: str, ids: Ids) -> Iterator[Store]:
        store = SqlStore(postgres_session_database)
        yield store
        with store.engine.begin() as conn:
            for table in (t.xcom, t.task_instance, t.dag_run):
                conn.execute(delete(table).where(table.c.dag_id.in_([ids.dag_id, ids.other_dag_id])))
            conn.execute(delete(t.import_error).where(t.import_error.c.filename.startswith(ids.file_prefix)))
        store.close()


class TestOpenStore:
    def test_memory_url_gives_a_memory_store(self) -> None:
        """Given 'memory://', when a store is opened, then it is a MemoryStore."""
        assert isinstance(open_store("memory://"), MemoryStore)

    def test_a_sqlite_url_gives_a_migrated_sql_store(self, tmp_path: Path) -> None:
        """Given a SQLite URL in a folder that does not exist yet, when a store is opened, then the folder and
        schema are created."""
        store = open_store(f"sqlite:///{tmp_path / 'new' / 'headwater.db'}")
        try:
            assert isinstance(store, SqlStore)
            assert (tmp_path / "new" / "headwater.db").is_file()
            assert store.import_errors() == {}
        finally:
            store.close()
