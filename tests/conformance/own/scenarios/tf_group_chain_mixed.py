"""chain() over a mix of a TaskGroup, XComArgs, a list and a classic operator; a @task_group with a
group_id override and a tooltip returning a dict of XComArgs; cross_downstream between XComArgs; a final
task reporting every task's upstream ids."""

import pendulum
from airflow.decorators import dag, task, task_group
from airflow.models.baseoperator import chain, cross_downstream
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def tf_group_chain_mixed():
    @task
    def make(name):
        return name

    @task
    def combine(parts: dict):
        return "+".join(f"{k}={v}" for k, v in sorted(parts.items()))

    @task_group(group_id="prepare", tooltip="two sources")
    def prep():
        return {"left": make.override(task_id="left")("L"), "right": make.override(task_id="right")("R")}

    @task
    def graph(dag=None):
        return {t.task_id: sorted(t.upstream_task_ids) for t in sorted(dag.tasks, key=lambda t: t.task_id)}

    with TaskGroup("setup_group") as setup_group:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    begin = EmptyOperator(task_id="begin")
    parts = prep()
    merged = combine(parts)
    x1, x2 = make.override(task_id="x1")("x1"), make.override(task_id="x2")("x2")
    y1, y2 = make.override(task_id="y1")("y1"), make.override(task_id="y2")("y2")
    chain(begin, setup_group, [x1, x2], merged)
    cross_downstream([x1, x2], [y1, y2])
    [y1, y2] >> graph()


tf_group_chain_mixed()
