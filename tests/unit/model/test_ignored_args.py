"""Arguments Airflow accepts: served ones change behaviour, the others are kept and announced once per DAG."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pendulum
import pytest

from headwater.errors import IgnoredArgumentWarning, RemovedInAirflow3Warning
from headwater.model.dag import DAG
from headwater.operators.empty import EmptyOperator

START = pendulum.datetime(2024, 1, 1, tz="UTC")


def test_an_ignored_task_argument_is_kept_and_announced_once_per_dag() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with DAG("d", start_date=START, schedule=None, default_args={"sla": timedelta(hours=1)}) as dag:
            for n in range(3):
                EmptyOperator(task_id=f"t{n}", run_as_user="etl")
    messages = [str(w.message) for w in caught if w.category is IgnoredArgumentWarning]
    assert messages == [
        "DAG 'd', task 't0': headwater accepts run_as_user='etl' but does not act on it (tasks run as the worker's "
        "own user). Remove it, or keep it for Airflow; headwater says this once per DAG.",
        "DAG 'd', task 't0': headwater accepts sla=datetime.timedelta(seconds=3600) but does not act on it (SLA "
        "misses are not tracked and sla_miss_callback is never called). Remove it, or keep it for Airflow; "
        "headwater says this once per DAG.",
    ]
    assert caught[0].filename == __file__
    assert dag.get_task("t2").sla == timedelta(hours=1)  # type: ignore[attr-defined]


def test_a_value_that_changes_nothing_in_airflow_is_not_announced() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", IgnoredArgumentWarning)
        with DAG("d", start_date=START, schedule=None):
            EmptyOperator(task_id="t", email_on_failure=False, email=None, task_display_name="Nice name")


def test_ui_only_arguments_are_kept_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", IgnoredArgumentWarning)
        with DAG("d", start_date=START, schedule=None, dag_display_name="Pretty", owner_links={"a": "b"}) as dag:
            task = EmptyOperator(task_id="t", task_display_name="Nice name")
    assert (dag.dag_display_name, task.task_display_name) == ("Pretty", "Nice name")  # type: ignore[attr-defined]


def test_concurrency_is_the_deprecated_spelling_of_max_active_tasks() -> None:
    with pytest.warns(RemovedInAirflow3Warning, match="Please use 'max_active_tasks'"):
        dag = DAG("d", start_date=START, schedule=None, concurrency=3)
    assert dag.max_active_tasks == 3


def test_task_concurrency_was_removed_as_in_airflow_2() -> None:
    with DAG("d", start_date=START, schedule=None), pytest.raises(TypeError, match="use max_active_tis_per_dag"):
        EmptyOperator(task_id="t", task_concurrency=2)


def test_per_task_limits_are_kept_on_the_task_and_its_mapped_form() -> None:
    with DAG("d", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="t", max_active_tis_per_dag=2, max_active_tis_per_dagrun=1)
        EmptyOperator.partial(task_id="m", max_active_tis_per_dagrun=3).expand(doc_md=["a", "b"])
    assert (dag.get_task("t").max_active_tis_per_dag, dag.get_task("t").max_active_tis_per_dagrun) == (2, 1)
    assert dag.get_task("m").max_active_tis_per_dagrun == 3
