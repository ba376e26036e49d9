"""A DAG's ParamsDict as DAG files read it, with what Airflow 2.10.5 gives for the same params."""

from __future__ import annotations

from headwater.model.params import Param, ParamsDict


def params() -> ParamsDict:
    return ParamsDict(
        {
            "threshold": Param(0.5, type="number", minimum=0, maximum=1, description="share of rows"),
            "target": Param(type="string", enum=["dev", "prod"]),
            "broken": Param(5, type="string"),
            "retries": 3,
        }
    )


def test_get_param_gives_the_param_object_or_wraps_a_plain_value() -> None:
    declared = params().get_param("threshold")
    assert (declared.value, declared.description) == (0.5, "share of rows")
    assert declared.schema == {"type": "number", "minimum": 0, "maximum": 1}
    assert params().get_param("retries").value == 3


def test_dump_gives_values_and_none_for_a_missing_or_invalid_default() -> None:
    assert params().dump() == {"threshold": 0.5, "target": None, "broken": None, "retries": 3}
