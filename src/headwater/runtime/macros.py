"""``macros`` in templates: date helpers and the modules Airflow exposes there."""

from __future__ import annotations

import datetime as dt
import json  # noqa: F401 - exposed to templates as macros.json
import time  # noqa: F401 - exposed to templates as macros.time
import uuid  # noqa: F401 - exposed to templates as macros.uuid
from datetime import date, datetime, timedelta  # noqa: F401 - exposed to templates
from random import random  # noqa: F401 - Airflow's macros.random is the function, not the module
from typing import Any

# macros.dateutil, with the submodules DAG files reach for (macros.dateutil.relativedelta.relativedelta)
import dateutil.parser
import dateutil.relativedelta
import dateutil.tz  # noqa: F401
import pendulum
import yaml  # noqa: F401 - exposed as macros.yaml (safe_load, dump, ...)


def ds_add(ds: str, days: int) -> str:
    """``ds`` moved by ``days`` (``ds_add('2024-01-01', 5)`` gives ``'2024-01-06'``)."""
    return (dt.datetime.strptime(str(ds), "%Y-%m-%d") + dt.timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Reformat a date string."""
    return dt.datetime.strptime(str(ds), input_format).strftime(output_format)


def datetime_diff_for_humans(value: Any, since: dt.datetime | None = None) -> str:
    """How far ``value`` is from ``since`` (default: now) in words, as pendulum says it ("2 days before")."""
    moment: pendulum.DateTime = pendulum.instance(value)
    return str(moment.diff_for_humans(since))  # type: ignore[arg-type]  # a naive `since` fails, as in Airflow
