"""Backfill and clear through the CLI, run by a real scheduler."""

from __future__ import annotations

from pathlib import Path

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

DAILY = """
    import datetime as dt
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    LOG = Path({log!r})

    def record(task, fail_on=()):
        def work(ds, ti):
            with open(LOG, "a") as f:
                f.write(f"{{task}} {{ds}} {{ti.try_number}}\\n")
            if ds in fail_on and not Path(str(LOG) + ".fixed").exists():
                raise ValueError(f"no data for {{ds}}")
            return ds
        return work

    with DAG("daily", start_date=dt.datetime(2024, 1, 1), schedule="@daily", catchup=False,
             is_paused_upon_creation=True) as dag:
        extract = PythonOperator(task_id="extract", python_callable=record("extract", {fail_on}))
        load = PythonOperator(task_id="load", python_callable=record("load"))
        extract >> load
"""


def _daily(site: SchedulerHome, tmp_path: Path, fail_on: tuple[str, ...] = ()) -> Path:
    log = tmp_path / "ran.log"
    site.write_dag(DAILY.format(log=str(log), fail_on=repr(fail_on)))
    return log


def _ran(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_dry_run_lists_the_inclusive_range_and_creates_nothing(site: SchedulerHome, tmp_path: Path) -> None:
    _daily(site, tmp_path)

    planned = site.cli(
        "dags", "backfill", "daily", "-s", "2024-02-01", "-e", "2024-02-03", "--dry-run", "-o", "json"
    ).json

    assert planned == [
        {
            "logical_date": f"2024-02-0{d}T00:00:00+00:00",
            "data_interval_start": f"2024-02-0{d}T00:00:00+00:00",
            "data_interval_end": f"2024-02-0{d + 1}T00:00:00+00:00",
        }
        for d in (1, 2, 3)
    ]
    assert site.cli("dags", "list-runs", "daily", "-o", "json").json == []


def test_a_backfill_runs_every_date_even_while_the_dag_is_paused(any_site: SchedulerHome, tmp_path: Path) -> None:
    site = any_site
    log = _daily(site, tmp_path)
    site.start_scheduler()

    site.cli("dags", "backfill", "daily", "-s", "2024-02-01", "-e", "2024-02-03", "--max-active-runs", "1", "--wait")

    runs = site.cli("dags", "list-runs", "daily", "-o", "json").json
    assert [(r["run_id"], r["run_type"], r["state"]) for r in runs] == [
        (f"backfill__2024-02-0{d}T00:00:00+00:00", "backfill", "success") for d in (3, 2, 1)
    ]
    extracts = [line for line in _ran(log) if line.startswith("extract")]
    assert extracts == [
        "extract 2024-02-01 1",
        "extract 2024-02-02 1",
        "extract 2024-02-03 1",
    ]  # one at a time, in order


@every_executor
def test_run_backwards_starts_with_the_newest_date(site: SchedulerHome, tmp_path: Path) -> None:
    log = _daily(site, tmp_path)
    site.start_scheduler()

    site.cli(
        "dags",
        "backfill",
        "daily",
        "-s",
        "2024-02-01",
        "-e",
        "2024-02-03",
        "--max-active-runs",
        "1",
        "--run-backwards",
        "--wait",
    )

    assert [line for line in _ran(log) if line.startswith("extract")] == [
        "extract 2024-02-03 1",
        "extract 2024-02-02 1",
        "extract 2024-02-01 1",
    ]


@every_executor
def test_reprocess_failed_reruns_only_the_failed_dates(site: SchedulerHome, tmp_path: Path) -> None:
    log = _daily(site, tmp_path, fail_on=("2024-02-02",))
    site.start_scheduler()
    first = site.cli("dags", "backfill", "daily", "-s", "2024-02-01", "-e", "2024-02-03", "--wait", check=False)
    assert first.returncode != 0 and "backfill__2024-02-02T00:00:00+00:00" in first.stderr
    (tmp_path / "ran.log.fixed").write_text("")

    again = site.cli(
        "dags", "backfill", "daily", "-s", "2024-02-01", "-e", "2024-02-03", "--reprocess", "failed", "--wait"
    )

    assert "Skipping 2024-02-01" in again.stderr and "Skipping 2024-02-03" in again.stderr
    states = {r["logical_date"][:10]: r["state"] for r in site.cli("dags", "list-runs", "daily", "-o", "json").json}
    assert states == {"2024-02-01": "success", "2024-02-02": "success", "2024-02-03": "success"}
    assert _ran(log).count("extract 2024-02-02 2") == 1  # the rerun is the instance's next try
    assert _ran(log).count("extract 2024-02-01 1") == 1 and not any(" 2024-02-01 2" in x for x in _ran(log))


@every_executor
def test_clear_with_downstream_reruns_the_tasks_and_drops_their_xcoms(site: SchedulerHome, tmp_path: Path) -> None:
    log = _daily(site, tmp_path)
    site.start_scheduler()
    site.cli("dags", "backfill", "daily", "-s", "2024-02-01", "-e", "2024-02-02", "--wait")
    run_id = "backfill__2024-02-01T00:00:00+00:00"
    before = site.instances("daily", run_id)

    cleared = site.cli(
        "tasks", "clear", "daily", "-t", "^extract$", "-s", "2024-02-01", "-e", "2024-02-01", "--downstream", "--yes"
    )
    assert "Cleared 2 task instance(s) in 1 run(s)" in cleared.stdout
    run = site.wait_for(
        "the cleared run to finish again",
        lambda store: (
            (r := store.get_run("daily", run_id)) is not None
            and r.state.value == "success"
            and all(i.try_number == 2 for i in store.task_instances("daily", run_id))
            and r
        ),
    )

    after = site.instances("daily", run_id)
    assert run.state.value == "success"
    assert {t: (i.try_number, i.state.value if i.state else None) for t, i in after.items()} == {
        "extract": (2, "success"),
        "load": (2, "success"),
    }
    assert all(before[t].try_number == 1 for t in before)
    assert _ran(log).count("extract 2024-02-02 1") == 1  # the other run was not touched
    assert [row.key for row in site.store.xcoms_of("daily", run_id, "extract")] == ["return_value"]


def test_clear_asks_before_it_changes_anything(site: SchedulerHome, tmp_path: Path) -> None:
    _daily(site, tmp_path)
    site.start_scheduler()
    site.cli("dags", "backfill", "daily", "-s", "2024-02-01", "-e", "2024-02-01", "--wait")

    refused = site.cli("tasks", "clear", "daily", "-t", "extract", check=False)

    assert "Nothing cleared" in refused.stdout
    assert site.states("daily", "backfill__2024-02-01T00:00:00+00:00") == {"extract": "success", "load": "success"}
