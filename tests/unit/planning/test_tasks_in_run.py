"""Which tasks a run has instances of: task start/end dates (capped by the DAG's), backfill exempt;
and a task downstream of an absent one waits, as in Airflow's verify_integrity and trigger-rule counts."""

from __future__ import annotations

import datetime as dt

import pendulum

from headwater import DAG, planning
from headwater.model.states import TaskState
from headwater.operators.empty import EmptyOperator
from headwater.planning import Action, RunSnapshot, shape_of, verdict_for

JAN = [dt.datetime(2024, 1, day, tzinfo=dt.UTC) for day in range(1, 32)]


def _dag(**dag_dates: dt.datetime) -> DAG:
    with DAG(
        "dated", schedule="@daily", start_date=dag_dates.pop("start", dt.datetime(2023, 1, 1)), **dag_dates
    ) as dag:
        EmptyOperator(task_id="always_there")
        EmptyOperator(task_id="from_10th", start_date=dt.datetime(2024, 1, 10))
        EmptyOperator(task_id="until_20th", end_date=dt.datetime(2024, 1, 20))
    return dag


def _ids(dag: DAG, when: dt.datetime, run_type: str = "scheduled") -> list[str]:
    return [t.task_id for t in planning.tasks_in_run(dag, when, run_type)]


def test_bounds_are_inclusive_and_exclude_outside_dates() -> None:
    """Given a task starting on the 10th and one ending on the 20th, then the 9th has no instance of the
    first, the 10th and the 20th have both, the 21st none of the second."""
    dag = _dag()
    assert _ids(dag, JAN[8]) == ["always_there", "until_20th"]
    assert _ids(dag, JAN[9]) == ["always_there", "from_10th", "until_20th"]
    assert _ids(dag, JAN[19]) == ["always_there", "from_10th", "until_20th"]
    assert _ids(dag, JAN[20]) == ["always_there", "from_10th"]


def test_the_dags_dates_cap_the_tasks() -> None:
    """Given a DAG starting on the 15th and ending on the 18th, then its tasks take part only between."""
    dag = _dag(start=dt.datetime(2024, 1, 15), end_date=dt.datetime(2024, 1, 18))
    assert _ids(dag, JAN[13]) == []
    assert _ids(dag, JAN[14]) == ["always_there", "from_10th", "until_20th"]
    assert _ids(dag, JAN[18]) == []


def test_a_backfill_run_gets_every_task() -> None:
    """Airflow's exception: a backfill run creates every task's instance whatever its dates."""
    assert _ids(_dag(), JAN[0], "backfill") == ["always_there", "from_10th", "until_20th"]


def test_time_zones_are_compared_as_instants() -> None:
    """Given a start date of midnight in Amsterdam (23:00 UTC the day before), then a run at midnight UTC
    takes part; naive dates are UTC."""
    with DAG("tz", schedule=None, start_date=dt.datetime(2023, 1, 1)) as dag:
        EmptyOperator(task_id="amsterdam", start_date=pendulum.datetime(2024, 1, 2, tz="Europe/Amsterdam"))
    assert _ids(dag, JAN[1]) == ["amsterdam"]
    assert _ids(dag, dt.datetime(2024, 1, 1, 22, 59, tzinfo=dt.UTC)) == []


def test_a_task_downstream_of_an_absent_task_waits_for_it() -> None:
    """Given b downstream of a (absent from the run) and c (succeeded), then all_done and all_success wait,
    one_success runs: an absent upstream never finishes."""
    with DAG("wait", schedule=None) as dag:
        a, c = EmptyOperator(task_id="a"), EmptyOperator(task_id="c")
        for rule in ("all_done", "all_success", "one_success"):
            [a, c] >> EmptyOperator(task_id=rule, trigger_rule=rule)
    shape = shape_of(dag)
    states: dict[tuple[str, int], TaskState | None] = {("c", -1): TaskState.SUCCESS}
    states.update({(rule, -1): None for rule in ("all_done", "all_success", "one_success")})
    snapshot = RunSnapshot(states, absent=["a"])
    actions = {
        rule: verdict_for(shape, snapshot, (rule, -1))[0].action for rule in ("all_done", "all_success", "one_success")
    }
    assert actions == {"all_done": Action.WAIT, "all_success": Action.WAIT, "one_success": Action.RUN}


def test_a_deadlock_names_the_waiting_tasks_and_the_absent_upstream() -> None:
    """The run's failure reason says which tasks never ran and which absent task they wait for."""
    with DAG("stuck", schedule=None) as dag:
        EmptyOperator(task_id="clean") >> EmptyOperator(task_id="publish")
        EmptyOperator(task_id="enrich") >> dag.task_dict["publish"]
    states: dict[tuple[str, int], TaskState | None] = {("clean", -1): TaskState.SUCCESS, ("publish", -1): None}
    reason = planning.deadlock_reason(shape_of(dag), states, absent=["enrich"])
    assert reason.startswith("deadlock: unfinished tasks can never run (publish); they wait for enrich, of which")
    assert "trigger rule" in reason
