"""Trigger rules: when a task may run, given the states of its direct upstream tasks."""

from __future__ import annotations

import os
import sys
import warnings
from enum import Enum


class TriggerRule(str, Enum):
    """Every trigger rule Airflow 2.10 knows, plus Airflow 3's ``all_done_min_one_success``."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def is_valid(cls, value: str) -> bool:
        """Whether ``value`` names a rule (deprecated aliases excluded)."""
        return value in _BY_VALUE

    @classmethod
    def all_triggers(cls) -> set[str]:
        """Every valid rule name."""
        return set(_BY_VALUE)


_BY_VALUE = {rule.value: rule for rule in TriggerRule}

DEPRECATED_ALIASES: dict[str, TriggerRule] = {
    "none_failed_or_skipped": TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
    "dummy": TriggerRule.ALWAYS,
}
"""Old spellings Airflow still accepts, with the rule each now means."""


def _first_frame_outside_headwater() -> int:
    """The ``stacklevel`` that points a warning at the DAG author's line, not at headwater's code."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def parse_trigger_rule(value: str | TriggerRule, *, dag_id: str | None, task_id: str) -> TriggerRule:
    """Turn what a DAG author wrote into a rule; warn on old names, fail on unknown ones."""
    if isinstance(value, TriggerRule):
        return value
    if value in _BY_VALUE:
        return _BY_VALUE[value]
    if value in DEPRECATED_ALIASES:
        new = DEPRECATED_ALIASES[value]
        warnings.warn(
            f"Trigger rule {value!r} is deprecated; use {new.value!r} instead (DAG {dag_id!r}, task {task_id!r}).",
            DeprecationWarning,
            stacklevel=_first_frame_outside_headwater(),
        )
        return new
    from headwater.errors import UnknownTriggerRule

    raise UnknownTriggerRule(dag_id=dag_id, task_id=task_id, rule=str(value))
