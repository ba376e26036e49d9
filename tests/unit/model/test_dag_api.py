"""The DAG object's public API, with the results real Airflow 2.10.5 gave for the same DAGs (recorded with
the oracle venv), deprecated methods included with Airflow's warnings."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pendulum
import pytest
import time_machine

from headwater.errors import RemovedInAirflow3Warning, TaskNotFound
from headwater.model.dag import DAG
from headwater.operators.empty import EmptyOperator


def at(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


def chain_dag(dag_id: str = "daily_at_3", **kwargs: object) -> DAG:
    options: dict[str, object] = {"schedule": "0 3 * * *", "start_date": at(2024, 1, 1), "catchup": True, **kwargs}
    with DAG(dag_id, **options) as dag:  # type: ignore[arg-type]
        a = EmptyOperator(task_id="a", owner="x")
        b = EmptyOperator(task_id="b")
        c = EmptyOperator(task_id="c")
        a >> b >> c
    return dag


def every_five_hours() -> DAG:
    with DAG("every_5h", schedule=timedelta(hours=5), start_date=at(2024, 1, 1, 1)) as dag:
        EmptyOperator(task_id="a")
    return dag


class TestDeprecatedScheduleMethods:
    def test_following_and_previous_schedule_on_a_cron(self) -> None:
        dag = chain_dag()
        with pytest.warns(RemovedInAirflow3Warning, match=r"DAG.following_schedule\(\)` is deprecated"):
            assert dag.following_schedule(at(2024, 1, 1, 5)) == at(2024, 1, 2, 3)
        with pytest.warns(RemovedInAirflow3Warning, match=r"DAG.previous_schedule\(\)` is deprecated"):
            assert dag.previous_schedule(at(2024, 1, 1, 5)) == at(2024, 1, 1, 3)

    def test_following_and_previous_schedule_on_a_timedelta(self) -> None:
        dag = every_five_hours()
        with pytest.warns(RemovedInAirflow3Warning):
            assert dag.following_schedule(at(2024, 1, 1, 5)) == at(2024, 1, 1, 10)
        with pytest.warns(RemovedInAirflow3Warning):
            assert dag.previous_schedule(at(2024, 1, 1, 5)) == at(2024, 1, 1, 0)

    def test_preset_previous_schedule_ignores_catchup(self) -> None:
        dag = chain_dag("daily", schedule="@daily", catchup=False)
        with pytest.warns(RemovedInAirflow3Warning):
            assert dag.following_schedule(at(2024, 1, 1)) == at(2024, 1, 2)
        with pytest.warns(RemovedInAirflow3Warning):
            assert dag.previous_schedule(at(2024, 1, 1)) == at(2023, 12, 31)

    def test_get_run_dates_includes_both_ends(self) -> None:
        with pytest.warns(RemovedInAirflow3Warning, match="Please use `DAG.iter_dagrun_infos_between"):
            dates = chain_dag().get_run_dates(at(2024, 1, 1), at(2024, 1, 3, 3))
        assert dates == [at(2024, 1, 1, 3), at(2024, 1, 2, 3), at(2024, 1, 3, 3)]

    def test_unscheduled_and_once_dags(self) -> None:
        with DAG("manual", schedule=None, start_date=at(2024, 1, 1)) as manual:
            EmptyOperator(task_id="a")
        with DAG("once", schedule="@once", start_date=at(2024, 1, 1)) as once:
            EmptyOperator(task_id="a")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RemovedInAirflow3Warning)
            assert manual.following_schedule(at(2024, 1, 1)) is None
            assert manual.previous_schedule(at(2024, 1, 1)) is None
            assert manual.get_run_dates(at(2024, 1, 1), at(2024, 1, 2)) == []
            assert once.following_schedule(at(2024, 1, 1)) is None
            assert once.get_run_dates(at(2024, 1, 1), at(2024, 1, 2)) == [at(2024, 1, 1)]
        assert manual.next_dagrun_info(None) is None
        first = once.next_dagrun_info(None)
        assert first is not None and (first.logical_date, first.run_after) == (at(2024, 1, 1), at(2024, 1, 1))

    def test_a_datetime_for_next_dagrun_info_is_deprecated(self) -> None:
        with pytest.warns(RemovedInAirflow3Warning, match="Use a DataInterval instead"):
            info = chain_dag().next_dagrun_info(at(2024, 1, 1, 3))
        assert info is not None and info.logical_date == at(2024, 1, 2, 3)


class TestNextDagrunInfo:
    def test_first_run_of_a_cron_dag_is_the_first_point_after_its_start(self) -> None:
        info = chain_dag().next_dagrun_info(None)
        assert info is not None
        assert (info.logical_date, info.data_interval.end, info.run_after) == (
            at(2024, 1, 1, 3),
            at(2024, 1, 2, 3),
            at(2024, 1, 2, 3),
        )

    def test_after_a_run_of_a_timedelta_dag(self) -> None:
        dag = every_five_hours()
        info = dag.next_dagrun_info(dag.infer_automated_data_interval(at(2024, 1, 1, 1)))
        assert info is not None and (info.logical_date, info.run_after) == (at(2024, 1, 1, 6), at(2024, 1, 1, 11))

    def test_unrestricted_without_a_previous_run_is_none(self) -> None:
        assert every_five_hours().next_dagrun_info(None, restricted=False) is None

    def test_catchup_false_starts_at_the_latest_complete_interval(self) -> None:
        dag = chain_dag("daily", schedule="@daily", catchup=False)
        with time_machine.travel(at(2026, 12, 4, 21, 58), tick=False):
            info = dag.next_dagrun_info(None)
        assert info is not None and info.logical_date == at(2026, 12, 3)

    def test_end_date_stops_the_schedule(self) -> None:
        dag = chain_dag("ending", end_date=at(2024, 1, 1, 2))
        assert dag.next_dagrun_info(None) is None


class TestIterDagrunInfosBetween:
    def test_align_false_invents_a_first_interval(self) -> None:
        infos = list(chain_dag().iter_dagrun_infos_between(at(2024, 1, 1, 1), at(2024, 1, 2, 3), align=False))
        assert [(i.logical_date, i.data_interval.end) for i in infos] == [
            (at(2024, 1, 1, 1), at(2024, 1, 1, 3)),
            (at(2024, 1, 1, 3), at(2024, 1, 2, 3)),
            (at(2024, 1, 2, 3), at(2024, 1, 3, 3)),
        ]

    def test_earliest_defaults_to_the_start_date(self) -> None:
        infos = every_five_hours().iter_dagrun_infos_between(None, at(2024, 1, 2))
        assert [i.logical_date.hour for i in infos] == [1, 6, 11, 16, 21]

    def test_an_unscheduled_dag_with_align_false_covers_the_window(self) -> None:
        with DAG("manual", schedule=None, start_date=at(2024, 1, 1)) as manual:
            EmptyOperator(task_id="a")
        infos = list(manual.iter_dagrun_infos_between(at(2024, 1, 1), at(2024, 1, 2), align=False))
        assert [(i.logical_date, i.data_interval.end) for i in infos] == [(at(2024, 1, 1), at(2024, 1, 2))]


class TestStructure:
    def test_tasks_roots_leaves_and_order(self) -> None:
        dag = chain_dag()
        assert dag.task_ids == ["a", "b", "c"]
        assert [t.task_id for t in dag.tasks] == ["a", "b", "c"]
        assert [t.task_id for t in dag.roots] == ["a"] and [t.task_id for t in dag.leaves] == ["c"]
        assert [t.task_id for t in dag.topological_sort()] == ["a", "b", "c"]
        assert dag.has_task("a") and not dag.has_task("z")
        assert dag.get_task("b") is dag.task_dict["b"]
        assert (dag.tags, dag.description, dag.doc_md) == ([], None, None)

    def test_owner_lists_each_task_owner_once(self) -> None:
        assert sorted(chain_dag().owner.split(", ")) == ["airflow", "x"]

    def test_partial_subset_by_regex_takes_upstream(self) -> None:
        dag = chain_dag()
        subset = dag.partial_subset("b")
        assert sorted(subset.task_dict) == ["a", "b"]
        assert subset.task_dict["b"].downstream_task_ids == set()
        assert dag.task_dict["b"].downstream_task_ids == {"c"}, "the original DAG is untouched"

    def test_partial_subset_by_ids_downstream_only(self) -> None:
        subset = chain_dag().partial_subset(["b"], include_upstream=False, include_downstream=True)
        assert subset.task_ids == ["b", "c"]
        assert [t.task_id for t in subset.roots] == ["b"]
        assert subset.get_task("b").dag is subset

    def test_partial_subset_direct_upstream(self) -> None:
        subset = chain_dag().partial_subset(["c"], include_upstream=False, include_direct_upstream=True)
        assert subset.task_ids == ["b", "c"]


def test_get_task_of_a_missing_id_raises_task_not_found_naming_the_closest() -> None:
    with pytest.raises(TaskNotFound) as raised:
        chain_dag().get_task("bb")
    assert str(raised.value) == "DAG 'daily_at_3' has no task 'bb'; did you mean 'b'?"
    assert isinstance(raised.value, KeyError), "code written for headwater's earlier KeyError still catches it"
