"""The try history (``task_instance_history``) and the stored DAG documents (``serialized_dag``), written
once in ``HistoryContract`` and run on SQLite and on PostgreSQL (skipped without a server, except in CI)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from headwater.model.states import DagRunState, TaskState
from headwater.store import tables as t
from headwater.store.records import DagRunRecord, RunChanges, TaskInstanceRecord
from headwater.store.sql import SqlStore
from headwater.store.sql_dags import DagEntry
from headwater.store.sql_scheduling import TryEnd
from headwater.store.sql_serialized import DagDocument

T0 = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def dag_id() -> str:
    return f"history_{uuid.uuid4().hex[:10]}"


def make_run(dag_id: str) -> DagRunRecord:
    return DagRunRecord(dag_id, "manual__1", "manual", T0, T0, T0, state=DagRunState.RUNNING, start_date=T0)


def ended(state: TaskState, minutes: int, reason: str = "") -> TryEnd:
    return TryEnd(state, reason, at(minutes), 60.0, None, [], [])


def tries(store: SqlStore, dag_id: str, task_id: str = "flaky") -> list[tuple[int, str | None, str | None]]:
    return [
        (r.try_number, r.state.value if r.state else None, r.hostname)
        for r in store.task_tries(dag_id, "manual__1", task_id)
    ]


def document(dag_id: str, tasks: list[str]) -> dict[str, object]:
    return {"__version": 1, "dag": {"dag_id": dag_id, "tasks": tasks}}


class HistoryContract:
    """What the SQL store keeps of every try and every DAG document. A subclass provides ``store``."""

    # -- tries -------------------------------------------------------------------------------------

    def test_a_failed_try_and_its_successful_retry_are_both_kept(self, store: SqlStore, dag_id: str) -> None:
        """Given a try that fails into up_for_retry and a second try that succeeds, each recorded by its
        worker, then the instance has two tries: 1 failed (as Airflow's history shows a retried try) and 2
        success, each with its host, pid, dates and reason."""
        run = make_run(dag_id)
        store.start_run(
            run, [TaskInstanceRecord(dag_id, run.run_id, "flaky", max_tries=1, operator="X")], replace=False
        )
        key = (dag_id, run.run_id, "flaky", -1)

        assert store.begin_try(key, try_number=1, queued_by=None, hostname="h1", pid=11, now=at(1))
        assert store.end_try(key, try_number=1, pid=11, end=ended(TaskState.UP_FOR_RETRY, 2, "boom; retrying"))
        assert store.begin_try(key, try_number=2, queued_by=None, hostname="h2", pid=22, now=at(3))
        assert store.end_try(key, try_number=2, pid=22, end=ended(TaskState.SUCCESS, 4))

        assert tries(store, dag_id) == [(1, "failed", "h1"), (2, "success", "h2")]
        first, second = store.task_tries(dag_id, run.run_id, "flaky")
        assert (first.start_date, first.end_date, first.pid, first.reason) == (at(1), at(2), 11, "boom; retrying")
        assert (first.operator, first.max_tries, first.pool) == ("X", 1, "default_pool")
        assert (second.start_date, second.end_date, second.pid) == (at(3), at(4), 22)
        assert first.recorded_at is not None and second.recorded_at is not None

    def test_the_try_under_way_is_listed_last_from_the_live_instance(self, store: SqlStore, dag_id: str) -> None:
        """Given a first try that failed and a second one running, then the tries are the recorded first one
        and the running second one, read from the instance (not recorded yet)."""
        run = make_run(dag_id)
        store.start_run(run, [TaskInstanceRecord(dag_id, run.run_id, "flaky", max_tries=1)], replace=False)
        key = (dag_id, run.run_id, "flaky", -1)
        store.begin_try(key, try_number=1, queued_by=None, hostname="h1", pid=11, now=at(1))
        store.end_try(key, try_number=1, pid=11, end=ended(TaskState.UP_FOR_RETRY, 2))
        store.begin_try(key, try_number=2, queued_by=None, hostname="h2", pid=22, now=at(3))

        assert tries(store, dag_id) == [(1, "failed", "h1"), (2, "running", "h2")]
        assert store.task_tries(dag_id, run.run_id, "flaky")[-1].recorded_at is None

    def test_a_lost_try_is_kept_after_a_later_success(self, store: SqlStore, dag_id: str) -> None:
        """Given a running try declared lost (up for retry) and a retry that succeeds, then both tries are
        listed and the lost one keeps why it was lost."""
        run = make_run(dag_id)
        store.start_run(run, [TaskInstanceRecord(dag_id, run.run_id, "flaky", max_tries=1)], replace=False)
        key = (dag_id, run.run_id, "flaky", -1)
        store.begin_try(key, try_number=1, queued_by=None, hostname="h1", pid=11, now=at(1))
        store.end_lost_try(
            key, try_number=1, state=TaskState.UP_FOR_RETRY, reason="lost: no heartbeat", now=at(5), next_retry_at=None
        )
        store.begin_try(key, try_number=2, queued_by=None, hostname="h2", pid=22, now=at(6))
        store.end_try(key, try_number=2, pid=22, end=ended(TaskState.SUCCESS, 7))

        first, second = store.task_tries(dag_id, run.run_id, "flaky")
        assert (first.try_number, first.state, first.reason, first.end_date) == (
            1,
            TaskState.FAILED,
            "lost: no heartbeat",
            at(5),
        )
        assert (second.try_number, second.state) == (2, TaskState.SUCCESS)

    def test_clearing_keeps_every_try_and_records_a_running_one_as_failed(self, store: SqlStore, dag_id: str) -> None:
        """Given a finished try, then a clear, a second try and a clear while it runs (Airflow records the
        running try as failed), then both tries are kept once each, however often the task is cleared."""
        run = make_run(dag_id)
        store.start_run(run, [TaskInstanceRecord(dag_id, run.run_id, "flaky")], replace=False)
        key = (dag_id, run.run_id, "flaky", -1)
        store.begin_try(key, try_number=1, queued_by=None, hostname="h1", pid=11, now=at(1))
        store.end_try(key, try_number=1, pid=11, end=ended(TaskState.SUCCESS, 2))
        store.clear_instances(run, {"flaky": 0})
        store.begin_try(key, try_number=2, queued_by=None, hostname="h2", pid=22, now=at(3))

        store.clear_instances(run, {"flaky": 0})
        store.clear_instances(run, {"flaky": 0})

        assert tries(store, dag_id) == [(1, "success", "h1"), (2, "failed", "h2")]
        assert store.instance(*key).state is None  # type: ignore[union-attr]

    def test_a_pass_that_ends_a_try_records_it_in_the_same_write(self, store: SqlStore, dag_id: str) -> None:
        """Given ``dags test``'s kind of write (a pass records a try's end while its retry already runs),
        then the ended try is recorded as it ended, and an instance the pass decided without running it
        (upstream_failed, no try) has no try."""
        run = make_run(dag_id)
        store.start_run(
            run,
            [TaskInstanceRecord(dag_id, run.run_id, "flaky"), TaskInstanceRecord(dag_id, run.run_id, "after")],
            replace=False,
        )
        ended_try = TaskInstanceRecord(
            dag_id,
            run.run_id,
            "flaky",
            state=TaskState.UP_FOR_RETRY,
            try_number=1,
            start_date=at(1),
            end_date=at(2),
            reason="boom; retrying",
        )
        retrying = TaskInstanceRecord(
            dag_id, run.run_id, "flaky", state=TaskState.RUNNING, try_number=2, start_date=at(3)
        )
        never = TaskInstanceRecord(dag_id, run.run_id, "after", state=TaskState.UPSTREAM_FAILED)

        store.record(RunChanges(dag_id, run.run_id, instances=[retrying, never], ended_tries=[ended_try]))
        store.record(RunChanges(dag_id, run.run_id, ended_tries=[ended_try]))  # said twice: recorded once

        first, second = store.task_tries(dag_id, run.run_id, "flaky")
        assert (first.try_number, first.state, first.start_date, first.end_date, first.reason) == (
            1,
            TaskState.FAILED,
            at(1),
            at(2),
            "boom; retrying",
        )
        assert (second.try_number, second.state, second.recorded_at) == (2, TaskState.RUNNING, None)
        assert tries(store, dag_id, "after") == []

    def test_replacing_or_cleaning_a_run_forgets_its_tries(self, store: SqlStore, dag_id: str) -> None:
        """Given a run with a recorded try, when the run is replaced, then its tries go with it; a run that
        ``db clean`` deletes loses its tries too."""
        run = make_run(dag_id)
        store.start_run(run, [TaskInstanceRecord(dag_id, run.run_id, "flaky")], replace=False)
        key = (dag_id, run.run_id, "flaky", -1)
        store.begin_try(key, try_number=1, queued_by=None, hostname="h1", pid=11, now=at(1))
        store.end_try(key, try_number=1, pid=11, end=ended(TaskState.SUCCESS, 2))

        store.start_run(run, [TaskInstanceRecord(dag_id, run.run_id, "flaky")], replace=True)
        assert store.run_tries(dag_id, run.run_id) == []

        store.begin_try(key, try_number=1, queued_by=None, hostname="h1", pid=11, now=at(1))
        store.end_try(key, try_number=1, pid=11, end=ended(TaskState.SUCCESS, 2))
        store.record(
            RunChanges(
                dag_id,
                run.run_id,
                run=DagRunRecord(**{**run.__dict__, "state": DagRunState.SUCCESS, "end_date": at(3)}),
            )
        )
        report = store.clean(at(60 * 24 * 400))
        assert (dag_id, run.run_id) in report.runs
        assert store.run_tries(dag_id, run.run_id) == []

    # -- DAG documents -----------------------------------------------------------------------------

    def test_a_document_is_written_once_and_again_only_when_something_in_it_changed(
        self, store: SqlStore, dag_id: str
    ) -> None:
        """Given a stored document, when the same document is written again, then nothing is written (its
        time stays); a changed document, file digest or lint finding is written."""
        first = DagDocument(dag_id, "/dags/a.py", "d1", document(dag_id, ["a"]), [])
        assert store.write_serialized_dags([first], at(1)) == [dag_id]

        assert store.write_serialized_dags([first], at(2)) == []
        assert store.serialized_dag(dag_id).last_updated == at(1)  # type: ignore[union-attr]

        finding = {"code": "HW006", "message": "deprecated alias"}
        for when, changed in enumerate(
            [
                DagDocument(dag_id, "/dags/a.py", "d1", document(dag_id, ["a", "b"]), []),
                DagDocument(dag_id, "/dags/a.py", "d2", document(dag_id, ["a", "b"]), []),
                DagDocument(dag_id, "/dags/a.py", "d2", document(dag_id, ["a", "b"]), [finding]),
            ],
            start=3,
        ):
            assert store.write_serialized_dags([changed], at(when)) == [dag_id]
        stored = store.serialized_dag(dag_id)
        assert stored is not None
        assert (stored.data, stored.file_digest, stored.lint, stored.last_updated) == (
            document(dag_id, ["a", "b"]),
            "d2",
            [finding],
            at(5),
        )
        assert store.dag_hashes()[dag_id] == stored.dag_hash
        assert [r.dag_id for r in store.serialized_dags([dag_id, "nope"])] == [dag_id]
        assert store.serialized_dag(f"{dag_id}_never") is None

    def test_a_dag_no_longer_parsed_is_inactive_and_keeps_its_document(self, store: SqlStore, dag_id: str) -> None:
        """Given two recorded DAGs with documents, when only one is still parsed, then the other is marked
        inactive once (its document stays), and active again when its file defines it again."""
        other = f"{dag_id}_other"
        store.sync_dags([DagEntry(d, f"/dags/{d}.py", "None", False) for d in (dag_id, other)], at(0))
        store.write_serialized_dags([DagDocument(other, "/dags/o.py", None, document(other, []))], at(0))

        assert other in store.deactivate_dags([dag_id])
        assert other not in store.deactivate_dags([dag_id])

        assert store.dag_entry(other)["is_active"] is False  # type: ignore[index]
        assert store.dag_entry(dag_id)["is_active"] is True  # type: ignore[index]
        assert store.serialized_dag(other) is not None
        store.sync_dags([DagEntry(other, "/dags/o.py", "None", False)], at(1))
        assert store.dag_entry(other)["is_active"] is True  # type: ignore[index]


class TestSqliteHistory(HistoryContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        yield store
        store.close()


class TestPostgresHistory(HistoryContract):
    @pytest.fixture
    def store(self, postgres_session_database: str, dag_id: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_session_database)
        yield store
        with store.engine.begin() as conn:
            for table in (t.xcom, t.task_instance, t.dag_run, t.task_instance_history, t.serialized_dag, t.dag):
                conn.execute(delete(table).where(table.c.dag_id.startswith(dag_id)))
        store.close()
