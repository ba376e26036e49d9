"""The ``macros`` object templates and tasks see, with what Airflow 2.10.5's ``airflow.macros`` gives."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from headwater.runtime import macros


def test_random_is_the_function_and_dateutil_and_yaml_are_reachable() -> None:
    value = macros.random()
    assert isinstance(value, float) and 0 <= value < 1
    shifted = dt.datetime(2024, 1, 31) + macros.dateutil.relativedelta.relativedelta(months=1)
    assert shifted == dt.datetime(2024, 2, 29)
    assert macros.yaml.safe_load("a: [1, 2]") == {"a": [1, 2]}


def test_ds_helpers_take_anything_that_prints_as_a_date() -> None:
    assert macros.ds_add(dt.date(2024, 2, 28), 1) == "2024-02-29"  # type: ignore[arg-type]
    assert macros.ds_format(dt.date(2024, 2, 28), "%Y-%m-%d", "%d/%m/%Y") == "28/02/2024"  # type: ignore[arg-type]


def test_datetime_diff_for_humans_words_and_naive_since() -> None:
    start = pendulum.datetime(2024, 1, 1, tz="UTC")
    assert macros.datetime_diff_for_humans(start, start.add(days=2)) == "2 days before"
    with pytest.raises(TypeError):  # Airflow fails the same way on a naive `since`
        macros.datetime_diff_for_humans(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 3))
