"""Params as objects: dag.params.get_param(...).value and .description, ParamsDict.dump(), a Param without
default that conf fills, task-level params merged over the DAG's, and params read in templates."""

from datetime import datetime

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"run_type": "manual", "conf": {"target": "prod", "threshold": 0.75}}


def read_params(dag, params, **_):
    declared = dag.params.get_param("threshold")
    return {
        "dump": dag.params.dump(),
        "threshold_default": declared.value,
        "threshold_description": declared.description,
        "target_schema": dag.params.get_param("target").schema,
        "runtime": {k: params[k] for k in sorted(params)},
        "has_retries": "retries" in params,
    }


with DAG(
    "dagapi_params_objects",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    params={
        "threshold": Param(0.5, type="number", minimum=0, maximum=1, description="share of rows that must load"),
        "target": Param(type="string", enum=["dev", "prod"]),
        "retries": 3,
    },
) as dag:
    PythonOperator(task_id="read_params", python_callable=read_params, params={"retries": 5, "owner_team": "dwh"})
    PythonOperator(
        task_id="templated",
        python_callable=lambda **kw: kw["templates_dict"],
        templates_dict={
            "line": "{{ params.target }} at {{ params.threshold * 100 }}% with {{ params.retries }} retries",
            "keys": "{{ params.keys() | sort | join(',') }}",
        },
    )
