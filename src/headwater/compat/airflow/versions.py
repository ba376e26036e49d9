"""The Airflow version whose behaviour headwater reproduces."""

AIRFLOW_VERSION = "2.10.5"
