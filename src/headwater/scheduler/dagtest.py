"""``dags test``: one DAG run in this process, through the same planning, runtime and store code as the
scheduler (immediate mode, with the in-process executor)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pendulum

from headwater.config import Settings
from headwater.executors.inprocess import InProcessExecutor
from headwater.model.dag import DAG
from headwater.model.states import DagRunState
from headwater.model.timetables import DataInterval, to_utc
from headwater.planning import shape_of
from headwater.runtime.context import DagRunView, RunEnvironment
from headwater.runtime.xcom_access import RunXComs
from headwater.scheduler.dagruns import check_conf_size
from headwater.scheduler.run_driver import OnTaskDone, RunDriver, initial_instances
from headwater.store import Store, open_store
from headwater.store.records import DagRunRecord, TaskInstanceRecord
from headwater.store.xcom import configure
from headwater.store.xcom.base import BaseXCom, resolve_backend
from headwater.store.xcom.codec import to_display

RUN_TYPES = ("scheduled", "manual")


def moving_clock(start: datetime | None) -> Callable[[], pendulum.DateTime]:
    """The real clock, or one that starts at ``start`` and then advances in real time."""
    if start is None:
        return lambda: pendulum.now("UTC")
    origin, began = to_utc(start), time.monotonic()
    return lambda: origin.add(microseconds=int((time.monotonic() - began) * 1_000_000))


def describe_run(dag: DAG, logical_date: datetime, run_type: str | None) -> tuple[str, str, bool, DataInterval]:
    """(run_id, run_type, external_trigger, data_interval) for a test, scheduled or manual run."""
    logical = to_utc(logical_date)
    if run_type == "scheduled":
        return f"scheduled__{logical.isoformat()}", "scheduled", False, dag.timetable.scheduled_interval(logical)
    interval = dag.timetable.manual_interval(logical)
    return f"manual__{logical.isoformat()}", "manual", run_type == "manual", interval


@dataclass
class TestRun:
    """The finished run: what was recorded, ready to print."""

    run: DagRunRecord
    instances: list[TaskInstanceRecord]
    xcoms: dict[str, dict[str, Any]]
    replaced: bool

    @property
    def failed(self) -> bool:
        return self.run.state is not DagRunState.SUCCESS

    def to_json(self) -> dict[str, Any]:
        run = self.run
        tasks = {}
        for ti in sorted(self.instances, key=lambda i: (i.task_id, i.map_index)):
            label = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            tasks[label] = {
                "state": ti.state.value if ti.state else "none",  # never ran (a deadlocked run): Airflow's "none"
                "try_number": ti.try_number,
                "reason": ti.reason,
            }
        return {
            "dag_id": run.dag_id,
            "logical_date": run.logical_date.isoformat(),
            "run_id": run.run_id,
            "run_type": run.run_type,
            "external_trigger": run.external_trigger,
            "data_interval": [run.data_interval_start.isoformat(), run.data_interval_end.isoformat()],
            "conf": run.conf,
            "dag_run_state": run.state.value,
            "tasks": tasks,
            "xcoms": self.xcoms,
        }


def run_dag(
    dag: DAG,
    store: Store,
    backend: type[BaseXCom],
    *,
    logical_date: datetime | None = None,
    run_type: str | None = None,
    now: datetime | None = None,
    conf: dict[str, Any] | None = None,
    settings: Settings | None = None,
    on_task_done: OnTaskDone | None = None,
    on_replaced: Callable[[str], None] | None = None,
) -> TestRun:
    """Run ``dag`` once to its end and return what was recorded."""
    clock = moving_clock(now)
    logical = to_utc(logical_date) if logical_date is not None else clock()
    conf = dict(conf or {})
    run_id, kind, external, interval = describe_run(dag, logical, run_type)
    params = dag.params.resolve(conf, dag.dag_id)
    view = DagRunView(dag.dag_id, run_id, kind, logical, interval, conf, external, clock())
    env = RunEnvironment(
        dag=dag,
        dag_run=view,
        shape=shape_of(dag),
        xcoms=RunXComs(dag.dag_id, run_id, backend),
        now=clock,
        params=params,
        previous_success=store.last_successful_run(dag.dag_id, logical),
        settings=settings,
        history=store,
    )
    record = DagRunRecord(
        dag.dag_id,
        run_id,
        kind,
        logical,
        interval.start,
        interval.end,
        external,
        conf,
        DagRunState.RUNNING,
        view.start_date,
    )
    instances = initial_instances(env)
    replaced = store.start_run(record, instances, replace=True)
    if replaced and on_replaced is not None:
        on_replaced(run_id)
    driver = RunDriver(env, record, instances, store, InProcessExecutor(env), on_task_done=on_task_done)
    final = driver.drive()
    xcoms: dict[str, dict[str, Any]] = {}
    for row in sorted(env.xcoms.rows(), key=lambda r: (r.task_id, r.map_index, r.key)):
        label = row.task_id if row.map_index < 0 else f"{row.task_id}[{row.map_index}]"
        xcoms.setdefault(label, {})[row.key] = to_display(env.xcoms.value_of(row))
    return TestRun(final, list(driver.records.values()), xcoms, replaced)


def run_dag_object(dag: DAG, *, logical_date: datetime | None = None, conf: dict[str, Any] | None = None) -> TestRun:
    """``dag.test()``: run in memory, print each task's end to stderr."""
    from headwater.store.memory import MemoryStore

    def report(ti: TaskInstanceRecord) -> None:
        print(f"{ti.task_id}: {ti.state}", file=sys.stderr)

    return run_dag(dag, MemoryStore(), resolve_backend(None), logical_date=logical_date, conf=conf, on_task_done=report)


def run_dag_test(
    settings: Settings,
    target: str,
    *,
    dag_id: str | None = None,
    logical_date: datetime | None = None,
    run_type: str | None = None,
    now: datetime | None = None,
    conf: dict[str, Any] | None = None,
    on_task_done: OnTaskDone | None = None,
    on_replaced: Callable[[str], None] | None = None,
) -> TestRun:
    """Find the DAG (a file, or an id in the DAGs folder), run it, and record the run in the store."""
    from pathlib import Path

    from headwater.dagbag import DagBag

    path = Path(target)
    if path.suffix == ".py" or path.exists():
        bag = DagBag.load(path, root=settings.dags_folder)
        dag = bag.get(dag_id)
    else:
        bag = DagBag.load(settings.dags_folder)
        dag = bag.get(dag_id or target)
    check_conf_size(dag.dag_id, conf, settings.max_conf_bytes)
    backend = configure(settings)
    store = open_store(settings.sql_alchemy_conn, xcom_backend=backend)
    try:
        return run_dag(
            dag,
            store,
            backend,
            logical_date=logical_date,
            run_type=run_type,
            now=now,
            conf=conf,
            settings=settings,
            on_task_done=on_task_done,
            on_replaced=on_replaced,
        )
    finally:
        store.close()
