"""A task that reads the shape of its own DAG: roots, leaves, topological_sort, task_dict,
partial_subset and the DAG's params, on a DAG built with `from airflow.models.dag import DAG`."""

from datetime import datetime

from airflow.models.dag import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator


def inspect_dag(dag, task, params, **_):
    order = [t.task_id for t in dag.topological_sort()]
    sub = dag.partial_subset(task_ids_or_regex="transform", include_upstream=True, include_downstream=False)
    down = dag.partial_subset(task_ids_or_regex=r"^extract_", include_downstream=True, include_upstream=False)
    return {
        "roots": sorted(t.task_id for t in dag.roots),
        "leaves": sorted(t.task_id for t in dag.leaves),
        "first_in_order": order[0] if len(order) == len(dag.tasks) else None,
        "inspect_after_load": order.index("inspect") > order.index("load"),
        "task_dict": sorted(dag.task_dict),
        "subset_up": sorted(sub.task_ids),
        "subset_down": sorted(down.task_ids),
        "subset_id": sub.dag_id,
        "upstream_of_me": sorted(task.upstream_task_ids),
        "downstream_of_extract_a": sorted(dag.task_dict["extract_a"].get_flat_relative_ids(upstream=False)),
        "dag_params": dict(dag.params),
        "context_params": dict(params),
        "tags": sorted(dag.tags),
        "description": dag.description,
    }


with DAG(
    "dagapi_structure_in_task",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    params={"table": "orders", "limit": 10},
    tags=["structure", "example"],
    description="Reads its own shape",
) as dag:
    extract_a = EmptyOperator(task_id="extract_a")
    extract_b = EmptyOperator(task_id="extract_b")
    transform = EmptyOperator(task_id="transform")
    load = EmptyOperator(task_id="load")
    audit = EmptyOperator(task_id="audit")
    inspect = PythonOperator(task_id="inspect", python_callable=inspect_dag, params={"limit": 5})
    [extract_a, extract_b] >> transform >> load >> inspect
    extract_b >> audit
