"""Task groups: ids, nesting, prefixes, and what happens when a group id is used twice."""

from __future__ import annotations

import pytest

from headwater import DAG, EmptyOperator, TaskGroup, task, task_group
from headwater.errors import DuplicateTaskIdError


class TestGroupIds:
    def test_nested_groups_prefix_their_children_with_every_group_id(self) -> None:
        """A task in group 'inner' inside group 'outer' is named 'outer.inner.task'."""
        with DAG("nested", schedule=None) as dag, TaskGroup("outer"), TaskGroup("inner"):
            EmptyOperator(task_id="task")
        assert dag.task_ids == ["outer.inner.task"]

    def test_prefix_group_id_false_keeps_the_plain_task_id(self) -> None:
        """A group with prefix_group_id=False leaves its children's ids alone."""
        with DAG("flat", schedule=None) as dag, TaskGroup("flat_group", prefix_group_id=False):
            EmptyOperator(task_id="c")
        assert dag.task_ids == ["c"]

    def test_an_unprefixed_group_inside_a_prefixed_one_drops_every_prefix(self) -> None:
        """Airflow names a task in TaskGroup('flat', prefix_group_id=False) inside TaskGroup('outer') by its
        bare label, while the inner group itself is still 'outer.flat'."""
        with DAG("mixed", schedule=None) as dag, TaskGroup("outer") as outer:
            with TaskGroup("flat", prefix_group_id=False) as flat:
                EmptyOperator(task_id="bare")
                with TaskGroup("deeper"):
                    EmptyOperator(task_id="x")
            EmptyOperator(task_id="kept")
        assert sorted(dag.task_ids) == ["bare", "deeper.x", "outer.kept"]
        assert (flat.group_id, sorted(outer.children)) == ("outer.flat", ["outer.flat", "outer.kept"])
        assert sorted(k for k in dag.task_group.get_task_group_dict() if k) == ["deeper", "outer", "outer.flat"]
        assert outer.get_child_by_label("kept").task_id == "outer.kept"

    def test_a_decorated_group_called_twice_gets_a_suffixed_id(self) -> None:
        """Calling a @task_group function twice gives groups 'tg' and 'tg__1', as in Airflow."""
        with DAG("twice", schedule=None) as dag:

            @task
            def one(x: int) -> int:
                return x

            @task_group
            def tg(v: int) -> object:
                return one(v)

            tg(1)
            tg(2)
        assert sorted(dag.task_ids) == ["tg.one", "tg__1.one"]

    def test_a_plain_group_id_used_twice_is_an_error(self) -> None:
        """Two TaskGroup('g') in one DAG raise DuplicateTaskIdError naming the DAG and the id."""
        with DAG("dup", schedule=None), TaskGroup("g"):
            EmptyOperator(task_id="a")
        with pytest.raises(DuplicateTaskIdError) as caught, DAG("dup2", schedule=None) as dag:
            TaskGroup("g", dag=dag)
            TaskGroup("g", dag=dag)
        assert str(caught.value) == (
            "DAG 'dup2' already has a task group 'g'. Task and group ids must be unique within a DAG: "
            "rename one of them."
        )


class TestMappedGroups:
    def test_expanding_a_task_group_maps_every_task_in_it(self) -> None:
        """Expanding a @task_group makes its group mapped, and every task in it mapped through the group."""
        with DAG("mapped_group", schedule=None) as dag:

            @task
            def one(x: int) -> int:
                return x

            @task_group
            def grp(x: int) -> object:
                return one(x)

            grp.expand(x=[1, 2])
        (only,) = dag.tasks
        assert only.task_id == "grp.one"
        assert only.is_mapped
        assert only.mapped_group is not None and only.mapped_group.group_id == "grp"
