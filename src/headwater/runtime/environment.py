"""Building the environment a run's tasks share, from a stored run: the same for ``dags test``, the
scheduler and the workers."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import pendulum

from headwater import planning
from headwater.model.dag import DAG
from headwater.model.timetables import DataInterval, to_utc
from headwater.planning import DagShape, shape_of
from headwater.runtime.context import DagRunView, RunEnvironment
from headwater.runtime.history import RunHistory
from headwater.runtime.xcom_access import RunXComs, XComLoader
from headwater.store.records import DagRunRecord
from headwater.store.xcom.base import BaseXCom

_SHAPES: weakref.WeakKeyDictionary[DAG, DagShape] = weakref.WeakKeyDictionary()
_WEIGHTS: weakref.WeakKeyDictionary[DAG, dict[str, int]] = weakref.WeakKeyDictionary()


def cached_shape(dag: DAG) -> DagShape:
    """The DAG's shape, computed once per parsed DAG (a worker runs many tasks of the same DAG)."""
    shape = _SHAPES.get(dag)
    if shape is None:
        shape = _SHAPES[dag] = shape_of(dag)
    return shape


def cached_priority_weights(dag: DAG) -> dict[str, int]:
    """Each task's total priority weight (``ti.priority_weight``), computed once per parsed DAG."""
    weights = _WEIGHTS.get(dag)
    if weights is None:
        weights = _WEIGHTS[dag] = planning.dag_priority_weights(dag)
    return weights


def run_view(run: DagRunRecord) -> DagRunView:
    """The ``dag_run`` a task sees, for a stored run."""
    return DagRunView(
        run.dag_id,
        run.run_id,
        run.run_type,
        to_utc(run.logical_date),
        DataInterval(to_utc(run.data_interval_start), to_utc(run.data_interval_end)),
        dict(run.conf or {}),
        run.external_trigger,
        to_utc(run.start_date) if run.start_date is not None else None,
        run.state.value,
    )


def run_environment(
    dag: DAG,
    run: DagRunRecord,
    *,
    backend: type[BaseXCom],
    now: Callable[[], pendulum.DateTime],
    previous_success: Any = None,
    settings: Any = None,
    xcom_loader: XComLoader | None = None,
    history: RunHistory | None = None,
) -> RunEnvironment:
    """The environment of ``run``; raises ``ParamValidationError`` when its conf breaks the DAG's params."""
    return RunEnvironment(
        dag=dag,
        dag_run=run_view(run),
        shape=cached_shape(dag),
        xcoms=RunXComs(dag.dag_id, run.run_id, backend, loader=xcom_loader),
        now=now,
        params=dag.params.resolve(dict(run.conf or {}), dag.dag_id),
        previous_success=previous_success,
        settings=settings,
        history=history,
    )
