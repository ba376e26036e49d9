"""How TaskFlow functions receive the context: named keyword defaults (ds=None, ti=None), **kwargs,
**context next to regular arguments, templated strings passed as arguments, templates_dict on @task,
and get_current_context() inside a mapped task (map_index, expanded_ti_count)."""

import pendulum
from airflow.decorators import dag, task
from airflow.operators.python import get_current_context

ORACLE_RUN = {"logical_date": "2024-05-06T00:00:00+00:00"}


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 5, 1, tz="UTC"), catchup=False)
def tf_context_injection():
    @task
    def named(value, ds=None, ti=None, params=None, run_id=None):
        return {"value": value, "ds": ds, "task": ti.task_id, "params": dict(params), "run_id": run_id}

    @task
    def kwargs_only(**kwargs):
        return {"has_ti": "ti" in kwargs, "ds_nodash": kwargs["ds_nodash"], "dag_id": kwargs["dag"].dag_id}

    @task
    def mixed(a, b=2, **context):
        return {"sum": a + b, "logical": context["logical_date"].isoformat(), "mine": context["task"].task_id}

    @task
    def templated(text: str, number):
        return {"text": text, "number": number, "type": type(number).__name__}

    @task(templates_dict={"day": "{{ ds }}", "next": "{{ macros.ds_add(ds, 1) }}"})
    def with_templates_dict(templates_dict=None):
        return dict(templates_dict)

    @task
    def mapped(item):
        context = get_current_context()
        return {"item": item, "map_index": context["ti"].map_index, "count": context["expanded_ti_count"]}

    named(1)
    kwargs_only()
    mixed(3)
    templated("run {{ run_id }} on {{ ds }}", "{{ 40 + 2 }}")
    with_templates_dict()
    mapped.expand(item=["x", "y", "z"])


tf_context_injection()
