"""TaskFlow task ids as real files produce them: a task_id= override, the same @task called several
times (ids get __1, __2), .override(task_id=..., retries=...) in a loop, and get_current_context()
inside a helper that is not itself a task."""

import pendulum
from airflow.decorators import dag, task
from airflow.operators.python import get_current_context


def whoami():
    context = get_current_context()
    ti = context["ti"]
    return {"task_id": ti.task_id, "max_tries": ti.max_tries, "ds": context["ds"], "map_index": ti.map_index}


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def tf_task_ids_and_override():
    @task(task_id="extract_source")
    def extract():
        return whoami()

    @task
    def clean(value):
        return {"me": whoami()["task_id"], "got": value}

    @task(retries=2)
    def publish(name):
        return whoami() | {"name": name}

    first = clean(1)
    second = clean(2)
    third = clean(3)
    extract() >> [first, second, third]
    for region in ["eu", "us"]:
        third >> publish.override(task_id=f"publish_{region}", retries=0)(region)
    third >> publish("default")
    third >> publish("again")
    third >> extract.override(task_id="extract_copy")()


tf_task_ids_and_override()
