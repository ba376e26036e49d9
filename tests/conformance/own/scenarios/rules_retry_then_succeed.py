"""Flaky tasks with retries and retry_delay=timedelta(0) that succeed on a later try (decided by
ti.try_number), a mapped instance that needs a retry, and one that never recovers; the try numbers
and XComs show how many tries each took."""

from datetime import datetime, timedelta

from airflow.decorators import dag, task
from airflow.operators.python import PythonOperator


def flaky_api(ti, **_):
    if ti.try_number < 3:
        raise ConnectionError(f"timeout on try {ti.try_number}")
    return {"try": ti.try_number, "max_tries": ti.max_tries}


@dag(
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(0)},
)
def rules_retry_then_succeed():
    api = PythonOperator(task_id="flaky_api", python_callable=flaky_api)

    @task(retries=1, retry_delay=timedelta(seconds=0))
    def shard(n, ti=None):
        if n == 2 and ti.try_number == 1:
            raise RuntimeError("lost worker")
        return n * 10 + ti.try_number

    @task(retries=1)
    def hopeless(ti=None):
        raise ValueError(f"bad input on try {ti.try_number}")

    @task(trigger_rule="all_done")
    def summary(shards, ti=None):
        return {"shards": list(shards), "api": ti.xcom_pull(task_ids="flaky_api")["try"]}

    shards = shard.expand(n=[1, 2, 3])
    api >> shards
    [shards, hopeless()] >> summary(shards)


rules_retry_then_succeed()
