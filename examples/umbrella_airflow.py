"""The umbrella pipeline written for Apache Airflow: it runs unchanged on headwater (no Airflow installed).

Fetch and clean sales (from the old or the new ERP system, picked by date) and weather data,
join them, train a model, and deploy it only from the most recent run.
"""

import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.latest_only import LatestOnlyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator

ERP_CHANGE_DATE = pendulum.datetime(2024, 1, 15, tz="UTC")


def _pick_erp_system(logical_date):
    return "fetch_sales_old" if logical_date < ERP_CHANGE_DATE else "fetch_sales_new"


def _fetch_sales(system):
    return {"system": system, "rows": [12, 7, 30]}


def _clean_sales(ti, source):
    raw = ti.xcom_pull(task_ids=source)
    return {"system": raw["system"], "total": sum(raw["rows"])}


def _fetch_weather(ds):
    return {"day": ds, "rain_mm": [0.0, 4.5, 11.0]}


def _clean_weather(ti):
    return max(ti.xcom_pull(task_ids="fetch_weather")["rain_mm"])


def _join_datasets(ti):
    sales = [s for s in ti.xcom_pull(task_ids=["clean_sales_old", "clean_sales_new"]) if s]
    return {"sales": sales[0]["total"], "max_rain": ti.xcom_pull(task_ids="clean_weather")}


def _train_model(ti):
    data = ti.xcom_pull(task_ids="join_datasets")
    return f"umbrella-model(sales={data['sales']},rain={data['max_rain']})"


def _deploy_model(ti):
    return "deployed " + ti.xcom_pull(task_ids="train_model")


with DAG(
    dag_id="umbrella_airflow",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    doc_md=__doc__,
) as dag:
    start = EmptyOperator(task_id="start")
    pick_erp_system = BranchPythonOperator(task_id="pick_erp_system", python_callable=_pick_erp_system)
    fetch_sales_old = PythonOperator(task_id="fetch_sales_old", python_callable=_fetch_sales, op_args=["old"])
    fetch_sales_new = PythonOperator(task_id="fetch_sales_new", python_callable=_fetch_sales, op_args=["new"])
    clean_sales_old = PythonOperator(
        task_id="clean_sales_old", python_callable=_clean_sales, op_kwargs={"source": "fetch_sales_old"}
    )
    clean_sales_new = PythonOperator(
        task_id="clean_sales_new", python_callable=_clean_sales, op_kwargs={"source": "fetch_sales_new"}
    )
    join_erp_branch = EmptyOperator(task_id="join_erp_branch", trigger_rule="none_failed")
    fetch_weather = PythonOperator(task_id="fetch_weather", python_callable=_fetch_weather)
    clean_weather = PythonOperator(task_id="clean_weather", python_callable=_clean_weather)
    join_datasets = PythonOperator(task_id="join_datasets", python_callable=_join_datasets)
    train_model = PythonOperator(task_id="train_model", python_callable=_train_model)
    latest_only = LatestOnlyOperator(task_id="latest_only")
    deploy_model = PythonOperator(task_id="deploy_model", python_callable=_deploy_model)

    start >> [pick_erp_system, fetch_weather]
    pick_erp_system >> [fetch_sales_old, fetch_sales_new]
    fetch_sales_old >> clean_sales_old
    fetch_sales_new >> clean_sales_new
    [clean_sales_old, clean_sales_new] >> join_erp_branch
    fetch_weather >> clean_weather
    [join_erp_branch, clean_weather] >> join_datasets >> train_model >> deploy_model
    latest_only >> deploy_model
