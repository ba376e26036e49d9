"""multiple_outputs as TaskFlow infers it from the return annotation (dict[...], typing.Dict, a string
annotation, a TypedDict, Mapping) or is told explicitly, which keys land as separate XComs, and what
happens when a multiple-outputs task returns a non-dict or a dict with non-string keys."""

from collections.abc import Mapping
from typing import Dict, TypedDict  # noqa: UP035 - typing.Dict as older files write it

import pendulum
from airflow.decorators import dag, task


class Stats(TypedDict):
    rows: int
    cols: int


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def xcom_multiple_outputs_inference():
    @task
    def builtin_dict() -> dict[str, int]:
        return {"x": 1, "y": 2}

    @task
    def typing_dict() -> Dict[str, str]:  # noqa: UP006
        return {"name": "orders"}

    @task
    def string_annotation() -> "dict[str, float]":
        return {"ratio": 0.5}

    @task
    def typed_dict() -> Stats:
        return {"rows": 3, "cols": 4}

    @task
    def abstract_mapping() -> Mapping[str, int]:
        return {"m": 7}

    @task(multiple_outputs=False)
    def told_not_to() -> dict[str, int]:
        return {"kept": 1}

    @task
    def no_annotation():
        return {"whole": True}

    @task
    def list_annotation() -> list[int]:
        return [1, 2]

    @task(multiple_outputs=True)
    def returns_none():
        return None

    @task
    def consume(x, name, rows, whole):
        return f"{x}-{name}-{rows}-{whole}"

    a = builtin_dict()
    b = typing_dict()
    string_annotation()
    c = typed_dict()
    abstract_mapping()
    told_not_to()
    d = no_annotation()
    list_annotation()
    returns_none()
    consume(a["x"], b["name"], c["rows"], d)
    # no_annotation() pushed only return_value: indexing it names a key that was never pushed
    consume.override(task_id="consume_missing_key", trigger_rule="all_done")(a["x"], b["name"], c["rows"], d["whole"])


xcom_multiple_outputs_inference()
