"""A manually triggered run with conf: DAG-level params and Params, a task-level params override,
dag_run.conf.get() with defaults in templates, and conf keys that are not declared params."""

from datetime import datetime

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"run_type": "manual", "conf": {"source": "api", "days": 3, "extra": "from-conf"}}


def resolved(params, dag_run, **_):
    return {"params": {k: params[k] for k in sorted(params.keys())}, "conf": dag_run.conf}


with DAG(
    "tmpl_params_conf_override",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    params={
        "source": "files",
        "days": Param(7, type="integer", minimum=1, maximum=31),
        "label": Param("nightly", type="string"),
    },
) as dag:
    all_params = PythonOperator(task_id="resolved", python_callable=resolved)
    own = PythonOperator(
        task_id="task_level",
        python_callable=resolved,
        params={"label": "task-label", "source": "task-source"},
    )
    rendered = PythonOperator(
        task_id="rendered",
        python_callable=lambda **kw: kw["templates_dict"],
        templates_dict={
            "window": "last {{ params.days }} days from {{ params.source }}",
            "conf_default": "{{ dag_run.conf.get('missing', 'none-given') }}",
            "conf_value": "{{ dag_run.conf.get('source') }}",
            "extra_param": "{{ params.extra | default('absent') }}",
            "label": "{{ params['label'] }}",
        },
    )
    all_params >> own >> rendered
