"""A @task_group expanded over a list (mapped task group): each member task runs once per element,
partial arguments reach every expansion, the group's result feeds a reducer, and a task in the
group reads its own map_index."""

import pendulum
from airflow.decorators import dag, task, task_group


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def tf_mapped_task_group():
    @task
    def regions():
        return ["eu", "us", "apac"]

    @task
    def download(region: str, day: str):
        return f"{region}/{day}.csv"

    @task
    def count(path: str, ti=None):
        return {"path": path, "map_index": ti.map_index, "rows": len(path)}

    @task_group
    def per_region(region: str, day: str):
        return count(download(region, day))

    @task
    def reduce(results):
        results = list(results)
        return {"total": sum(r["rows"] for r in results), "indexes": [r["map_index"] for r in results]}

    reduce(per_region.partial(day="2024-01-01").expand(region=regions()))


tf_mapped_task_group()
