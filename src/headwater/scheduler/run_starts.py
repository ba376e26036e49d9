"""How the scheduler starts runs: scheduled runs created as their intervals fall due, queued runs (triggered,
backfilled, cleared) started within ``max_active_runs``, and each running run handed to a ``RunDriver``
with the facts ``depends_on_past`` needs, for ``headwater.planning`` to decide on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import pendulum

from headwater import planning
from headwater.config import Settings
from headwater.errors import HeadwaterError
from headwater.executors.base import Executor
from headwater.model.dag import DAG
from headwater.model.states import DagRunState, TaskState
from headwater.model.timetables import DataInterval
from headwater.planning import TIKey
from headwater.runtime.environment import run_environment
from headwater.scheduler.dagruns import missing_instances, new_run
from headwater.scheduler.run_driver import RunDriver
from headwater.store.records import DagRunRecord, RunChanges, TaskInstanceRecord
from headwater.store.sql import SqlStore
from headwater.store.xcom.base import BaseXCom

log = logging.getLogger("headwater.scheduler")


class RunStarting:
    """The scheduler's part that creates and starts runs and drives each one."""

    settings: Settings
    store: SqlStore
    executor: Executor
    clock: Callable[[], pendulum.DateTime]
    token: str
    backend: type[BaseXCom]
    dags: dict[str, DAG]
    paused: dict[str, bool]
    drivers: dict[tuple[str, str], RunDriver]
    weights: dict[str, dict[str, int]]
    next_info: dict[str, planning.DagRunInfo | None]

    _forget: Callable[[tuple[str, str]], None]
    """Drop a run from what the scheduler drives (the scheduler's own method, which also clears its queue)."""

    def _create_scheduled_runs(self) -> None:
        now = self.clock()
        queued = Counter(r.dag_id for r in self.store.runs(states=[DagRunState.QUEUED]) if r.backfill_id is None)
        for dag_id, dag in self.dags.items():
            if self.paused.get(dag_id, True):
                continue
            if dag_id not in self.next_info:
                latest = self.store.latest_automated_run(dag_id)
                last = (
                    DataInterval(
                        pendulum.instance(latest.data_interval_start), pendulum.instance(latest.data_interval_end)
                    )
                    if latest is not None
                    else None
                )
                self.next_info[dag_id] = self._next_info(dag, last, now)
            info = self.next_info[dag_id]
            while info is not None and info.run_after <= now:
                if self._active_runs(dag_id) + queued[dag_id] >= dag.max_active_runs:
                    break  # as in Airflow: no more runs while queued and running ones fill max_active_runs
                if self.store.run_at(dag_id, info.logical_date) is None:
                    queued[dag_id] += 1
                    run = new_run(
                        dag, run_type="scheduled", logical_date=info.logical_date, data_interval=info.data_interval
                    )
                    self.store.start_run(run, [], replace=False)
                    log.info("Created %s of %s for %s.", run.run_id, dag_id, info.data_interval)
                info = self.next_info[dag_id] = self._next_info(dag, info.data_interval, now)

    def _next_info(self, dag: DAG, last: Any, now: pendulum.DateTime) -> planning.DagRunInfo | None:
        catchup = dag.catchup if dag.catchup is not None else self.settings.catchup_by_default
        start, end = planning.schedule_window(
            dag_start_date=dag.start_date,
            dag_end_date=dag.end_date,
            task_start_dates=[t.start_date for t in dag.task_dict.values()],
            task_end_dates=[t.end_date for t in dag.task_dict.values()],
        )
        return planning.next_dagrun_info(
            dag.timetable, last=last, start_date=start, end_date=end, catchup=catchup, now=now
        )

    def _active_runs(self, dag_id: str) -> int:
        """Running runs of the DAG that count against its ``max_active_runs`` (backfills have their own)."""
        return sum(1 for key, d in self.drivers.items() if key[0] == dag_id and d.run.backfill_id is None)

    def _start_queued_runs(self) -> None:
        queued = sorted(
            self.store.runs(states=[DagRunState.QUEUED]),
            key=lambda r: (r.start_order if r.start_order is not None else -1, r.logical_date),
        )
        for run in queued:
            dag = self.dags.get(run.dag_id)
            if dag is None:
                continue
            if (run.dag_id, run.run_id) in self.drivers:
                self._reload(run)
                continue
            if run.backfill_id is not None:
                limit = run.backfill_max_active_runs or dag.max_active_runs
                active = sum(1 for d in self.drivers.values() if d.run.backfill_id == run.backfill_id)
                if active >= limit:
                    continue
            elif self.paused.get(run.dag_id, True) or self._active_runs(run.dag_id) >= dag.max_active_runs:
                continue
            self._start_run(dag, run)

    def _start_run(self, dag: DAG, run: DagRunRecord) -> None:
        """Turn a queued run into a running one with an instance for every task."""
        stored = self.store.task_instances(run.dag_id, run.run_id)
        added = missing_instances(dag, run, stored, self.weights.get(dag.dag_id, {}))
        run.state = DagRunState.RUNNING
        run.start_date = run.start_date or self.clock()
        run.end_date = None
        self.store.record(RunChanges(run.dag_id, run.run_id, new_instances=added, run=run))
        self.store.set_run_state(run.dag_id, run.run_id, DagRunState.RUNNING, start_date=run.start_date)
        self._drive(dag, run, stored + added)

    def _reload(self, run: DagRunRecord) -> None:
        """A run that was cleared while driven: start over from what the store now holds."""
        self._forget((run.dag_id, run.run_id))
        self._start_run(self.dags[run.dag_id], run)

    def _drive(self, dag: DAG, run: DagRunRecord, instances: list[TaskInstanceRecord]) -> None:
        try:
            env = run_environment(
                dag,
                run,
                backend=self.backend,
                now=self.clock,
                previous_success=None,
                settings=self.settings,
                xcom_loader=lambda task_id: self.store.xcoms_of(run.dag_id, run.run_id, task_id),
            )
        except HeadwaterError as err:  # the run's conf breaks the DAG's params: the run fails, saying why
            run.state, run.end_date, run.reason = DagRunState.FAILED, self.clock(), str(err)
            self.store.record(RunChanges(run.dag_id, run.run_id, run=run))
            log.error("DAG run %s of %s failed to start: %s", run.run_id, run.dag_id, err)
            return
        driver = RunDriver(
            env,
            run,
            instances,
            self.store,
            self.executor,
            queued_by=self.token,
            past_gate=lambda key: self._past_gate(dag, run, key),
        )
        driver.inline_dag_callbacks = False  # called in a thread once the run's end is written
        self.drivers[(run.dag_id, run.run_id)] = driver

    def _past_gate(self, dag: DAG, run: DagRunRecord, key: TIKey) -> str | None:
        """``depends_on_past``: the facts about the previous run, for planning to decide on."""
        task = dag.task_dict[key[0]]
        if not (task.depends_on_past or task.wait_for_downstream):
            return None
        catchup = dag.catchup if dag.catchup is not None else self.settings.catchup_by_default
        include_manual = planning.previous_run_includes_manual(catchup=catchup)
        previous = self.store.previous_run(dag.dag_id, run.logical_date, include_manual=include_manual)
        states: dict[str, list[TaskState | None]] = {}
        if previous is not None:
            wanted = [task.task_id, *(task.downstream_task_ids if task.wait_for_downstream else ())]
            states = self.store.task_states(dag.dag_id, previous.run_id, wanted)
        start, _ = planning.schedule_window(
            dag_start_date=dag.start_date,
            dag_end_date=None,
            task_start_dates=[task.start_date],
            task_end_dates=[None],
        )
        return planning.past_verdict(
            depends_on_past=task.depends_on_past,
            wait_for_downstream=task.wait_for_downstream,
            catchup=catchup,
            previous_logical_date=previous.logical_date if previous is not None else None,
            task_start_date=start,
            previous_states=states.get(task.task_id, []),
            has_earlier_instances=self.store.ran_before(dag.dag_id, task.task_id, run.logical_date),
            previous_downstream_states=[s for t, found in states.items() if t != task.task_id for s in found],
        )


def priority_weights_of(dag: DAG) -> dict[str, int]:
    return planning.dag_priority_weights(dag)
