"""Wiring helpers: Label on edges (also inside chain), chain with lists of equal length, chain_linear,
cross_downstream and the bitshift form; a final task reports everyone's upstream ids so the record
pins the exact graph."""

from datetime import datetime

from airflow import DAG
from airflow.models.baseoperator import chain, chain_linear, cross_downstream
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.edgemodifier import Label


def graph(dag, **_):
    return {t.task_id: sorted(t.upstream_task_ids) for t in sorted(dag.tasks, key=lambda t: t.task_id)}


def labels(dag, **_):
    found = {}
    for t in dag.tasks:
        for down in sorted(t.downstream_task_ids):
            info = dag.get_edge_info(t.task_id, down)
            if info:
                found[f"{t.task_id}>{down}"] = info.get("label")
    return found


with DAG("tf_labels_chain_linear", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    e = {name: EmptyOperator(task_id=name) for name in
         ["start", "a1", "a2", "b1", "b2", "c", "l1", "l2", "m1", "m2", "m3", "x1", "x2", "y1", "y2", "end"]}
    e["start"] >> Label("go") >> e["a1"]
    chain(e["start"], [e["a1"], e["a2"]], [e["b1"], e["b2"]], Label("join"), e["c"])
    chain_linear([e["l1"], e["l2"]], [e["m1"], e["m2"], e["m3"]])
    cross_downstream([e["x1"], e["x2"]], [e["y1"], e["y2"]])
    e["c"] << Label("after m") << e["m3"]
    [e["c"], e["y1"], e["y2"]] >> e["end"]
    report = PythonOperator(task_id="report", python_callable=graph)
    edges = PythonOperator(task_id="edges", python_callable=labels)
    e["end"] >> [report, edges]
