"""Dynamic task mapping and TaskFlow XCom passing under a real scheduler with the LocalExecutor."""

from __future__ import annotations

import json

from celery_harness import every_executor
from scheduler_harness import SchedulerHome

MAPPED = """
    import datetime as dt
    from headwater import DAG, task

    with DAG("mapped", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        @task
        def numbers():
            return [1, 2, 3]

        @task
        def double(x):
            print(f"doubling {x}")
            return x * 2

        @task
        def total(values):
            values = list(values)
            print(f"total of {values} is {sum(values)}")
            return {"values": values, "sum": sum(values)}

        total(double.expand(x=numbers()))
"""


@every_executor
def test_mapped_instances_run_on_workers_and_their_values_reach_the_downstream(site: SchedulerHome) -> None:
    site.write_dag(MAPPED)
    site.start_scheduler()
    site.wait_for_dags("mapped")
    run_id = site.trigger("mapped")

    run = site.wait_for_run("mapped", run_id, timeout=30)

    assert run.state.value == "success", site.scheduler_log()
    rows = site.task_rows("mapped", run_id)
    assert [(r["task_id"], r["map_index"], r["state"], r["try_number"]) for r in rows] == [
        ("double", 0, "success", 1),
        ("double", 1, "success", 1),
        ("double", 2, "success", 1),
        ("numbers", -1, "success", 1),
        ("total", -1, "success", 1),
    ]
    assert "doubling 2" in site.cli("tasks", "logs", "mapped", run_id, "double", "--map-index", "1").stdout
    assert "total of [2, 4, 6] is 12" in site.cli("tasks", "logs", "mapped", run_id, "total").stdout
    [pushed] = site.store.xcoms_of("mapped", run_id, "total")
    assert (pushed.key, json.loads(pushed.value)) == ("return_value", {"values": [2, 4, 6], "sum": 12})


@every_executor
def test_a_mapped_task_over_an_empty_list_is_skipped_with_its_downstream(site: SchedulerHome) -> None:
    """Airflow: expanding over an empty list gives no instances; the mapped task is ``skipped`` and so is a
    downstream with the default all_success rule."""
    site.write_dag(MAPPED.replace("return [1, 2, 3]", "return []"))
    site.start_scheduler()
    site.wait_for_dags("mapped")
    run_id = site.trigger("mapped")

    run = site.wait_for_run("mapped", run_id, timeout=30)

    assert run.state.value == "success", site.scheduler_log()
    assert site.states("mapped", run_id) == {"numbers": "success", "double": "skipped", "total": "skipped"}
