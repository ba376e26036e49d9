"""depends_on_past under the scheduler: a run's task waits for the same task of the previous run."""

from __future__ import annotations

from pathlib import Path

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

DAG_FILE = """
    import datetime as dt
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    GATE = Path({gate!r})

    def load(ds):
        if ds == "2024-01-01" and not GATE.exists():
            raise ValueError("the first day's load fails until the gate file exists")

    with DAG("incremental", start_date=dt.datetime(2024, 1, 1), end_date=dt.datetime(2024, 1, 2),
             schedule="@daily", catchup=True) as dag:
        PythonOperator(task_id="load", python_callable=load, depends_on_past=True)
"""


@every_executor
def test_a_task_waits_for_its_previous_run_and_the_first_run_is_never_blocked(
    site: SchedulerHome, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    site.write_dag(DAG_FILE.format(gate=str(gate)))
    site.start_scheduler()
    first, second = "scheduled__2024-01-01T00:00:00+00:00", "scheduled__2024-01-02T00:00:00+00:00"

    site.wait_for_run("incremental", first)
    held = site.wait_for(
        "the second day's load to say why it waits",
        lambda store: (
            (ti := store.instance("incremental", second, "load", -1)) is not None
            and "depends_on_past" in (ti.reason or "")
            and ti
        ),
    )
    assert held.state is None and held.try_number == 0
    assert site.states("incremental", first) == {"load": "failed"}

    gate.write_text("open")
    site.cli("tasks", "clear", "incremental", "-t", "load", "-s", "2024-01-01", "-e", "2024-01-01", "--yes")

    final = site.wait_for_run("incremental", second)
    assert final.state.value == "success", (final.reason, site.instances("incremental", second))
    assert site.states("incremental", first) == {"load": "success"}
    instances = site.instances("incremental", first)
    assert instances["load"].end_date <= site.instances("incremental", second)["load"].start_date  # type: ignore[operator]
