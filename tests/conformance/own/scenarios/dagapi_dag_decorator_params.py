"""The @dag decorator with typed Params overridden by the trigger's conf, defaults shared through
default_args, and tasks reading params, dag_run.conf and the DAG object they belong to."""

import pendulum
from airflow.decorators import dag, task
from airflow.models.param import Param

ORACLE_RUN = {"run_type": "manual", "conf": {"region": "us", "batch": 3}}


@dag(
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"owner": "analytics", "retries": 1},
    params={
        "region": Param("eu", type="string", enum=["eu", "us"]),
        "batch": Param(1, type="integer", minimum=1),
        "dry_run": Param(False, type="boolean"),
        "plain": "untyped",
    },
    tags=["params"],
)
def dagapi_dag_decorator_params():
    @task
    def settings(params=None, dag_run=None, dag=None):
        return {
            "params": dict(params),
            "conf": dict(dag_run.conf),
            "conf_get": dag_run.conf.get("missing", "fallback"),
            "dag_id": dag.dag_id,
            "dag_param_default": dag.params["region"],
            "owner": dag.owner,
        }

    @task(retries=0)
    def batches(batch: int, ti=None):
        return {"batches": list(range(int(batch))), "arrived_as": type(batch).__name__, "max_tries": ti.max_tries}

    settings() >> batches("{{ params.batch }}")


dagapi_dag_decorator_params()
