"""``headwater.model.serialized`` and ``serialized_read``: a DAG as the document the API reads, and back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from headwater import DAG, EmptyOperator, Label, Param, PythonOperator, TaskGroup, task, task_group
from headwater.dagbag import DagBag
from headwater.model.serialized import canonical_json, document_hash, serialize_dag
from headwater.model.serialized_read import UnreadableDocument, read_document

EXAMPLES = Path(__file__).parents[3] / "examples"


class Opaque:
    """A value JSON cannot hold, whose default repr carries a memory address."""


def build_branchy() -> DAG:
    with DAG(
        "branchy",
        schedule="@daily",
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        tags=["sales", "eu"],
        description="Sales per region",
        doc_md="# Branchy",
        params={
            "region": Param("eu", type="string", enum=["eu", "us"], description="Where to read from"),
            "limit": 10,
            "since": Param(dt.date(2024, 1, 1), type="string"),
            "required": Param(type="integer"),
            "opaque": Opaque(),
        },
        max_active_runs=3,
    ) as dag:
        start = EmptyOperator(task_id="start", owner="data")
        with TaskGroup("load", tooltip="loading") as load:
            extract = EmptyOperator(task_id="extract", retries=2, pool="db", queue="q1", doc_md="pulls rows")
            with TaskGroup("inner"):
                clean = EmptyOperator(task_id="clean", trigger_rule="none_failed", params={"strict": True})
            extract >> clean
        done = EmptyOperator(task_id="done", owner="ops")
        start >> Label("when ready") >> load >> done
    return dag


class TestSerializeDag:
    def test_the_same_dag_built_twice_gives_the_same_bytes(self) -> None:
        """Two separate parses of one DAG give the same canonical text and hash (no set order, no address)."""
        first, second = serialize_dag(build_branchy()), serialize_dag(build_branchy())
        assert canonical_json(first) == canonical_json(second)
        assert document_hash(first) == document_hash(second)
        assert json.loads(canonical_json(first)) == first

    def test_a_change_in_structure_changes_the_hash(self) -> None:
        """One more task gives another hash."""
        dag = build_branchy()
        before = document_hash(serialize_dag(dag))
        with dag:
            EmptyOperator(task_id="extra")
        assert document_hash(serialize_dag(dag)) != before

    def test_the_dag_fields_the_api_shows(self) -> None:
        """dag_id, description, doc, sorted tags and owners, schedule, dates and limits are stored."""
        doc = read_document(serialize_dag(build_branchy()))
        assert (doc.dag_id, doc.description, doc.doc_md) == ("branchy", "Sales per region", "# Branchy")
        assert doc.tags == ("eu", "sales") and doc.owners == ("airflow", "data", "ops")
        assert (doc.schedule_summary, doc["schedule"]["timetable"]) == ("@daily", "CronTimetable")
        assert (doc["start_date"], doc["end_date"]) == ("2024-01-01T00:00:00+00:00", None)
        assert (doc["max_active_runs"], doc["max_active_tasks"], doc["catchup"]) == (3, 16, True)

    def test_params_keep_their_default_schema_and_description(self) -> None:
        """A Param keeps its default, JSON schema and description; a plain value is a default without schema;
        a Param without default says so; a value JSON cannot hold is kept as its repr, without address."""
        params = {p.name: p for p in read_document(serialize_dag(build_branchy())).params}
        region = params["region"]
        assert (region.value, region.has_default, region.description) == ("eu", True, "Where to read from")
        assert region.schema == {"type": "string", "enum": ["eu", "us"]}
        assert (params["limit"].value, params["limit"].schema) == (10, {})
        assert params["since"].value == "2024-01-01"
        assert (params["required"].value, params["required"].has_default) == (None, False)
        assert params["opaque"].value == {"__repr": f"<{__name__}.Opaque object>"}
        assert region.dump() == {
            "__class": "airflow.models.param.Param",
            "value": "eu",
            "description": "Where to read from",
            "schema": {"type": "string", "enum": ["eu", "us"]},
        }

    def test_tasks_keep_their_settings_edges_and_group(self) -> None:
        """Each task keeps its operator, rule, retries, pool, queue, doc, group and downstream ids; a task's
        params are the DAG's overridden by its own."""
        doc = read_document(serialize_dag(build_branchy()))
        assert [t.task_id for t in doc.tasks] == ["done", "load.extract", "load.inner.clean", "start"]
        extract, clean = doc.task("load.extract"), doc.task("load.inner.clean")
        assert extract is not None and clean is not None
        assert (extract.operator_name, extract["retries"], extract["pool"], extract["queue"]) == (
            "EmptyOperator",
            2,
            "db",
            "q1",
        )
        assert (extract["doc_md"], extract.task_group_id, extract.downstream_task_ids) == (
            "pulls rows",
            "load",
            ("load.inner.clean",),
        )
        assert (clean.trigger_rule, clean.task_group_id, clean.is_mapped) == ("none_failed", "load.inner", False)
        assert {p.name: p.value for p in clean.params}["strict"] is True
        assert "region" in {p.name for p in clean.params}

    def test_edges_carry_their_labels(self) -> None:
        """``start >> Label(...) >> group`` labels the edges into the group's roots; other edges have none."""
        doc = read_document(serialize_dag(build_branchy()))
        edges = {(e.source_task_id, e.target_task_id): e.label for e in doc.edges}
        assert edges == {
            ("start", "load.extract"): "when ready",
            ("load.extract", "load.inner.clean"): None,
            ("load.inner.clean", "done"): None,
        }

    def test_the_group_tree_keeps_declared_order_and_tooltips(self) -> None:
        """The root holds start, the load group and done; load holds extract and the inner group."""
        root = read_document(serialize_dag(build_branchy())).root
        assert (root.group_id, root.task_ids, [g.group_id for g in root.groups]) == (None, ("start", "done"), ["load"])
        [load] = root.groups
        assert (load.label, load.tooltip, load.task_ids) == ("load", "loading", ("load.extract",))
        assert [g.group_id for g in root.walk()] == [None, "load", "load.inner"]

    def test_mapped_tasks_and_mapped_groups_are_marked(self) -> None:
        """A task mapped with ``expand`` and a task inside a mapped task group are mapped; its upstream is not."""
        with DAG("mapped", schedule=None) as dag:

            @task
            def numbers() -> list[int]:
                return [1, 2]

            @task_group
            def per_number(n: int) -> None:
                EmptyOperator(task_id="inside")

            PythonOperator.partial(task_id="square", python_callable=lambda x: x * x).expand(op_args=numbers())
            per_number.expand(n=[1, 2])
        doc = read_document(serialize_dag(dag))
        mapped = {t.task_id: (t.operator_name, t.is_mapped) for t in doc.tasks}
        assert mapped == {
            "numbers": ("@task", False),
            "square": ("PythonOperator", True),
            "per_number.inside": ("EmptyOperator", True),
        }
        assert [g.is_mapped for g in doc.root.walk()] == [False, True]

    def test_the_umbrella_example(self) -> None:
        """The umbrella example's document lists every task with the DAG's own downstream ids and doc."""
        dag = DagBag.load(EXAMPLES / "umbrella.py").get("umbrella")
        doc = read_document(serialize_dag(dag))
        assert {t.task_id: set(t.downstream_task_ids) for t in doc.tasks} == {
            task_id: op.downstream_task_ids for task_id, op in dag.task_dict.items()
        }
        assert (doc.doc_md, doc.schedule_summary, doc.fileloc) == (dag.doc_md, "@daily", dag.fileloc)
        assert len(doc.edges) == sum(len(op.downstream_task_ids) for op in dag.task_dict.values())


class TestReadDocument:
    def test_another_version_is_refused_with_what_to_do(self) -> None:
        """A document of another version names both versions and how to get a new one."""
        with pytest.raises(UnreadableDocument) as caught:
            read_document({"__version": 99, "dag": {}})
        assert str(caught.value) == (
            "stored DAG document has version 99, this headwater reads version 1; let the scheduler parse the DAG "
            "files again (it rewrites every document when it starts)"
        )
