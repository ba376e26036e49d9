"""Manual runs of DAGs on presets and a timedelta: the data interval a manual trigger gets for @hourly
(between ticks), the prev/next ds a manual run sees (the logical date itself), and the run's own
attributes read from dag_run."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"run_type": "manual", "logical_date": "2024-02-10T13:45:00+00:00"}


def about_run(dag_run, data_interval_start, data_interval_end, prev_ds, next_ds, **_):
    return {
        "interval": [data_interval_start.isoformat(), data_interval_end.isoformat()],
        "prev_ds": str(prev_ds),
        "next_ds": str(next_ds),
        "run_type": str(dag_run.run_type),
        "external_trigger": dag_run.external_trigger,
        "run_id_prefix": dag_run.run_id.split("__")[0],
        "conf": dag_run.conf,
        "logical": dag_run.logical_date.isoformat(),
    }


with DAG("sched_presets_manual", start_date=datetime(2024, 1, 1), schedule="@hourly", catchup=False) as dag:
    PythonOperator(task_id="about_run", python_callable=about_run)
