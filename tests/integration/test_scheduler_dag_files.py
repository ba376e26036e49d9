"""The DAGs folder under a real scheduler: files that fail to import (or hang) do not stop the others,
``.headwaterignore`` hides files, and an edited file is picked up while the scheduler runs."""

from __future__ import annotations

import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from celery_harness import every_executor
from scheduler_harness import SchedulerHome

from headwater.scheduler.dag_folder import DagFolder, FolderChanges

GOOD = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("good", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="work", python_callable=lambda: "fine")
"""

RAISES = """\
from headwater import DAG

raise RuntimeError("this DAG file is broken on purpose")
"""

SYNTAX_ERROR = """\
from headwater import DAG

def oops(:
    pass
"""

HANGS = """\
import time
from headwater import DAG

time.sleep(60)
"""

EVOLVING_V1 = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("evolving", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        a = PythonOperator(task_id="a", python_callable=lambda: "a v1")
"""

EVOLVING_V2 = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("evolving", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        a = PythonOperator(task_id="a", python_callable=lambda: "a v2")
        b = PythonOperator(task_id="b", python_callable=lambda: print("b was added while the scheduler ran"))
        a >> b
"""


def _run_good(site: SchedulerHome) -> None:
    run_id = site.trigger("good")
    run = site.wait_for_run("good", run_id, timeout=20)
    assert run.state.value == "success", site.scheduler_log()
    assert site.states("good", run_id) == {"work": "success"}


def test_dag_files_that_fail_to_import_do_not_stop_a_good_dag(site: SchedulerHome) -> None:
    good = site.write_dag(GOOD, "good.py")
    raises = site.write_dag(RAISES, "raises_dag.py")
    syntax = site.write_dag(SYNTAX_ERROR, "syntax_dag.py")
    site.start_scheduler()
    site.wait_for_dags("good")

    _run_good(site)

    listed = site.dag_list()
    assert [(d["dag_id"], d["fileloc"]) for d in listed["dags"]] == [("good", str(good))]
    errors = listed["import_errors"]
    assert set(errors) == {str(raises), str(syntax)}
    assert errors[str(raises)].startswith(f"{raises}:3: RuntimeError: this DAG file is broken on purpose")
    assert errors[str(syntax)].startswith(f"{syntax}:3: SyntaxError")
    recorded = site.store.import_errors()  # what the scheduler recorded for the UI and API
    assert set(recorded) == {str(raises), str(syntax)}
    assert f"{raises}:3" in recorded[str(raises)] and f"{syntax}:3" in recorded[str(syntax)]


def test_a_dag_file_that_hangs_at_import_times_out_and_the_other_dags_still_run(site: SchedulerHome) -> None:
    site.extra_env["HEADWATER__CORE__DAGBAG_IMPORT_TIMEOUT"] = "2"
    site.write_dag(GOOD, "good.py")
    hangs = site.write_dag(HANGS, "hangs_dag.py")
    site.start_scheduler()
    site.wait_for_dags("good")

    _run_good(site)

    recorded = site.wait_for("the hanging file's import error", lambda store: store.import_errors(), timeout=10)
    assert list(recorded) == [str(hangs)]
    assert "dagbag_import_timeout" in recorded[str(hangs)]
    assert "longer than 2 s" in recorded[str(hangs)]


def test_dags_list_reports_a_hanging_file_as_an_import_timeout(site: SchedulerHome) -> None:
    """``dags list`` parses the folder with the same [core] dagbag_import_timeout as the scheduler (as
    ``airflow dags list`` does), instead of waiting for the file's top level to finish."""
    site.extra_env["HEADWATER__CORE__DAGBAG_IMPORT_TIMEOUT"] = "2"
    site.write_dag(GOOD, "good.py")
    hangs = site.write_dag(HANGS, "hangs_dag.py")

    started = time.monotonic()
    try:
        listed = site.dag_list(timeout=8)
    except subprocess.TimeoutExpired:
        listed = None
    if listed is None:
        pytest.fail(
            f"`headwater dags list` was still importing {hangs.name} (time.sleep(60) at its top level) after "
            f"{time.monotonic() - started:.0f} s, with HEADWATER__CORE__DAGBAG_IMPORT_TIMEOUT=2"
        )

    assert [d["dag_id"] for d in listed["dags"]] == ["good"]
    assert list(listed["import_errors"]) == [str(hangs)]
    assert "dagbag_import_timeout" in listed["import_errors"][str(hangs)]


def test_headwaterignore_hides_files_from_the_scheduler_and_from_dags_list(site: SchedulerHome) -> None:
    site.write_dag(GOOD, "good.py")
    site.write_dag(GOOD.replace('"good"', '"hidden"'), "hidden_dag.py")
    site.write_dag(RAISES, "hidden_broken_dag.py")
    (site.dags / ".headwaterignore").write_text("# files the scheduler must not see\nhidden_\n")
    site.start_scheduler()
    site.wait_for_dags("good")

    _run_good(site)

    listed = site.dag_list()
    assert [d["dag_id"] for d in listed["dags"]] == ["good"]
    assert listed["import_errors"] == {}
    assert site.store.import_errors() == {}
    assert set(site.store.pause_flags()) == {"good"}  # the scheduler recorded no DAG "hidden"
    refused = site.cli("dags", "trigger", "hidden", check=False)
    assert refused.returncode != 0 and "No DAG 'hidden'" in refused.stderr
    assert site.list_runs("hidden") == []


@every_executor
def test_a_dag_file_edited_while_the_scheduler_runs_is_picked_up_by_the_next_run(site: SchedulerHome) -> None:
    site.write_dag(EVOLVING_V1, "evolving.py")
    site.start_scheduler()
    site.wait_for_dags("evolving")
    first = site.trigger("evolving", "-e", "2024-03-01")
    assert site.wait_for_run("evolving", first, timeout=20).state.value == "success"
    parsed_before = site.store.dag_entry("evolving")["last_parsed"]

    site.write_dag(EVOLVING_V2, "evolving.py")
    site.wait_for(  # the scheduler re-parsed the file (it does so every dag_dir_list_interval)
        "the scheduler to re-parse evolving.py",
        lambda store: store.dag_entry("evolving")["last_parsed"] > parsed_before,
        timeout=20,
    )
    second = site.trigger("evolving", "-e", "2024-03-02")
    run = site.wait_for_run("evolving", second, timeout=20)

    assert run.state.value == "success", site.scheduler_log()
    assert site.states("evolving", first) == {"a": "success"}
    assert site.states("evolving", second) == {"a": "success", "b": "success"}
    assert "b was added while the scheduler ran" in site.cli("tasks", "logs", "evolving", second, "b").stdout
    values = {row.task_id: row.value for row in site.store.xcoms_of("evolving", second, None)}
    assert b"a v2" in values["a"]  # the worker ran the edited code, not the copy it had cached


SHARED = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("shared", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        PythonOperator(task_id="{task}", python_callable=lambda: "{task}")
"""


def _changes_after_parse(folder: DagFolder) -> FolderChanges:
    """Refresh, then take in the background parse it started."""
    changes = folder.refresh()
    deadline = time.monotonic() + 30
    while not changes.changed:
        assert time.monotonic() < deadline, "the background parse did not finish within 30 s"
        time.sleep(0.02)
        changes = folder.collect()
    return changes


def test_the_scheduler_folder_makes_a_dag_id_two_files_share_an_error_of_both_until_one_goes(tmp_path: Path) -> None:
    """A file parsed later that takes an id another file already defines puts an import error on both
    (also on the file that did not change) and withdraws the DAG; deleting it clears both errors."""
    dags = tmp_path / "dags"
    dags.mkdir()
    first, second = dags / "first.py", dags / "second.py"
    first.write_text(textwrap.dedent(SHARED.format(task="a")))
    folder = DagFolder(dags, timeout=10)
    try:
        folder.refresh(force=True)
        assert list(folder.dags) == ["shared"]

        second.write_text(textwrap.dedent(SHARED.format(task="b")))
        clash = _changes_after_parse(folder)

        assert folder.dags == {}
        assert set(clash.errors) == {str(first), str(second)}
        assert f"DuplicateDagId: DAG id 'shared' is also defined in {second}" in clash.errors[str(first)]
        assert f"DuplicateDagId: DAG id 'shared' is also defined in {first}" in clash.errors[str(second)]

        second.unlink()
        cleared = folder.refresh()

        assert list(folder.dags) == ["shared"] and list(folder.dags["shared"].task_dict) == ["a"]
        assert folder.bag.import_errors == {}
        assert set(cleared.cleared_errors) == {str(first), str(second)}
        assert "shared" in cleared.reparsed_dags
    finally:
        folder.close()


def test_a_dag_id_defined_by_two_files_is_not_run_until_one_of_them_is_removed(site: SchedulerHome) -> None:
    first = site.write_dag(SHARED.format(task="a"), "first.py")
    site.start_scheduler()
    site.wait_for_dags("shared")
    second = site.write_dag(SHARED.format(task="b"), "second.py")

    recorded = site.wait_for(
        "both files' import errors", lambda store: len(store.import_errors()) == 2 and store.import_errors()
    )
    refused = site.cli("dags", "trigger", "shared", check=False)

    assert set(recorded) == {str(first), str(second)}
    assert refused.returncode != 0
    assert "DuplicateDagId: DAG id 'shared' is also defined in" in refused.stderr
    assert site.list_runs("shared") == []

    second.unlink()
    site.wait_for("the import errors to clear", lambda store: not store.import_errors())
    run_id = site.trigger("shared")
    assert site.wait_for_run("shared", run_id).state.value == "success", site.scheduler_log()
    assert site.states("shared", run_id) == {"a": "success"}
