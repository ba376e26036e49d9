"""Wiring helpers as real files mix them: baseoperator.chain with equal-length lists (pairwise),
chain with a TaskGroup and XComArgs, cross_downstream, chain_linear; each task reports its
upstream ids so a wrong edge shows in the XComs."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.models.baseoperator import chain, chain_linear, cross_downstream
from airflow.operators.python import PythonOperator
from airflow.utils.task_group import TaskGroup


def upstream(**context):
    return sorted(context["task"].upstream_task_ids)


def op(task_id):
    return PythonOperator(task_id=task_id, python_callable=upstream)


@task
def tf_step(**context):
    return sorted(context["task"].upstream_task_ids)


with DAG("ops_chain_variants", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    a, b1, b2, c1, c2, d = (op(x) for x in ("a", "b1", "b2", "c1", "c2", "d"))
    chain(a, [b1, b2], [c1, c2], d)

    with TaskGroup("stage") as stage:
        s1 = op("s1")
        s2 = op("s2")
        s1 >> s2
    x = tf_step.override(task_id="x")()
    chain(d, stage, x)

    l1, l2, m1, m2, m3, z = (op(n) for n in ("l1", "l2", "m1", "m2", "m3", "z"))
    chain_linear(x, [l1, l2], [m1, m2, m3], z)

    p1, p2, q1, q2 = (op(n) for n in ("p1", "p2", "q1", "q2"))
    cross_downstream([p1, p2], [q1, q2])
    z >> [p1, p2]
