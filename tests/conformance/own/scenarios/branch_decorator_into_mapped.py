"""`@task.branch` choosing between two mapped tasks: the chosen one expands, the other is skipped
before it is ever expanded, and the reducers downstream see it with their trigger rules."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def branch_decorator_into_mapped():
    @task
    def list_files():
        return ["a.csv", "b.csv", "c.json"]

    @task.branch
    def pick_loader(files):
        return "load_csv" if any(f.endswith(".csv") for f in files) else "load_json"

    @task
    def load_csv(name):
        return name.upper()

    @task
    def load_json(name):
        return {"json": name}

    @task(trigger_rule="none_failed_min_one_success")
    def count(csv_rows, json_rows):
        return {"csv": sorted(csv_rows or []), "json": list(json_rows or [])}

    @task
    def strict_count(json_rows):
        return len(list(json_rows))

    files = list_files()
    branch = pick_loader(files)
    csv_rows = load_csv.expand(name=files)
    json_rows = load_json.expand(name=files)
    branch >> [csv_rows, json_rows]
    count(csv_rows, json_rows)
    strict_count(json_rows)


branch_decorator_into_mapped()
