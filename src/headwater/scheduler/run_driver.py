"""Drives one DAG run to its end: passes from ``headwater.planning``, work to an executor, one write per pass.

Only the tasks downstream of what changed since the last pass are re-evaluated, so the cost of a
pass follows the changes, not the size of the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from copy import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from headwater import planning
from headwater.executors.base import EventKind, Executor, ExecutorEvent, WorkItem
from headwater.model.mapping import MissingMapInput
from headwater.model.states import SCHEDULABLE_STATES, TERMINAL_STATES, DagRunState, TaskState
from headwater.planning import Action, RunSnapshot, TIKey
from headwater.runtime.callbacks import run_dag_callbacks
from headwater.runtime.context import RunEnvironment
from headwater.runtime.runner import TaskOutcome
from headwater.runtime.xcom_access import ExpansionPuller
from headwater.store.records import DagRunRecord, RunChanges, Store, TaskInstanceRecord

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.model.dag import DAG

log = logging.getLogger("headwater.scheduler")

OnTaskDone = Callable[[TaskInstanceRecord], None]
_INFLIGHT = (TaskState.QUEUED, TaskState.RUNNING)
_TRY_ENDS = (TaskState.SUCCESS, TaskState.FAILED, TaskState.UP_FOR_RETRY, TaskState.SKIPPED)
"""A try's outcome that ends it (a try waiting for a reschedule or a trigger goes on)."""


def initial_instances(env: RunEnvironment) -> list[TaskInstanceRecord]:
    """One unscheduled instance per task the run takes part in (its start/end dates allow the logical
    date); mapped tasks expand when they become ready."""
    run = env.dag_run
    log_absent_tasks(env.dag, run.run_id, run.logical_date, run.run_type, env.dag.task_dict.values())
    return [
        TaskInstanceRecord(run.dag_id, run.run_id, task.task_id, -1, None, 0, task.retries, task.task_type)
        for task in planning.tasks_in_run(env.dag, run.logical_date, run.run_type)
    ]


def log_absent_tasks(
    dag: DAG, run_id: str, logical_date: datetime, run_type: str, tasks: Iterable[BaseOperator]
) -> None:
    """Say which tasks a new run leaves out because of their start/end dates (a silent gap surprises)."""
    for task in tasks:
        reason = planning.absence_reason(task, dag, logical_date, run_type)
        if reason is not None:
            log.info("DAG %s, run %s: %s.", dag.dag_id, run_id, reason)


