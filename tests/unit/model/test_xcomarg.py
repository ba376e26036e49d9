"""XComArg's public API as DAG files use it: setup/teardown on TaskFlow results, references, wiring of
every task a zipped or concatenated argument reads, and the errors for what Airflow refuses."""

from __future__ import annotations

import pytest

from headwater import DAG, task
from headwater.model.trigger_rule import TriggerRule
from headwater.model.xcomarg import XComArg
from headwater.operators.empty import EmptyOperator


@task
def make() -> list[int]:
    return [1, 2]


@task
def use(value: object) -> None:
    return None


def test_as_setup_and_as_teardown_on_taskflow_results() -> None:
    """Given create().as_setup() >> work() >> delete().as_teardown(setups=create), then create is a setup,
    delete a teardown with all_done_setup_success downstream of create, and each call returns its XComArg."""
    with DAG("st", schedule=None) as dag:
        create = make()
        assert create.as_setup() is create
        work = use(create)
        delete = use.override(task_id="delete")()
        assert delete.as_teardown(setups=create, on_failure_fail_dagrun=True) is delete
        create >> work >> delete
    created, deleted = dag.task_dict["make"], dag.task_dict["delete"]
    assert created.is_setup and create.is_setup
    assert deleted.is_teardown and deleted.on_failure_fail_dagrun and delete.on_failure_fail_dagrun
    assert deleted.trigger_rule == TriggerRule.ALL_DONE_SETUP_SUCCESS
    assert dag.task_dict["delete"].upstream_task_ids == {"make", "use"}


def test_setup_flag_can_be_set_through_the_argument() -> None:
    with DAG("flags", schedule=None):
        value = make()
        value.is_setup = True
        assert value.operator.is_setup


def test_references_roots_and_leaves() -> None:
    """A zip of two outputs reads both tasks; a map reads its source; roots and leaves are those tasks."""
    with DAG("refs", schedule=None):
        a, b = make(), make()
        zipped = a.zip(b)
        assert [(op.task_id, key) for op, key in zipped.iter_references()] == [
            ("make", "return_value"),
            ("make__1", "return_value"),
        ]
        assert [op.task_id for op in a.map(str).roots] == ["make"]
        assert [op.task_id for op, _ in XComArg.iter_xcom_references({"x": [a, (b,)]})] == ["make", "make__1"]
        assert [op.task_id for op in a.concat(b).concat(a).leaves] == ["make", "make__1", "make"]


def test_wiring_a_zipped_argument_wires_every_task_it_reads() -> None:
    """Given gate >> a.zip(b), then both a and b are downstream of gate; set_downstream works the same."""
    with DAG("wire", schedule=None) as dag:
        a, b = make(), make()
        gate, after = EmptyOperator(task_id="gate"), EmptyOperator(task_id="after")
        gate >> a.zip(b)
        a.concat(b).set_downstream(after)
        XComArg.apply_upstream_relationship(after, {"v": gate.output})
    assert dag.task_dict["gate"].downstream_task_ids == {"make", "make__1", "after"}
    assert dag.task_dict["after"].upstream_task_ids == {"make", "make__1", "gate"}


def test_equality_indexing_and_string_form() -> None:
    """Two references to the same task and key are equal; indexing needs a str key; str() is the Jinja
    pull Airflow's old-style f-string templates rely on."""
    with DAG("misc", schedule=None):
        a = make()
        assert XComArg(a.operator) == a and a["k"] != a
        assert str(a["k"]) == "{{ task_instance.xcom_pull(task_ids='make', dag_id='misc', key='k') }}"
        with pytest.raises(ValueError, match="indexed by an XCom key"):
            a[0]  # type: ignore[index]


def test_only_a_return_value_can_be_mapped_zipped_or_concatenated() -> None:
    with DAG("keys", schedule=None):
        a = make()
        for transform in (lambda x: x.map(str), lambda x: x.zip(a), lambda x: x.concat(a)):
            with pytest.raises(ValueError, match="only a task's return value can be mapped over"):
                transform(a["other"])
