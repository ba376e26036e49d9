"""What a real scheduler lets start at once: pools (with priority deciding who goes first) and a DAG's
max_active_runs."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

POOLED = """
    import datetime as dt, time
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    def work(ti):
        with open({order!r}, "a") as f:
            f.write(ti.task_id + "\\n")
        time.sleep(0.3)
        return ti.task_id

    with DAG("pooled", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        for name, weight in [("low", 1), ("high", 10), ("mid", 5), ("top", 20)]:
            PythonOperator(task_id=name, python_callable=work, pool="tiny",
                           priority_weight=weight, weight_rule="absolute")
"""

ONE_AT_A_TIME = """
    import datetime as dt, time
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("single", start_date=dt.datetime(2024, 1, 1), schedule=None, max_active_runs=1) as dag:
        first = PythonOperator(task_id="first", python_callable=lambda: time.sleep(0.4))
        second = PythonOperator(task_id="second", python_callable=lambda: time.sleep(0.4))
        first >> second
"""


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def test_pools_list_shows_the_default_pool_and_a_pool_set_from_the_cli(site: SchedulerHome) -> None:
    assert site.cli("pools", "set", "tiny", "1").stdout.strip() == "Pool tiny has 1 slots."

    pools = site.cli("pools", "list", "-o", "json").json

    assert [(p["pool"], p["slots"]) for p in pools] == [("default_pool", 128), ("tiny", 1)]


@every_executor
def test_a_one_slot_pool_runs_its_tasks_one_at_a_time_highest_priority_first(
    site: SchedulerHome, tmp_path: Path
) -> None:
    order = tmp_path / "order.txt"
    site.write_dag(POOLED.format(order=str(order)))
    site.cli("pools", "set", "tiny", "1")
    site.start_scheduler()  # two executor slots: only the pool holds the tasks back
    site.wait_for_dags("pooled")

    run_id = site.trigger("pooled")
    run = site.wait_for_run("pooled", run_id, timeout=30)

    assert run.state.value == "success", site.scheduler_log()
    assert order.read_text().split() == ["top", "high", "mid", "low"]
    rows = sorted(site.task_rows("pooled", run_id), key=lambda r: _when(r["start_date"]))
    assert [r["task_id"] for r in rows] == ["top", "high", "mid", "low"]
    for earlier, later in itertools.pairwise(rows):
        assert _when(later["start_date"]) >= _when(earlier["end_date"]), (earlier, later)


@every_executor
def test_max_active_runs_one_never_overlaps_two_triggered_runs(site: SchedulerHome) -> None:
    site.write_dag(ONE_AT_A_TIME)
    later = site.trigger("single", "-e", "2024-03-02")  # triggered first, but later in logical date
    earlier = site.trigger("single", "-e", "2024-03-01")
    site.start_scheduler()  # finds both queued

    site.wait_for_run("single", later, timeout=30)
    site.wait_for_run("single", earlier, timeout=30)

    runs = {r["run_id"]: r for r in site.list_runs("single")}
    assert {r["state"] for r in runs.values()} == {"success"}
    first, second = sorted(runs.values(), key=lambda r: _when(r["start_date"]))
    assert _when(second["start_date"]) >= _when(first["end_date"]), (first, second)
    assert first["run_id"] == earlier  # queued runs start in logical-date order, as in Airflow


CAPPED = """
    import datetime as dt, time
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    with DAG("capped", start_date=dt.datetime(2024, 1, 1), schedule=None, max_active_tasks=1) as dag:
        for n in range(3):
            PythonOperator(task_id=f"t{n}", python_callable=lambda: time.sleep(0.3))
"""


@every_executor
def test_max_active_tasks_caps_a_dag_below_the_executor_s_slots(site: SchedulerHome) -> None:
    site.write_dag(CAPPED)
    site.start_scheduler()  # two executor slots, three independent tasks: only the DAG's cap holds them back
    site.wait_for_dags("capped")

    run_id = site.trigger("capped")
    run = site.wait_for_run("capped", run_id, timeout=30)

    assert run.state.value == "success", site.scheduler_log()
    rows = sorted(site.task_rows("capped", run_id), key=lambda r: _when(r["start_date"]))
    assert len(rows) == 3
    for earlier, later in itertools.pairwise(rows):
        assert _when(later["start_date"]) >= _when(earlier["end_date"]), (earlier, later)


PER_TASK = """
    import datetime as dt, time
    from headwater import DAG
    from headwater.decorators import task

    with DAG("per_task", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        @task(max_active_tis_per_dagrun=1)
        def one_per_run(n):
            time.sleep(0.3)
            return n

        @task(max_active_tis_per_dag=1)
        def one_overall():
            time.sleep(0.3)

        one_per_run.expand(n=[1, 2, 3])
        one_overall()
"""


def _never_overlap(rows: list[dict[str, object]]) -> None:
    rows = sorted(rows, key=lambda r: _when(str(r["start_date"])))
    for earlier, later in itertools.pairwise(rows):
        assert _when(str(later["start_date"])) >= _when(str(earlier["end_date"])), (earlier, later)


def test_max_active_tis_per_dagrun_and_per_dag_hold_a_task_s_instances_back(site: SchedulerHome) -> None:
    """Given a mapped task limited to one instance per run and a task limited to one instance across runs,
    when two runs are triggered and the executor has room for more, then no two instances of the mapped task
    in a run overlap and no two instances of the other task overlap in either run."""
    site.write_dag(PER_TASK)
    first = site.trigger("per_task", "-e", "2024-03-01")
    second = site.trigger("per_task", "-e", "2024-03-02")
    site.start_scheduler()

    for run_id in (first, second):
        assert site.wait_for_run("per_task", run_id, timeout=60).state.value == "success", site.scheduler_log()

    rows = {run_id: site.task_rows("per_task", run_id) for run_id in (first, second)}
    for run_rows in rows.values():
        mapped = [r for r in run_rows if r["task_id"] == "one_per_run"]
        assert len(mapped) == 3
        _never_overlap(mapped)
    _never_overlap([r for run_rows in rows.values() for r in run_rows if r["task_id"] == "one_overall"])
