"""What travels between the scheduler and remote workers: small JSON messages, notifications that fit
PostgreSQL's limit, and a DAG file checked against the one the scheduler parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum

from headwater.executors.base import EventKind, ExecutorEvent, WorkItem
from headwater.executors.dag_file_cache import DagFileCache
from headwater.executors.try_events import MAX_PAYLOAD, event_of, payload_of
from headwater.model.states import TaskState
from headwater.runtime.runner import TaskOutcome

ITEM = WorkItem(
    "load",
    3,
    2,
    dag_id="sales",
    run_id="manual__1",
    fileloc="team/sales.py",
    queued_by="abc",
    max_tries=4,
    queue="gpu",
    file_hash="f" * 64,
)


def _ended(skips: int) -> ExecutorEvent:
    now = pendulum.datetime(2024, 1, 1, tz="UTC")
    outcome = TaskOutcome("load", 3, TaskState.SUCCESS, 2, now, now.add(seconds=1), "ran and succeeded")
    skipped = [
        (f"downstream_task_number_{n:04d}", -1, "branch 'load' followed ['x']", {"kind": "branch"})
        for n in range(skips)
    ]
    return ExecutorEvent(ITEM, EventKind.ENDED, outcome, recorded=True, skipped=skipped)


def test_a_work_item_travels_as_plain_json_and_comes_back_whole() -> None:
    message = json.loads(json.dumps(ITEM.to_message()))

    assert WorkItem.from_message(message) == ITEM
    assert set(message) >= {"dag_id", "run_id", "task_id", "map_index", "try_number", "queue", "file_hash"}


def test_an_end_that_fits_a_notification_is_sent_whole() -> None:
    payload = payload_of(_ended(skips=3))
    event = event_of(payload)

    assert len(payload.encode()) <= MAX_PAYLOAD
    assert event is not None and event.kind is EventKind.ENDED
    assert event.outcome is not None and event.outcome.state is TaskState.SUCCESS
    assert [s[0] for s in event.skipped] == [f"downstream_task_number_{n:04d}" for n in range(3)]


def test_an_end_too_large_for_a_notification_says_to_read_the_store() -> None:
    payload = payload_of(_ended(skips=200))
    event = event_of(payload)

    assert len(payload.encode()) <= MAX_PAYLOAD
    assert event is not None and event.kind is EventKind.UNREPORTED
    assert event.item == ITEM


def test_a_malformed_notification_is_ignored_not_raised() -> None:
    assert event_of('{"item": {}}') is None
    assert event_of("not json") is None


DAG_FILE = """
from headwater import DAG
from headwater.operators.empty import EmptyOperator
with DAG("versioned", schedule=None):
    EmptyOperator(task_id="{task}")
"""


def test_a_worker_tells_when_its_copy_of_a_dag_file_is_not_the_one_the_scheduler_parsed(tmp_path: Path) -> None:
    path = tmp_path / "versioned.py"
    path.write_text(DAG_FILE.format(task="one"))
    cache = DagFileCache()
    parsed = cache.load(str(path)).digests[str(path.resolve())]

    assert cache.differs(str(path), parsed) is None
    path.write_text(DAG_FILE.format(task="two"))
    theirs = cache.differs(str(path), parsed)

    assert theirs is not None and theirs != parsed and len(theirs) == 64
    assert "two" in cache.dag(str(path), "versioned").task_dict  # the copy it compared is the one it loads


def test_a_dag_file_gets_the_same_module_name_wherever_its_dags_folder_is_mounted(tmp_path: Path) -> None:
    """Classes defined in DAG files are stored in XComs by module name; a worker that mounts the DAGs
    folder elsewhere must still find them."""
    from headwater.dagbag import DagBag

    here, there = tmp_path / "scheduler" / "dags", tmp_path / "worker" / "mnt" / "dags"
    for folder in (here, there):
        (folder / "team").mkdir(parents=True)
        (folder / "team" / "versioned.py").write_text(DAG_FILE.format(task="one"))

    on_scheduler = DagBag(here, root=here).module_name(here / "team" / "versioned.py")
    on_worker = (
        DagFileCache(root=there).load(str(there / "team" / "versioned.py")).module_name(there / "team" / "versioned.py")
    )

    assert on_scheduler == on_worker
    assert on_scheduler != DagBag(here, root=here).module_name(here / "team" / "other.py")
