"""Attributes DAG files read off the DAG and its tasks, with the values real Airflow 2.10.5 gave for the
same DAGs: schedule_interval, timezone, start/end dates, a task's dag_id, topological_sort's order."""

from __future__ import annotations

from datetime import datetime

from headwater.model.dag import DAG
from headwater.model.taskgroup import TaskGroup
from headwater.operators.empty import EmptyOperator


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
