"""Branching operators: the task's result names the downstream tasks to follow."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

from headwater.model.baseoperator import BaseOperator


class BranchMixIn:
    """Hands a branch result to the task instance, which checks the ids and skips the rest."""

    def do_branch(self, context: dict[str, Any], branches_to_execute: Any) -> Any:
        context["ti"].follow_branches(branches_to_execute)
        return branches_to_execute

    def skip_all_except(self, ti: Any, branch_task_ids: str | Iterable[str] | None) -> None:
        """Airflow's SkipMixin spelling of the same thing."""
        ti.follow_branches(branch_task_ids)


class BaseBranchOperator(BaseOperator, BranchMixIn):
    """Subclass and implement ``choose_branch(context)`` returning the id(s) to follow."""

    is_branch = True

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str] | None:
        raise NotImplementedError(f"{type(self).__name__} must implement choose_branch(context).")

    def execute(self, context: dict[str, Any]) -> Any:
        return self.do_branch(context, self.choose_branch(context))


class LatestOnlyOperator(BaseBranchOperator):
    """Skips its direct downstream tasks unless this run is the latest one (the wall clock is in the next
    interval); a manually triggered run always proceeds."""

    ui_color = "#e9ffdb"

    def choose_branch(self, context: dict[str, Any]) -> list[str]:
        return self._decide(context)[0]

    def execute(self, context: dict[str, Any]) -> Any:
        followed, why = self._decide(context)
        context["ti"].follow_branches(followed, why=why, kind="latest_only")
        return followed

    def _decide(self, context: dict[str, Any]) -> tuple[list[str], str]:
        """The tasks to follow, and why the others are skipped."""
        everything = sorted(self.downstream_task_ids)
        dag_run = context["dag_run"]
        if dag_run.external_trigger:
            return everything, f"latest-only {self.task_id!r}: a triggered run always proceeds"
        upcoming = self.dag.timetable.next_interval(dag_run.data_interval) if self.dag else None
        if upcoming is None:
            return everything, f"latest-only {self.task_id!r}: the schedule has no next interval"
        now = context["ti"].now()
        if upcoming.start < now <= upcoming.end:
            return everything, f"latest-only {self.task_id!r}: the run is the latest"
        return [], (
            f"latest-only {self.task_id!r}: the run is not the latest: now {now.replace(microsecond=0).isoformat()} "
            "is outside the next "
            f"interval ({upcoming.start.isoformat()}, {upcoming.end.isoformat()}]"
        )


def _as_datetime(value: Any, base: _dt.datetime) -> _dt.datetime | None:
    """A time target on ``base``'s date (naive unless the time has a zone), a datetime as it is."""
    if value is None or isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.time):
        return _dt.datetime.combine(base.date(), value)
    raise TypeError(f"Expected a datetime or a time, got {value!r}.")


def _in_dag_zone(value: _dt.datetime | None, dag: Any) -> _dt.datetime | None:
    """A naive target is read in the DAG's timezone (its start date's), as Airflow does."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dag_timezone(dag))


def dag_timezone(dag: Any) -> _dt.tzinfo:
    start = getattr(dag, "start_date", None)
    return getattr(start, "tzinfo", None) or _dt.UTC


class BranchDateTimeOperator(BaseBranchOperator):
    """Follows one set of tasks when now (or the logical date) is within [lower, upper], another otherwise."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: _dt.datetime | _dt.time | None = None,
        target_upper: _dt.datetime | _dt.time | None = None,
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise ValueError(
                f"Task {self.task_id!r}: give target_lower, target_upper or both; with neither the branch "
                "could never choose."
            )
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.target_lower, self.target_upper = target_lower, target_upper
        self.use_task_logical_date = use_task_logical_date

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str]:
        now = context["logical_date"] if self.use_task_logical_date else context["ti"].now()
        lower = _as_datetime(self.target_lower, now)
        upper = _as_datetime(self.target_upper, now)
        both_datetimes = isinstance(self.target_lower, _dt.datetime) and isinstance(self.target_upper, _dt.datetime)
        if lower is not None and upper is not None and not both_datetimes and upper < lower:
            upper += _dt.timedelta(days=1)
        lower, upper = _in_dag_zone(lower, self.dag), _in_dag_zone(upper, self.dag)
        if upper is not None and upper < now:
            return self.follow_task_ids_if_false
        if lower is not None and lower > now:
            return self.follow_task_ids_if_false
        return self.follow_task_ids_if_true


_WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


class BranchDayOfWeekOperator(BaseBranchOperator):
    """Follows one set of tasks on the given week day(s), another on the other days."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        week_day: str | Iterable[str],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        days = [week_day] if isinstance(week_day, str) else list(week_day)
        names = {str(getattr(d, "name", d)).upper() for d in days}
        unknown = names - set(_WEEKDAYS)
        if unknown:
            raise ValueError(
                f"Task {self.task_id!r}: unknown week day(s) {sorted(unknown)}; use {', '.join(_WEEKDAYS)}."
            )
        self.week_days = names
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = use_task_logical_date

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str]:
        if self.use_task_logical_date:
            now = context["logical_date"]
        else:
            now = context["ti"].now().astimezone(dag_timezone(self.dag))
        if _WEEKDAYS[now.weekday()] in self.week_days:
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false
