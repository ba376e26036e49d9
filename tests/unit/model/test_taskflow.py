"""Tests for the TaskFlow side of the model (headwater.decorators.base): the task ids repeated ``@task``
calls get, and ``multiple_outputs`` inferred from the return annotation.
"""

from __future__ import annotations

import pytest

from headwater import DAG, TaskGroup, task


class TestTaskflowIds:
    def test_calling_a_task_twice_gives_numbered_ids(self) -> None:
        """Given @task double, when it is called three times, then the ids are double, double__1, double__2."""
        with DAG("flow", schedule=None) as dag:

            @task
            def double(x: int) -> int:
                return 2 * x

            first, second, third = double(1), double(2), double(3)
        assert [r.operator.task_id for r in (first, second, third)] == ["double", "double__1", "double__2"]
        assert dag.task_ids == ["double", "double__1", "double__2"]

    def test_numbering_is_per_group(self) -> None:
        """Given a @task called once outside and twice inside a group, then the group's ids are numbered on
        their own."""
        with DAG("flow", schedule=None) as dag:

            @task
            def double(x: int) -> int:
                return 2 * x

            double(0)
            with TaskGroup("grp"):
                double(1)
                double(2)
        assert dag.task_ids == ["double", "grp.double", "grp.double__1"]

    def test_an_explicit_task_id_is_kept(self) -> None:
        """Given @task called with .override(task_id='twice'), then the task id is 'twice'."""
        with DAG("flow", schedule=None) as dag:

            @task
            def double(x: int) -> int:
                return 2 * x

            double.override(task_id="twice")(1)
        assert dag.task_ids == ["twice"]


class TestMultipleOutputsInference:
    def test_a_dict_return_annotation_turns_multiple_outputs_on(self) -> None:
        """Given a @task annotated `-> dict[str, int]`, when it is called, then multiple_outputs is on."""
        with DAG("flow", schedule=None):

            @task
            def split() -> dict[str, int]:
                return {"a": 1}

            result = split()
        assert split.multiple_outputs is True
        assert result.operator.multiple_outputs is True

    @pytest.mark.parametrize("annotation", [int, list[int], "str"])
    def test_other_annotations_leave_it_off(self, annotation: object) -> None:
        """Given a @task annotated with a non-mapping type, then multiple_outputs stays off."""

        def fn() -> None:
            return None

        fn.__annotations__["return"] = annotation
        assert task(fn).multiple_outputs is False

    def test_no_annotation_leaves_it_off(self) -> None:
        """Given a @task with no return annotation, then multiple_outputs stays off."""

        def fn():
            return {"a": 1}

        assert task(fn).multiple_outputs is False

    def test_an_explicit_false_beats_the_annotation(self) -> None:
        """Given `@task(multiple_outputs=False)` on a `-> dict[str, int]` function, then it stays off."""

        @task(multiple_outputs=False)
        def split() -> dict[str, int]:
            return {"a": 1}

        assert split.multiple_outputs is False
