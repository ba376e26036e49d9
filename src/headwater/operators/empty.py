"""``EmptyOperator``: a task that does nothing, for structure (joins, gates, start/end)."""

from __future__ import annotations

from typing import Any

from headwater.model.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    """Does nothing; its trigger rule still decides whether it succeeds, skips or fails upstream."""

    ui_color = "#e8f7e4"

    def execute(self, context: dict[str, Any]) -> None:
        return None


DummyOperator = EmptyOperator
"""Airflow's old name for ``EmptyOperator``."""