class RunDriver:
    """Runs passes until the run ends; every decision is recorded with its reason and pass number."""

    def __init__(
        self,
        env: RunEnvironment,
        run: DagRunRecord,
        instances: Iterable[TaskInstanceRecord],
        store: Store,
        executor: Executor,
        *,
        on_task_done: OnTaskDone | None = None,
        sleep: Callable[[float], None] = time.sleep,
        queued_by: str | None = None,
        past_gate: Callable[[TIKey], str | None] | None = None,
    ) -> None:
        self.env, self.run, self.store, self.executor = env, run, store, executor
        self.queued_by = queued_by
        self.past_gate = past_gate
        """Why an instance the trigger rules let run must wait for the previous run (depends_on_past)."""
        self.held_by_past: set[str] = set()
        self.fileloc = env.dag.fileloc or ""
        self.shape = env.shape
        self.records: dict[TIKey, TaskInstanceRecord] = {(i.task_id, i.map_index): i for i in instances}
        present = {task_id for task_id, _ in self.records}
        self.snapshot = RunSnapshot(
            {key: rec.state for key, rec in self.records.items()},
            absent=[task_id for task_id in self.shape.tasks if task_id not in present],
        )
        self.mapped_kwargs: dict[TIKey, dict[str, Any]] = {}
        self.unrendered: dict[TIKey, frozenset[str]] = {}
        self.retry_at: dict[TIKey, Any] = {}
        self.on_task_done = on_task_done
        self.sleep = sleep
        self._dirty: dict[TIKey, TaskInstanceRecord] = {}
        self._removed: list[TIKey] = []
        self._new: set[TIKey] = set()
        self._ended: list[TaskInstanceRecord] = []
        """Tries that ended since the last write (recorded in the try history with it)."""
        self.number = 0
        self.inline_dag_callbacks = True
        """Call the DAG's run callbacks before the run's end is written (``dags test``); the scheduler turns
        this off and calls them away from its loop (``run_end_callbacks``)."""
        self.ended_because: str | None = None
        """Airflow's ``reason`` for the run's end: success, task_failure, all_tasks_deadlocked or timed_out."""
        self.inflight: set[TIKey] = {k for k, rec in self.records.items() if rec.state in _INFLIGHT}
        self.changed: set[str] = set(self.shape.tasks)
        """Tasks whose state changed since the last pass (scheduler mode)."""
        for key, rec in self.records.items():
            if rec.state is TaskState.UP_FOR_RETRY and rec.next_retry_at is not None:
                self.retry_at[key] = rec.next_retry_at
            elif rec.state is TaskState.SCHEDULED:  # a decision nobody acted on: decide again
                rec.state = None
                self._set(key, None)

    # -- the loop --------------------------------------------------------------------------------

    def drive(self) -> DagRunRecord:
        changed: set[str] = set(self.shape.tasks)
        number = 0
        while True:
            number += 1
            plan = planning.plan_pass(self.shape, self.snapshot, self._candidates(changed), number=number)
            changed = set()
            to_run: list[TIKey] = []
            for decision in plan.decisions:
                if decision.action is Action.RUN:
                    to_run.extend(self._ready(decision, changed))
                elif decision.action is not Action.WAIT:
                    self._end(
                        decision.key, TaskState(decision.action.value), decision.reason, number, decision.explained
                    )
                    changed.add(decision.key[0])
            for key in to_run:
                self._start(key, number)
            if not to_run:
                state, reason = planning.run_outcome(self.shape, self.snapshot.states)
                if state is not None:
                    return self._finish(state, reason, _ended_because(state))
                if changed:
                    self._flush()
                    continue
                if not self._wait_for_retry():
                    return self._finish(DagRunState.FAILED, self._deadlock_reason(), "all_tasks_deadlocked")
                self._flush()
                continue
            self._flush()
            for key in to_run:
                rec = self.records[key]
                self.executor.submit(
                    WorkItem(key[0], key[1], rec.try_number, self.mapped_kwargs.get(key), self.unrendered.get(key))
                )
            for event in self.executor.events(timeout=0.0):
                if event.outcome is not None:
                    changed |= self._apply(event.outcome, number)

    # -- scheduler mode: passes as results arrive; admission decides when ready instances start -------

    def advance(self) -> list[TIKey]:
        """Run passes until nothing changes; instances found ready become ``scheduled`` and are returned
        (they start when admitted: a pool slot, a DAG slot and an executor slot are free)."""
        ready: list[TIKey] = []
        while self.changed or self._retry_due():
            self.number += 1
            plan = planning.plan_pass(self.shape, self.snapshot, self._candidates(self.changed), number=self.number)
            self.changed = set()
            for decision in plan.decisions:
                if decision.action is Action.RUN:
                    held = self.past_gate(decision.key) if self.past_gate is not None else None
                    if held is not None:  # depends_on_past: asked again when the scheduler looks next
                        self.retry_at.pop(decision.key, None)
                        rec = self._touch(decision.key)
                        rec.reason, rec.pass_number = held, self.number
                        self.held_by_past.add(decision.key[0])
                        continue
                    self.held_by_past.discard(decision.key[0])
                    for key in self._ready(decision, self.changed):
                        rec = self._touch(key)
                        rec.state, rec.reason, rec.pass_number = TaskState.SCHEDULED, decision.reason, self.number
                        rec.decision = None
                        self._set(key, TaskState.SCHEDULED)
                        ready.append(key)
                elif decision.action is not Action.WAIT:
                    self._end(
                        decision.key, TaskState(decision.action.value), decision.reason, self.number, decision.explained
                    )
                    self.changed.add(decision.key[0])
        return ready

    def _retry_due(self) -> bool:
        if not self.retry_at:
            return False
        now = self.env.now()
        return any(at <= now for at in self.retry_at.values())

    def next_retry(self) -> Any:
        """When the earliest retry falls due (None without one)."""
        return min(self.retry_at.values(), default=None)

    def queue(self, keys: Iterable[TIKey]) -> list[WorkItem]:
        """Hand admitted instances to the executor: each becomes ``queued`` with its next try number (in
        memory: the store sees the try when a worker claims it, and a try never claimed leaves no trace;
        except where the executor's broker may lose it, when the pass's write records it queued)."""
        items = []
        now = self.env.now()
        for key in keys:
            rec = self.records[key]
            if key in self._new or self.executor.records_queued:  # recorded queued before it is submitted
                self._dirty[key] = rec
            else:  # nothing to write: the worker's claim of the try records it (one write fewer per task)
                self._dirty.pop(key, None)
            rec.state = TaskState.QUEUED
            rec.try_number += 1
            rec.queued_at = now
            rec.queued_by = self.queued_by
            rec.hostname = rec.pid = rec.heartbeat_at = rec.next_retry_at = None
            rec.end_date = None
            self._set(key, TaskState.QUEUED)
            items.append(
                WorkItem(
                    key[0],
                    key[1],
                    rec.try_number,
                    None,
                    None,
                    self.run.dag_id,
                    self.run.run_id,
                    self.fileloc,
                    self.queued_by,
                    rec.max_tries,
                    rec.queue,
                )
            )
        return items

    def apply_event(self, event: ExecutorEvent) -> None:
        """Take in what an executor reported (written by the worker already when ``recorded``)."""
        key = (event.item.task_id, event.item.map_index)
        rec = self.records.get(key)
        if rec is None or rec.try_number != event.item.try_number or key not in self.inflight:
            return  # a try of an earlier life of this instance (cleared since), or already taken in
        if event.kind is EventKind.ENDED and event.outcome is not None:
            if not event.recorded:
                self.changed |= self._apply(event.outcome, self.number)
                return
            outcome = event.outcome
            rec.state, rec.reason, rec.end_date = outcome.state, outcome.reason, outcome.end
            rec.start_date = outcome.start
            rec.duration = (outcome.end - outcome.start).total_seconds()
            self._set(key, outcome.state)
            if outcome.retry_at is not None:
                self.retry_at[key] = outcome.retry_at
            self.changed.add(key[0])
            for task_id, map_index, reason, explained in event.skipped:
                target = self.records.get((task_id, map_index))
                if target is not None:
                    target.state, target.reason, target.decision = TaskState.SKIPPED, reason, explained
                    self._set((task_id, map_index), TaskState.SKIPPED)
                    self.changed.add(task_id)
            if self.on_task_done is not None:
                self.on_task_done(rec)

    def adopt(self, stored: TaskInstanceRecord) -> None:
        """Take an instance's state as the store has it (a lost try declared, a discarded try re-read)."""
        key = (stored.task_id, stored.map_index)
        if key not in self.records:
            return
        self.records[key] = stored
        self._dirty.pop(key, None)
        state = stored.state
        if state is TaskState.SCHEDULED:  # a try handed over but never claimed: decide again
            state = stored.state = None
        if state is TaskState.UP_FOR_RETRY and stored.next_retry_at is not None:
            self.retry_at[key] = stored.next_retry_at
        self._set(key, state)
        self.changed.add(key[0])

    def refresh(self, stored: Iterable[TaskInstanceRecord]) -> None:
        """Take every instance whose state or try the store has changed (a try's end, and the skips it
        caused, that were recorded but not reported)."""
        for record in stored:
            mine = self.records.get((record.task_id, record.map_index))
            if mine is not None and (mine.state, mine.try_number) != (record.state, record.try_number):
                self.adopt(record)

    def active(self) -> set[TIKey]:
        """Instances handed to an executor and not finished."""
        return self.inflight

    def _set(self, key: TIKey, state: TaskState | None) -> None:
        self.snapshot.set(key, state)
        if state in _INFLIGHT:
            self.inflight.add(key)
        else:
            self.inflight.discard(key)

    def finish_if_done(self) -> DagRunRecord | None:
        """End the run when its leaves say so, or when nothing can ever run again."""
        if self.inflight or self.changed or self.retry_at or self.held_by_past:
            return None  # something is still to happen: no need to look at every instance
        state, reason = planning.run_outcome(self.shape, self.snapshot.states)
        if state is not None:
            return self._finish(state, reason, _ended_because(state))
        if any(s is TaskState.SCHEDULED for s in self.snapshot.states.values()):
            return None
        return self._finish(DagRunState.FAILED, self._deadlock_reason(), "all_tasks_deadlocked")

    def _deadlock_reason(self) -> str:
        return planning.deadlock_reason(self.shape, self.snapshot.states, self.snapshot.absent)

    def time_out(self, now: Any, timeout: Any) -> DagRunRecord | None:
        """End the run as failed if it ran past ``dagrun_timeout`` (planning says which instances are skipped)."""
        started = self.run.start_date
        if started is None:
            return None
        decided = planning.timed_out_run(self.snapshot.states, started=started, timeout=timeout, now=now)
        if decided is None:
            return None
        skipped, reason = decided
        for key in skipped:
            self._end(key, TaskState.SKIPPED, reason, self.number)
        return self._finish(DagRunState.FAILED, reason, "timed_out")

    def flush(self) -> None:
        self._flush()

    def touch(self, key: TIKey) -> None:
        """Mark an instance changed in memory, to be written with the next flush."""
        self._touch(key)

    def _candidates(self, changed: set[str]) -> list[TIKey]:
        task_ids: set[str] = set()
        for task_id in changed:
            task_ids.add(task_id)
            task_ids.update(self.shape.dependents(task_id))
        now = self.env.now()
        keys = [
            key
            for tid in sorted(task_ids)
            for key in self.snapshot.instances(tid)
            if self.snapshot.states[key] in SCHEDULABLE_STATES
            and self.snapshot.states[key] not in (TaskState.UP_FOR_RETRY, TaskState.SCHEDULED)
        ]
        keys += [key for key, at in self.retry_at.items() if at <= now]
        return keys

    def _wait_for_retry(self) -> bool:
        if not self.retry_at:
            return False
        delay = (min(self.retry_at.values()) - self.env.now()).total_seconds()
        if delay > 0:
            self._flush()
            self.sleep(delay)
        return True

    # -- state changes ---------------------------------------------------------------------------

    def _touch(self, key: TIKey) -> TaskInstanceRecord:
        rec = self.records[key]
        self._dirty[key] = rec
        return rec

    def _ready(self, decision: planning.Decision, changed: set[str]) -> list[TIKey]:
        task_id, map_index = decision.key
        task = self.env.dag.task_dict[task_id]
        self.retry_at.pop(decision.key, None)
        if not task.is_mapped or map_index >= 0:
            return [decision.key]
        try:
            rows, from_xcom = task.expansion({"ti": ExpansionPuller(self.env.xcoms)})
            length: int | None = len(rows)
        except MissingMapInput:
            rows, from_xcom, length = [], frozenset(), None
        except (TypeError, ValueError) as err:
            self._end(decision.key, TaskState.FAILED, f"could not expand mapped task: {err}", decision.pass_number)
            changed.add(task_id)
            return []
        ends_as, why = planning.expansion_outcome(length)
        if ends_as is not None:
            self._end(decision.key, ends_as, why, decision.pass_number)
            changed.add(task_id)
            return []
        keys = planning.expansion_keys(task_id, len(rows))
        template = self.records.pop(decision.key)
        self._dirty.pop(decision.key, None)
        self._removed.append(decision.key)
        self.snapshot.replace_instances(task_id, keys, None)
        for key, row in zip(keys, rows, strict=True):
            self.records[key] = TaskInstanceRecord(
                template.dag_id, template.run_id, task_id, key[1], None, 0, template.max_tries, template.operator
            )
            self.mapped_kwargs[key] = row
            self.unrendered[key] = from_xcom
            self._new.add(key)
        return keys

    def _start(self, key: TIKey, number: int) -> None:
        rec = self._touch(key)
        rec.state = TaskState.RUNNING
        rec.try_number += 1
        rec.start_date = self.env.now()
        rec.end_date = None
        rec.pass_number = number
        rec.reason = None
        self._set(key, TaskState.RUNNING)

    def _end(
        self, key: TIKey, state: TaskState, reason: str, number: int | None, explained: dict[str, Any] | None = None
    ) -> None:
        rec = self._touch(key)
        rec.state = state
        rec.reason = reason
        rec.decision = explained
        if number is not None:
            rec.pass_number = number
        if rec.try_number == 0:  # decided without running
            rec.start_date = rec.end_date = self.env.now()
            rec.duration = 0.0
        self._set(key, state)
        if self.on_task_done is not None and state in TERMINAL_STATES:
            self.on_task_done(rec)

    def _apply(self, outcome: TaskOutcome, number: int) -> set[str]:
        key = (outcome.task_id, outcome.map_index)
        rec = self._touch(key)
        rec.end_date = outcome.end
        rec.duration = (outcome.end - outcome.start).total_seconds()
        if outcome.retry_at is not None:
            self.retry_at[key] = outcome.retry_at
        self._end(key, outcome.state, outcome.reason, None)
        if outcome.state in _TRY_ENDS:  # kept as it ended: its retry may start before the next write
            ended = copy(rec)
            ended.start_date = outcome.start
            self._ended.append(ended)
        if outcome.state is TaskState.UP_FOR_RETRY and self.on_task_done is not None:
            self.on_task_done(rec)
        changed = {outcome.task_id}
        for target, reason, explained in planning.skipped_instances(
            self.snapshot, outcome.skips, map_index=outcome.map_index
        ):
            self._end(target, TaskState.SKIPPED, reason, number, explained)
        changed.update(skip.task_id for skip in outcome.skips)
        return changed

    # -- writes ----------------------------------------------------------------------------------

    def _flush(self, run: DagRunRecord | None = None) -> None:
        cleared, added = self.env.xcoms.take_pending()
        changes = RunChanges(
            self.run.dag_id,
            self.run.run_id,
            instances=[rec for key, rec in self._dirty.items() if key not in self._new],
            new_instances=[rec for key, rec in self._dirty.items() if key in self._new],
            removed_instances=self._removed,
            ended_tries=self._ended,
            xcoms_cleared=cleared,
            xcoms_added=added,
            run=run,
            guarded=self.queued_by is not None,
        )
        self.store.record(changes)  # on failure the changes stay pending, written by the next flush
        self._new -= set(self._dirty)
        self._dirty, self._removed, self._ended = {}, [], []

    def _finish(self, state: DagRunState, reason: str, ended_because: str) -> DagRunRecord:
        self.run.state = state
        self.run.end_date = self.env.now()
        self.run.reason = reason
        self.ended_because = ended_because
        if self.inline_dag_callbacks:  # what the callbacks push is written with the run's end
            self.run_end_callbacks()
        self._flush(self.run)
        return self.run

    def run_end_callbacks(self) -> None:
        """Call the DAG's ``on_success_callback`` / ``on_failure_callback`` for the run that ended (each
        callback's error is logged; none changes the run's state)."""
        if self.ended_because is None:
            return
        self.env.dag_run.state = self.run.state.value
        run_dag_callbacks(
            self.env,
            success=self.run.state is DagRunState.SUCCESS,
            reason=self.ended_because,
            instances=[
                (r.task_id, r.map_index, r.try_number, r.max_tries, r.state.value if r.state else None)
                for r in self.records.values()
                if r.state is not TaskState.REMOVED  # Airflow leaves removed instances out
            ],
        )


def _ended_because(state: DagRunState) -> str:
    return "success" if state is DagRunState.SUCCESS else "task_failure"
