"""The XComArg API that real DAGs use: `.output`, indexing a multiple-outputs result, `.map`,
`.zip`, `.concat` feeding `.expand`, and XComArgs on either side of `>>` / set_downstream."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.models.xcom_arg import XComArg
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator


def list_files():
    return ["a.csv", "b.csv"]


with DAG("xcomarg_public_api", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    files = PythonOperator(task_id="list_files", python_callable=list_files)

    @task(multiple_outputs=True)
    def config():
        return {"bucket": "raw", "region": "eu"}

    @task
    def copy(path: str, bucket: str):
        return f"{bucket}/{path}"

    @task
    def sizes():
        return [10, 20, 30]

    @task
    def pair(item):
        return list(item)

    @task
    def total(values):
        return sum(values)

    cfg = config()
    paths = XComArg(files).map(lambda name: name.upper())
    copy.partial(bucket=cfg["bucket"]).expand(path=paths)
    sized = sizes()
    pair.expand(item=files.output.zip(sized, fillvalue="-"))
    all_values = total(sized.concat(XComArg(files).map(len)))

    gate = EmptyOperator(task_id="gate")
    finish = EmptyOperator(task_id="finish")
    gate >> files.output
    cfg.set_upstream(gate)
    all_values >> finish
    files.output.set_downstream(EmptyOperator(task_id="after_files"))
