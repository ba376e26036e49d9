"""@task_group with arguments and a return value used downstream, the same group called twice (group
ids get __1), a nested TaskGroup context manager with prefix_group_id=False, and tasks reporting the
ids they were given."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task, task_group
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup


@task
def fetch(source: str, ti=None):
    return {"source": source, "task_id": ti.task_id}


@task
def validate(payload: dict, ti=None):
    return {**payload, "valid": True, "validator": ti.task_id}


@task
def merge(*results):
    return {"sources": [r["source"] for r in results], "validators": [r["validator"] for r in results]}


@task_group(group_id="ingest")
def ingest(source: str):
    """Fetch then validate one source."""
    return validate(fetch(source))


with DAG("tf_task_group_returns", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    start = EmptyOperator(task_id="start")
    a = ingest("crm")
    b = ingest("erp")
    with TaskGroup("reporting", tooltip="reports") as reporting:
        with TaskGroup("flat", prefix_group_id=False) as flat:
            plain = EmptyOperator(task_id="plain_in_flat")
        nested = EmptyOperator(task_id="nested")
        flat >> nested

    @task
    def group_facts(dag=None):
        groups = dag.task_group.get_task_group_dict()
        return {
            "groups": sorted(k for k in groups if k),
            "reporting_children": sorted(reporting.children),
            "flat_prefix": flat.prefix_group_id,
            "plain_id": plain.task_id,
            "upstream_of_reporting": sorted(t.task_id for t in reporting.get_roots()),
        }

    start >> [a, b]
    merged = merge(a, b)
    merged >> reporting >> group_facts()
