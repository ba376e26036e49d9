"""The task context of Airflow 2: what a task's callable and templates can read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pendulum

from headwater.model.params import Param
from headwater.model.timetables import DataInterval
from headwater.runtime import macros
from headwater.runtime.unserved import template_stand_ins

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.model.dag import DAG
    from headwater.planning.shape import DagShape
    from headwater.runtime.history import RunHistory
    from headwater.runtime.xcom_access import RunXComs


@dataclass
class DagRunView:
    """The ``dag_run`` a task sees."""

    dag_id: str
    run_id: str
    run_type: str
    logical_date: pendulum.DateTime
    data_interval: DataInterval
    conf: dict[str, Any]
    external_trigger: bool
    start_date: pendulum.DateTime | None = None
    state: str = "running"

    @property
    def execution_date(self) -> pendulum.DateTime:
        return self.logical_date

    @property
    def data_interval_start(self) -> pendulum.DateTime:
        return self.data_interval.start

    @property
    def data_interval_end(self) -> pendulum.DateTime:
        return self.data_interval.end

    def __repr__(self) -> str:
        return f"<DagRun {self.dag_id} @ {self.logical_date.isoformat()}: {self.run_id}, state:{self.state}>"


@dataclass
class RunEnvironment:
    """Everything a task of one run shares: the DAG, its run, its shape, its XComs and its clock."""

    dag: DAG
    dag_run: DagRunView
    shape: DagShape
    xcoms: RunXComs
    now: Callable[[], pendulum.DateTime]
    params: dict[str, Any]
    previous_success: Any = None
    settings: Any = None
    history: RunHistory | None = None
    """The store's reads of earlier runs (``ti.get_previous_ti()``); ``None`` when there is no store."""
    _base: dict[str, Any] = field(default_factory=dict)

    def base_context(self) -> dict[str, Any]:
        if not self._base:
            self._base = _run_context(self)
        return self._base


def _ds(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%d")


def _nodash(d: dt.datetime) -> str:
    return d.strftime("%Y%m%d")


def _run_context(env: RunEnvironment) -> dict[str, Any]:
    run = env.dag_run
    logical = run.logical_date
    prev = env.previous_success
    if run.external_trigger:  # a triggered run is not on the schedule: next and previous are itself
        next_logical: dt.datetime | None = logical
        previous: dt.datetime | None = logical
    else:
        upcoming = env.dag.timetable.next_interval(run.data_interval)
        next_logical = upcoming.start if upcoming is not None else None
        previous = env.dag.timetable.previous_logical_date(logical)
    return {
        "dag": env.dag,
        "dag_run": run,
        "run_id": run.run_id,
        "logical_date": logical,
        "execution_date": logical,
        "data_interval_start": run.data_interval.start,
        "data_interval_end": run.data_interval.end,
        "ds": _ds(logical),
        "ds_nodash": logical.strftime("%Y%m%d"),
        "ts": logical.isoformat(),
        "ts_nodash": logical.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": logical.isoformat().replace("-", "").replace(":", ""),
        "yesterday_ds": _ds(logical - dt.timedelta(days=1)),
        "yesterday_ds_nodash": _nodash(logical - dt.timedelta(days=1)),
        "tomorrow_ds": _ds(logical + dt.timedelta(days=1)),
        "tomorrow_ds_nodash": _nodash(logical + dt.timedelta(days=1)),
        "next_ds": _ds(next_logical) if next_logical else None,
        "next_ds_nodash": _nodash(next_logical) if next_logical else None,
        "next_execution_date": next_logical,
        "prev_ds": _ds(previous) if previous else None,
        "prev_ds_nodash": _nodash(previous) if previous else None,
        "prev_execution_date": previous,
        "prev_data_interval_start_success": prev.data_interval_start if prev else None,
        "prev_data_interval_end_success": prev.data_interval_end if prev else None,
        "prev_start_date_success": prev.start_date if prev else None,
        "prev_end_date_success": prev.end_date if prev else None,
        "prev_execution_date_success": prev.logical_date if prev else None,
        "conf": env.settings,
        "macros": macros,
        **template_stand_ins(),
        "inlets": [],
        "outlets": [],
        "test_mode": False,
    }


class Context(dict[str, Any]):
    """The mapping a task receives (``**context``, ``get_current_context()``); a plain dict that
    Airflow-style type hints (``context: Context``) and ``isinstance`` checks can name."""


def task_context(env: RunEnvironment, task: BaseOperator, ti: Any) -> Context:
    """The context for one task instance: the run's part plus the task's own entries."""
    context = Context(env.base_context())
    params = env.params
    own = getattr(task, "_own_params", None)
    if own:
        params = dict(params)
        for name, value in own.items():
            default = value.value if isinstance(value, Param) else value
            params[name] = env.dag_run.conf.get(name, default)
    context.update(
        ti=ti,
        task_instance=ti,
        task=task,
        params=params,
        expanded_ti_count=getattr(ti, "expanded_ti_count", None),
        task_instance_key_str=f"{env.dag.dag_id}__{task.task_id}__{context['ds_nodash']}",
    )
    return context


def airflow_context_vars(context: Mapping[str, Any]) -> dict[str, str]:
    """The ``AIRFLOW_CTX_*`` variables Airflow exports to every task's process environment (and a
    BashOperator's command), under Airflow's names.

    Scripts and libraries called from tasks read ``$AIRFLOW_CTX_DAG_RUN_ID`` and friends to tag their
    output; like Airflow, a value that is unset or empty (an operator without ``email``) is left out.
    """
    task, ti = context["task"], context["ti"]
    email = getattr(task, "email", None)
    values: dict[str, Any] = {
        "AIRFLOW_CTX_DAG_EMAIL": email if isinstance(email, str) else ",".join(email or []),
        "AIRFLOW_CTX_DAG_OWNER": getattr(task, "owner", None),
        "AIRFLOW_CTX_DAG_ID": context["dag"].dag_id,
        "AIRFLOW_CTX_TASK_ID": task.task_id,
        "AIRFLOW_CTX_EXECUTION_DATE": context["logical_date"].isoformat(),
        "AIRFLOW_CTX_TRY_NUMBER": str(ti.try_number),
        "AIRFLOW_CTX_DAG_RUN_ID": context["run_id"],
    }
    return {key: str(value) for key, value in values.items() if value}
