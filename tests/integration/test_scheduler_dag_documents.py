"""What the scheduler stores about the DAGs it parses (``serialized_dag``), and the try history that
``dags test`` leaves: a scheduler in this process with an executor that runs nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from headwater.config import Settings
from headwater.executors.base import ExecutorEvent, WorkItem
from headwater.scheduler.scheduler import Scheduler
from headwater.store.sql import SqlStore

pytestmark = pytest.mark.filterwarnings("ignore:Trigger rule 'none_failed_or_skipped' is deprecated")

PIPELINE = """
import datetime as dt
from headwater import DAG, EmptyOperator

with DAG("documented", start_date=dt.datetime(2024, 1, 1), schedule=None, doc_md="v1") as dag:
    first = EmptyOperator(task_id="first")
    last = EmptyOperator(task_id="last", trigger_rule="none_failed_or_skipped")
    first >> last
"""

FLAKY = """
import datetime as dt
from headwater import DAG
from headwater.operators.python import PythonOperator

def flaky(ti):
    if ti.try_number == 1:
        raise RuntimeError("first try breaks on purpose")

with DAG("flaky", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="flaky", python_callable=flaky, retries=1, retry_delay=dt.timedelta(0))
"""

EDITED = PIPELINE.replace('doc_md="v1"', 'doc_md="v2"') + '    last >> EmptyOperator(task_id="added")\n'


class IdleExecutor:
    """Runs nothing and reports nothing: the tests look at what the scheduler parses and stores."""

    records_queued = False
    on_this_machine = True
    open_slots = 1

    def events(self, timeout: float, wake: Sequence[Any] = ()) -> Iterator[ExecutorEvent]:
        return iter(())

    def submit(self, work: WorkItem) -> None:
        raise AssertionError(f"nothing should be submitted: {work}")

    def warm(self, files: Sequence[str]) -> None:
        return None

    def terminate(self, keys: Iterable[tuple[str, str, str, int]]) -> None:
        return None

    def running_here(self, key: tuple[str, str, str, int], try_number: int) -> bool:
        return False

    def shutdown(self, *, wait: bool = True) -> None:
        return None


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    return Settings(
        home=home, dags_folder=home / "dags", sql_alchemy_conn=f"sqlite:///{home / 'hw.db'}", dag_dir_list_interval=0.0
    )


def run_scheduler(settings: Settings, until: Callable[[int], bool] = lambda calls: calls > 1) -> None:
    """Start a scheduler, loop until ``until(number of checks)``, and shut it down."""
    calls = 0

    def check() -> bool:
        nonlocal calls
        calls += 1
        return until(calls)

    scheduler = Scheduler(settings, SqlStore(settings.sql_alchemy_conn), IdleExecutor())
    scheduler.run(until=check)
    scheduler.store.close()


def test_a_parsed_dag_is_stored_with_its_lint_findings_and_file_digest(settings: Settings) -> None:
    """Given a DAG file, when a scheduler starts, then the DAG's document is stored with the file's SHA-256
    and the lint's finding (a deprecated trigger rule alias), and it reads back as tasks and edges."""
    path = settings.dags_folder / "pipeline.py"
    path.write_text(PIPELINE)

    run_scheduler(settings)

    store = SqlStore(settings.sql_alchemy_conn)
    stored = store.serialized_dag("documented")
    assert stored is not None
    assert (stored.fileloc, stored.file_digest) == (str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest())
    assert [(f["code"], f["task_ids"]) for f in stored.lint] == [("HW006", ["last"])]
    doc = stored.read()
    assert [(t.task_id, t.downstream_task_ids) for t in doc.tasks] == [("first", ("last",)), ("last", ())]
    assert doc.doc_md == "v1"


def test_a_restart_on_unchanged_files_does_not_rewrite_and_an_edit_while_running_does(settings: Settings) -> None:
    """Given a stored document, when a scheduler starts again on the unchanged file, then the document is not
    written again; when the file is edited while that scheduler runs, then the new structure is stored.
    (About 2 s: the edited file is imported in a probe process first, as the scheduler does.)"""
    path = settings.dags_folder / "pipeline.py"
    path.write_text(PIPELINE)
    run_scheduler(settings)
    store = SqlStore(settings.sql_alchemy_conn)
    first = store.serialized_dag("documented")
    assert first is not None
    deadline = time.monotonic() + 20

    def edited_and_seen(calls: int) -> bool:
        time.sleep(0.02)  # the idle executor returns at once: do not spin
        if calls == 2:  # the scheduler has started and stored what it parsed
            again = store.serialized_dag("documented")
            assert again is not None and again.last_updated == first.last_updated, "an unchanged DAG was rewritten"
            path.write_text(EDITED)
        seen = store.serialized_dag("documented")
        return calls > 2 and ((seen is not None and seen.dag_hash != first.dag_hash) or time.monotonic() > deadline)

    run_scheduler(settings, until=edited_and_seen)

    latest = store.serialized_dag("documented")
    assert latest is not None and latest.last_updated > first.last_updated
    assert latest.file_digest == hashlib.sha256(EDITED.encode()).hexdigest()
    doc = latest.read()
    assert (doc.doc_md, [t.task_id for t in doc.tasks]) == ("v2", ["added", "first", "last"])


def test_a_dag_whose_file_breaks_or_goes_is_inactive_and_keeps_its_document(settings: Settings) -> None:
    """Given a stored DAG, when its file fails to import, then the DAG is inactive, the import error is
    recorded and the last document stays; when the file is deleted, the same holds without the error."""
    path = settings.dags_folder / "pipeline.py"
    path.write_text(PIPELINE)
    run_scheduler(settings)
    store = SqlStore(settings.sql_alchemy_conn)
    stored = store.serialized_dag("documented")

    path.write_text(PIPELINE + "\nraise RuntimeError('broken on purpose')  # dag\n")
    run_scheduler(settings)

    assert store.dag_entry("documented")["is_active"] is False  # type: ignore[index]
    assert "broken on purpose" in store.import_errors()[str(path.resolve())]
    assert store.serialized_dag("documented") == stored

    path.unlink()
    run_scheduler(settings)
    assert store.dag_entry("documented")["is_active"] is False  # type: ignore[index]
    assert store.serialized_dag("documented") == stored

    path.write_text(PIPELINE)
    run_scheduler(settings)
    assert store.dag_entry("documented")["is_active"] is True  # type: ignore[index]


def test_dags_test_keeps_the_failed_try_and_the_successful_retry(
    write_dag: Callable[..., Path], dags_test: Callable[..., Any], open_sqlite: Callable[[], SqlStore]
) -> None:
    """Given a task that fails once and then succeeds, when ``dags test`` runs it, then both tries are in the
    history, in order: try 1 failed (with its error), try 2 success."""
    result = dags_test(write_dag(FLAKY))

    assert result.tasks() == {"flaky": "success"}, result.stdout
    tries = open_sqlite().task_tries("flaky", result.json["run_id"], "flaky")
    assert [(r.try_number, r.state.value if r.state else None) for r in tries] == [(1, "failed"), (2, "success")]
    assert "first try breaks on purpose" in (tries[0].reason or "")
    assert all(r.start_date is not None and r.end_date is not None for r in tries)
