"""``macros`` in templates: date helpers and the modules Airflow exposes there."""

from __future__ import annotations

import datetime as dt
import json  # noqa: F401 - exposed to templates as macros.json
import random  # noqa: F401 - exposed to templates as macros.random
import time  # noqa: F401 - exposed to templates as macros.time
import uuid  # noqa: F401 - exposed to templates as macros.uuid
from datetime import date, datetime, timedelta  # noqa: F401 - exposed to templates


def ds_add(ds: str, days: int) -> str:
    """``ds`` moved by ``days`` (``ds_add('2024-01-01', 5)`` gives ``'2024-01-06'``)."""
    return (dt.datetime.strptime(ds, "%Y-%m-%d") + dt.timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Reformat a date string."""
    return dt.datetime.strptime(ds, input_format).strftime(output_format)
