"""Attributes DAG files read off the DAG and its tasks, with the values real Airflow 2.10.5 gave for the
same DAGs: schedule_interval, timezone, start/end dates, a task's dag_id, topological_sort's order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum

from headwater.model.dag import DAG
from headwater.model.taskgroup import TaskGroup
from headwater.model.timetables import CronTimetable
from headwater.operators.empty import EmptyOperator


def test_schedule_interval_is_the_value_given_or_a_timetables_summary() -> None:
    start = datetime(2024, 1, 1)
    assert DAG("s1", start_date=start, schedule="@daily").schedule_interval == "@daily"
    assert DAG("s2", start_date=start, schedule=timedelta(hours=2)).schedule_interval == timedelta(hours=2)
    assert DAG("s3", start_date=start, schedule=None).schedule_interval is None
    assert DAG("s4", start_date=start, schedule_interval="0 1 * * *").schedule_interval == "0 1 * * *"
    timetable = CronTimetable("0 1 * * *", pendulum.UTC)
    assert DAG("s5", start_date=start, schedule=timetable).schedule_interval == "0 1 * * *"


def test_timezone_and_dates_come_from_start_date_then_default_args() -> None:
    tokyo = pendulum.datetime(2024, 3, 1, 9, tz="Asia/Tokyo")
    with DAG("tz", default_args={"start_date": tokyo}, schedule=None) as dag:
        task = EmptyOperator(task_id="t")
    assert dag.timezone.name == "Asia/Tokyo"
    assert dag.start_date is None and dag.end_date is None  # default_args' dates belong to the tasks
    assert task.start_date == pendulum.datetime(2024, 3, 1, tz="UTC")

    paris = pendulum.datetime(2024, 3, 1, tz="Europe/Paris")
    naive_own = DAG("tz2", start_date=datetime(2024, 3, 1), default_args={"start_date": paris}, schedule=None)
    assert naive_own.timezone.name == "Europe/Paris"
    assert naive_own.start_date is not None and naive_own.start_date.isoformat() == "2024-03-01T00:00:00+00:00"

    local = DAG("tz3", start_date=pendulum.datetime(2024, 3, 1, tz="Europe/Amsterdam"), schedule=None)
    assert local.start_date is not None and local.start_date.isoformat() == "2024-02-29T23:00:00+00:00"
    assert DAG("tz4", start_date=datetime(2024, 1, 1), schedule=None).timezone.name == "UTC"


def test_a_tasks_dag_id_or_adhoc_owner_outside_any_dag() -> None:
    with DAG("owned", start_date=datetime(2024, 1, 1), schedule=None):
        inside = EmptyOperator(task_id="inside")
    assert inside.dag_id == "owned"
    assert EmptyOperator(task_id="loose", owner="me").dag_id == "adhoc_me"


def test_topological_sort_takes_children_in_insertion_order_pass_by_pass() -> None:
    with DAG("topo", start_date=datetime(2024, 1, 1), schedule=None) as dag:
        z = EmptyOperator(task_id="z")
        with TaskGroup("g") as group:
            g1 = EmptyOperator(task_id="g1")
            g2 = EmptyOperator(task_id="g2")
            g2 >> g1
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        b >> a >> group >> z
    assert [t.task_id for t in dag.topological_sort()] == ["b", "a", "g.g2", "g.g1", "z"]

    with DAG("fan", start_date=datetime(2024, 1, 1), schedule=None) as fan:
        first, second = EmptyOperator(task_id="extract_a"), EmptyOperator(task_id="extract_b")
        [first, second] >> EmptyOperator(task_id="join")
    assert [t.task_id for t in fan.topological_sort()] == ["extract_a", "extract_b", "join"]
