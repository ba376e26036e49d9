"""What the task instance in the context and ``self.log`` offer a DAG file, in real runs: ``dags test``
(twice, so the second run sees the first as its previous instance) and the scheduler (the task log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scheduler_harness import SchedulerHome

TI_API = """
    import warnings

    import pendulum
    from airflow import DAG
    from airflow.models.baseoperator import BaseOperator
    from airflow.operators.python import PythonOperator


    class Shout(BaseOperator):
        def execute(self, context):
            self.log.info("custom operator says hello from %s", self.task_id)
            return self.log.name


    def look(ti, **context):
        previous = ti.get_previous_ti()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            legacy = ti.previous_ti
        return {
            "previous_ti_warns": [type(w.message).__name__ for w in caught],
            "previous_ti_is_get_previous_ti": legacy == previous,
            "task": ti.task.task_id,
            "task_is_context_task": ti.task is context["task"],
            "log": ti.log.name,
            "run_id": ti.get_dagrun().run_id,
            "max_tries": ti.max_tries,
            "try_number": ti.try_number,
            "state": ti.state,
            "operator": ti.operator,
            "pool": ti.pool,
            "queue": ti.queue,
            "priority_weight": ti.priority_weight,
            "duration": ti.duration,
            "start_date_set": ti.start_date is not None,
            "execution_date": ti.execution_date.isoformat(),
            "logical_date": ti.logical_date.isoformat(),
            "hostname_set": bool(ti.hostname),
            "previous_run_id": previous.run_id if previous else None,
            "previous_state": previous.state if previous else None,
            "previous_start_set": ti.get_previous_start_date() is not None,
        }


    with DAG("ti_api", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="@daily", catchup=False):
        shout = Shout(task_id="shout")
        look_task = PythonOperator(
            task_id="look", python_callable=look, retries=2, queue="q1", priority_weight=3
        )
        shout >> look_task
"""


def test_the_task_instance_offers_airflows_attributes_and_its_previous_instance(
    write_dag: Callable[..., Any], dags_test: Callable[..., Any]
) -> None:
    """Given a DAG whose task returns what its ``ti`` says, when `dags test` runs it for two days, then the
    values are Airflow's and the second run finds the first as its previous task instance (with
    ``catchup=False`` Airflow looks at manual runs too)."""
    path = write_dag(TI_API)
    first = dags_test(path, logical_date="2024-01-02T00:00:00+00:00")
    second = dags_test(path, logical_date="2024-01-03T00:00:00+00:00")

    assert first.json["dag_run_state"] == "success", first.stderr
    seen_first = first.json["xcoms"]["look"]["return_value"]
    assert (seen_first["previous_run_id"], seen_first["previous_start_set"]) == (None, False)
    seen = second.json["xcoms"]["look"]["return_value"]
    assert seen == {
        "previous_ti_warns": ["RemovedInAirflow3Warning"],
        "previous_ti_is_get_previous_ti": True,
        "task": "look",
        "task_is_context_task": True,
        "log": "airflow.task",
        "run_id": "manual__2024-01-03T00:00:00+00:00",
        "max_tries": 2,
        "try_number": 1,
        "state": "running",
        "operator": "PythonOperator",
        "pool": "default_pool",
        "queue": "q1",
        "priority_weight": 3,
        "duration": None,
        "start_date_set": True,
        "execution_date": "2024-01-03T00:00:00+00:00",
        "logical_date": "2024-01-03T00:00:00+00:00",
        "hostname_set": True,
        "previous_run_id": "manual__2024-01-02T00:00:00+00:00",
        "previous_state": "success",
        "previous_start_set": True,
    }
    logger = second.json["xcoms"]["shout"]["return_value"]
    assert logger.startswith("airflow.task.operators.") and logger.endswith(".Shout")
    assert "custom operator says hello from shout" in second.stderr


def test_self_log_of_a_custom_operator_lands_in_the_task_log(site: SchedulerHome) -> None:
    """Given a custom operator calling ``self.log.info``, when the scheduler runs it on a worker, then the
    line is in that task's log, under the operator's Airflow-style logger name."""
    site.write_dag(TI_API)
    site.start_scheduler()
    site.wait_for_dags("ti_api")
    run_id = site.trigger("ti_api")

    run = site.wait_for_run("ti_api", run_id, timeout=60)

    assert run.state.value == "success", site.scheduler_log()
    task_log = site.cli("tasks", "logs", "ti_api", run_id, "shout").stdout
    line = next(line for line in task_log.splitlines() if "custom operator says hello from shout" in line)
    assert "INFO airflow.task.operators." in line and ".Shout:" in line
