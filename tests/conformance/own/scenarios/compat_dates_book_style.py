"""Book style: `import airflow` once, then airflow.utils.dates / timezone through attributes."""

import datetime

import airflow
from airflow.operators.python import PythonOperator

ORACLE_RUN = {"logical_date": "2024-01-04T00:00:00+00:00", "now": "2024-01-05T12:00:00+00:00"}


def _date_helpers():
    dates = airflow.utils.dates
    tz = airflow.utils.timezone
    start = tz.datetime(2016, 1, 1)
    return {
        "range": [d.isoformat() for d in dates.date_range(start, tz.datetime(2016, 1, 3), delta=datetime.timedelta(1))],
        "monthly": [d.isoformat() for d in dates.date_range(start, tz.datetime(2016, 3, 3), delta="@monthly")],
        "back": [
            d.isoformat() for d in dates.date_range(datetime.datetime(2016, 1, 1), num=-2, delta=datetime.timedelta(1))
        ],
        "rounded": dates.round_time(
            tz.datetime(2015, 9, 13), datetime.timedelta(1), tz.datetime(2015, 9, 14)
        ).isoformat(),
        "unit": dates.infer_time_unit([130, 5400, 10]),
        "scaled": dates.scale_time_units([5400, 90], "minutes"),
        "presets": sorted(dates.cron_presets),
    }


def _timezone_helpers():
    tz = airflow.utils.timezone
    paris = tz.parse_timezone("Europe/Paris")
    return {
        "aware": tz.make_aware(datetime.datetime(2024, 7, 1, 12), paris).isoformat(),
        "naive": tz.make_naive(tz.datetime(2024, 7, 1, 12), paris).isoformat(),
        "utc": tz.convert_to_utc(datetime.datetime(2024, 1, 1, 1, tzinfo=paris)).isoformat(),
        "parsed": tz.parse("2024-01-02T03:04:05+02:00").isoformat(),
        "localized": [tz.is_localized(tz.datetime(2024, 1, 1)), tz.is_naive(datetime.datetime(2024, 1, 1))],
    }


dag = airflow.DAG(
    dag_id="compat_dates_book_style",
    start_date=airflow.utils.dates.days_ago(3),
    schedule_interval="@daily",
    catchup=False,
)

dates_task = PythonOperator(task_id="dates", python_callable=_date_helpers, dag=dag)
tz_task = PythonOperator(task_id="timezones", python_callable=_timezone_helpers, dag=dag)
dates_task >> tz_task
