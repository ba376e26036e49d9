"""The scheduler: one loop that creates runs, asks ``headwater.planning`` what is ready, admits it to
pools and slots, hands it to the executor, and takes in what comes back.

The loop sleeps only in the executor's wait, which returns the moment a worker reports, so a finished
task's downstream is planned and queued at once. Work that arrives from outside (triggers, pauses,
clears, schedules falling due, changed DAG files) is looked for every ``poll_interval``. Each loop
plans only the runs something happened to, and each run re-evaluates only the dependents of what
changed: the cost of a decision follows the change, not the history in the database.
"""

from __future__ import annotations

import heapq
import logging
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pendulum

from headwater import planning
from headwater.config import Settings
from headwater.executors.base import Executor, WorkItem
from headwater.model.dag import DAG
from headwater.model.states import DagRunState, TaskState
from headwater.planning import TIKey
from headwater.scheduler.control import dag_entry
from headwater.scheduler.dag_callbacks import DagCallbackThreads
from headwater.scheduler.dag_documents import lint_and_document
from headwater.scheduler.dag_folder import DagFolder, FolderChanges
from headwater.scheduler.dagruns import missing_instances
from headwater.scheduler.failures import LoopFailures
from headwater.scheduler.job import SchedulerJob
from headwater.scheduler.run_driver import RunDriver
from headwater.scheduler.run_starts import RunStarting, priority_weights_of
from headwater.scheduler.tries import Orphan, TryKeeping
from headwater.scheduler.wakeup import WakeSocket
from headwater.store.jobs import JobState
from headwater.store.records import RunChanges, TaskInstanceRecord
from headwater.store.sql import SqlStore
from headwater.store.sql_dags import DEFAULT_POOL
from headwater.store.xcom import configure

log = logging.getLogger("headwater.scheduler")

RunKey = tuple[str, str]


class Scheduler(TryKeeping, RunStarting):
    """Runs every unpaused DAG of the DAGs folder on its schedule, plus triggered and backfill runs."""

    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        executor: Executor,
        *,
        clock: Callable[[], pendulum.DateTime] = lambda: pendulum.now("UTC"),
    ) -> None:
        self.settings, self.store, self.executor, self.clock = settings, store, executor, clock
        self.token = uuid.uuid4().hex[:16]
        self.hostname = socket.gethostname()
        self.folder = DagFolder(settings.dags_folder, timeout=settings.dagbag_import_timeout)
        self.backend = store.xcom_backend or configure(settings)
        self.dags: dict[str, DAG] = {}
        self._documented: dict[str, DAG] = {}
        """The DAG objects linted and stored as documents (a re-parse makes new ones)."""
        self.paused: dict[str, bool] = {}
        self.pools: dict[str, int] = {}
        self.drivers: dict[RunKey, RunDriver] = {}
        self.ready: list[tuple[Any, planning.Candidate]] = []
        """Instances found ready and not admitted yet, as a heap in admission order."""
        self.waiting: dict[planning.CandidateKey, planning.Candidate] = {}
        """What the heap holds that is still waiting (entries not here are stale)."""
        self.waiting_count: Counter[RunKey] = Counter()
        self.weights: dict[str, dict[str, int]] = {}
        self.orphans: dict[tuple[str, str, str, int], Orphan] = {}
        self.held: dict[tuple[str, str, str, int], WorkItem] = {}
        """Tries a worker refused for a DAG file changed since it was parsed, until it is parsed again."""
        self.next_info: dict[str, planning.DagRunInfo | None] = {}
        self.wake = WakeSocket(settings.home)
        self._next_poll = 0.0
        self._next_listing = 0.0
        self._stopping = False
        self._admitted_last = False
        self.lock: Any = None
        """Held while this scheduler runs (see ``service.SchedulerLock``); released when it stops."""
        self.job = SchedulerJob(settings, store, hostname=self.hostname)
        self.failures = LoopFailures(sleep=self._pause)
        self.dag_callbacks = DagCallbackThreads(store)
        """The DAG callbacks of finished runs, called in threads of their own."""

    # -- the loop ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Record this scheduler's job, parse the DAGs folder, and adopt what a previous scheduler left
        running."""
        self.job.begin(self.clock())
        self._refresh_dags(force=True)
        self.executor.warm(sorted({dag.fileloc for dag in self.dags.values() if dag.fileloc}))
        self._adopt_leftovers()

    def run(self, *, until: Callable[[], bool] | None = None) -> None:
        """Loop until ``stop()`` is called (a signal handler) or ``until()`` says so. A failed iteration is
        recovered from (see ``scheduler.failures``); an error that ends the loop is raised once the
        scheduler has shut down and recorded its job as failed."""
        started = False
        ended = JobState.FAILED
        try:
            while not self._stopping and not (until is not None and until()):
                try:
                    if not started:
                        self.start()
                        started = True
                    elif self.failures.recovering:
                        self._recover()
                    self.loop_once()
                    self.failures.succeeded()
                    self.job.beat(self.clock())
                except Exception as err:
                    if not self.failures.absorb(err, starting=not started):
                        raise
            ended = JobState.SUCCESS
        finally:
            self._shut_down(ended)

    def _shut_down(self, ended: JobState) -> None:
        """Release what the scheduler holds, each step whatever happened to the one before."""
        log.info("The scheduler is stopping: running tries are let finish and recorded.")
        steps: list[tuple[str, Callable[[], None]]] = [
            ("close the DAG folder's parsers", self.folder.close),
            ("close the wake socket", self.wake.close),
            ("release the scheduler lock", self.lock.release if self.lock is not None else lambda: None),
            ("shut the executor down", lambda: self.executor.shutdown(wait=True)),
            ("let the DAG callbacks finish", lambda: self.dag_callbacks.wait(5.0)),
            ("record the scheduler's end", lambda: self.job.end(ended, self.clock())),
        ]
        for what, step in steps:
            try:
                step()
            except Exception:
                log.exception("While stopping, could not %s.", what)
        log.info("The scheduler stopped (its job recorded %s).", ended.value)

    def stop(self) -> None:
        self._stopping = True

    def _pause(self, seconds: float) -> None:
        """Wait after a failed iteration; a ``stop()`` meanwhile ends the wait."""
        until = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < until:
            time.sleep(min(0.1, until - time.monotonic()))

    def loop_once(self) -> None:
        busy = any(d.changed and not self._paused_run(d) for d in self.drivers.values()) or (
            self._admitted_last and self.waiting and self.executor.open_slots > 0
        )
        timeout = 0.0 if busy else self._idle_timeout()
        for event in self.executor.events(timeout, self.wake.handles()):
            self._take(event)
        if self.wake.drain() or time.monotonic() >= self._next_poll:
            self._next_poll = time.monotonic() + self.settings.poll_interval
            self._housekeeping()
        self._plan_and_queue()

    def _idle_timeout(self) -> float:
        wake = self._next_poll - time.monotonic()
        now = self.clock()
        for driver in self.drivers.values():
            due = driver.next_retry()
            if due is not None and not self._paused_run(driver):
                wake = min(wake, (due - now).total_seconds())
        return max(0.0, min(wake, self.settings.poll_interval))

    # -- planning and admission ----------------------------------------------------------------------

    def _plan_and_queue(self) -> None:
        for key, driver in self.drivers.items():
            if self._paused_run(driver):
                continue
            if driver.changed or driver.next_retry() is not None:
                for ti_key in driver.advance():
                    self._wait_for_slot(key, driver, ti_key)
        items = self._admit()
        self._admitted_last = bool(items)  # blocked candidates are looked at again when something changes
        for driver in self.drivers.values():
            driver.flush()
        for item in items:
            item.file_hash = self.folder.digest(item.fileloc)
            self.executor.submit(item)
        for key in [k for k, d in self.drivers.items() if not d.changed and not d.inflight and not self._paused_run(d)]:
            if self.waiting_count.get(key):
                continue
            finished = self.drivers[key].finish_if_done()
            if finished is not None:
                log.info("DAG run %s of %s: %s (%s)", key[1], key[0], finished.state.value, finished.reason)
                self.dag_callbacks.submit(self.drivers[key])
                self._forget(key)

    def _wait_for_slot(self, run_key: RunKey, driver: RunDriver, ti_key: TIKey) -> None:
        rec = driver.records[ti_key]
        candidate = planning.Candidate(
            (run_key[0], run_key[1], ti_key[0], ti_key[1]),
            rec.pool,
            rec.pool_slots,
            rec.priority_weight,
            driver.run.logical_date,
        )
        heapq.heappush(self.ready, (planning.admission_order(candidate), candidate))
        if candidate.key not in self.waiting:
            self.waiting_count[run_key] += 1
        self.waiting[candidate.key] = candidate

    def _admit(self) -> list[WorkItem]:
        """Start the best ready instances that fit: planning decides who, in Airflow's order.

        Candidates are taken from the heap a slot's worth at a time, so when the best ones fit nothing
        else is looked at (nor gets a waiting reason written). Like Airflow's ``max_tis_per_query``, at
        most a few times the open slots are examined per loop."""
        open_slots = self.executor.open_slots
        if not self.waiting or open_slots <= 0:
            return []
        pool_used: Counter[str] = Counter()
        dag_used: Counter[str] = Counter()
        task_used: Counter[tuple[str, str]] = Counter()
        run_task_used: Counter[tuple[str, str, str]] = Counter()
        for (dag_id, run_id), driver in self.drivers.items():
            for ti_key in driver.active():
                rec = driver.records[ti_key]
                pool_used[rec.pool] += rec.pool_slots
                dag_used[dag_id] += 1
                task_used[(dag_id, rec.task_id)] += 1
                run_task_used[(dag_id, run_id, rec.task_id)] += 1
        set_aside: list[tuple[Any, planning.Candidate]] = []
        chosen: dict[RunKey, list[TIKey]] = {}
        budget = open_slots * 4 + 16
        while open_slots > 0 and budget > 0 and self.ready:
            batch = self._take_ready(min(open_slots, budget), set_aside)
            if not batch:
                break
            budget -= len(batch)
            dags = {c.key[0] for c in batch}
            admission = planning.admit(
                batch,
                pool_open={name: size - pool_used[name] for name, size in self.pools.items()},
                pool_size=dict(self.pools),
                dag_open={d: self.dags[d].max_active_tasks - dag_used[d] if d in self.dags else 0 for d in dags},
                open_slots=open_slots,
                **self._task_limits(batch, task_used, run_task_used),
            )
            for candidate in admission.admitted:
                dag_id, run_id, task_id, map_index = candidate.key
                del self.waiting[candidate.key]
                self.waiting_count[(dag_id, run_id)] -= 1
                chosen.setdefault((dag_id, run_id), []).append((task_id, map_index))
                pool_used[candidate.pool] += candidate.pool_slots
                dag_used[dag_id] += 1
                task_used[(dag_id, task_id)] += 1
                run_task_used[(dag_id, run_id, task_id)] += 1
                open_slots -= 1
            for candidate, reason in admission.waiting:
                set_aside.append((planning.admission_order(candidate), candidate))
                driver = self.drivers[candidate.key[:2]]
                rec = driver.records[candidate.key[2:]]
                if rec.reason != reason:
                    rec.reason = reason
                    driver.touch(candidate.key[2:])
        for entry in set_aside:
            heapq.heappush(self.ready, entry)
        items: list[WorkItem] = []
        for run_key, keys in chosen.items():
            items.extend(self.drivers[run_key].queue(keys))
        return items

    def _task_limits(
        self,
        batch: list[planning.Candidate],
        task_used: Counter[tuple[str, str]],
        run_task_used: Counter[tuple[str, str, str]],
    ) -> dict[str, Any]:
        """What ``max_active_tis_per_dag`` and ``max_active_tis_per_dagrun`` leave open for the batch's tasks."""
        task_open: dict[tuple[str, str], int] = {}
        run_task_open: dict[tuple[str, str, str], int] = {}
        for dag_id, run_id, task_id, _ in (c.key for c in batch):
            dag = self.dags.get(dag_id)
            task = dag.task_dict.get(task_id) if dag is not None else None
            per_dag = getattr(task, "max_active_tis_per_dag", None)
            per_run = getattr(task, "max_active_tis_per_dagrun", None)
            if per_dag is not None:
                task_open[(dag_id, task_id)] = per_dag - task_used[(dag_id, task_id)]
            if per_run is not None:
                run_task_open[(dag_id, run_id, task_id)] = per_run - run_task_used[(dag_id, run_id, task_id)]
        return {"task_open": task_open, "run_task_open": run_task_open}

    def _take_ready(self, count: int, set_aside: list[tuple[Any, planning.Candidate]]) -> list[planning.Candidate]:
        """Up to ``count`` waiting candidates from the top of the heap (stale entries dropped; those of
        paused runs set aside)."""
        batch: list[planning.Candidate] = []
        while self.ready and len(batch) < count:
            entry = heapq.heappop(self.ready)
            candidate = entry[1]
            if self.waiting.get(candidate.key) is not candidate:
                continue
            driver = self.drivers[candidate.key[:2]]
            if driver.snapshot.states.get(candidate.key[2:]) is not TaskState.SCHEDULED:
                del self.waiting[candidate.key]  # decided otherwise since (a lost try adopted, say)
                self.waiting_count[candidate.key[:2]] -= 1
                continue
            if self._paused_run(driver):
                set_aside.append(entry)  # it starts when its DAG is unpaused
            else:
                batch.append(candidate)
        return batch

    def _paused_run(self, driver: RunDriver) -> bool:
        """A run of a paused DAG starts nothing new (its running tasks finish); backfill runs go on."""
        return driver.run.backfill_id is None and self.paused.get(driver.run.dag_id, False)

    def _forget(self, run_key: RunKey) -> None:
        """Drop a run that ended or is reloaded; its entries in the ready heap are skipped lazily."""
        del self.drivers[run_key]
        self.waiting_count.pop(run_key, None)
        for key in [k for k in self.waiting if k[:2] == run_key]:
            del self.waiting[key]

    # -- what arrives from outside -------------------------------------------------------------------

    def _housekeeping(self) -> None:
        if time.monotonic() >= self._next_listing:
            self._next_listing = time.monotonic() + self.settings.dag_dir_list_interval
            self._refresh_dags()
        else:
            self._take_parsed(self.folder.collect())
        self.paused = self.store.pause_flags()
        self.pools = {name: slots for name, (slots, _) in self.store.pools().items()}
        self._release_held()
        self._create_scheduled_runs()
        self._start_queued_runs()
        self._check_orphans()
        self._check_timeouts()
        self.dag_callbacks.check()
        for driver in self.drivers.values():  # instances held back by the previous run: ask again
            driver.changed |= driver.held_by_past

    def _refresh_dags(self, *, force: bool = False) -> None:
        self._take_parsed(self.folder.refresh(force=force))

    def _take_parsed(self, changes: FolderChanges) -> None:
        if not changes.changed:
            return
        for filename, error in changes.errors.items():
            self.store.record_import_error(filename, error)
            log.error("Import error in %s: %s", filename, error)
        for filename in changes.cleared_errors:
            self.store.clear_import_error(filename)
        self.dags = dict(self.folder.dags)
        self._store_new_dags()
        self.weights = {dag_id: priority_weights_of(dag) for dag_id, dag in self.dags.items()}
        entries = [dag_entry(dag, self.settings) for dag in self.dags.values()]
        self.paused = self.store.sync_dags(entries, self.clock())
        for dag_id in self.store.deactivate_dags(self.dags):
            log.info("DAG %s is no longer defined by a DAG file that imports: marked inactive.", dag_id)
        for dag_id in changes.reparsed_dags:  # its schedule may have changed; runs in flight keep their DAG
            self.next_info.pop(dag_id, None)

    def _store_new_dags(self) -> None:
        """Lint each DAG parsed anew (into the scheduler's log) and store its document for the API; an
        unchanged DAG's document is not rewritten."""
        fresh = [dag for dag_id, dag in self.dags.items() if self._documented.get(dag_id) is not dag]
        if fresh:
            documents = lint_and_document(
                fresh, import_budget=self.settings.lint_import_budget, digest=self.folder.digest
            )
            self.store.write_serialized_dags(documents, self.clock())
        self._documented = dict(self.dags)  # after the write: a failed one is tried again at the next change

    # -- recovery -------------------------------------------------------------------------------------

    def _recover(self) -> None:
        """After a failed write, forget what this process holds in memory and read it back from the
        store, as a scheduler starting afresh would (tries still running report as usual)."""
        self.drivers.clear()
        self.ready.clear()
        self.waiting.clear()
        self.waiting_count.clear()
        self.orphans.clear()
        self.next_info.clear()
        self._next_poll = 0.0
        self._adopt_leftovers()

    def _adopt_leftovers(self) -> None:
        """Runs a previous scheduler left running are driven again; its queued tries that never started
        are queued again, and its running tries are watched until they end or their lease runs out."""
        for found in self.store.active_instances():
            key = (found.dag_id, found.run_id, found.task_id, found.map_index)
            record: TaskInstanceRecord | None = found
            if found.state is TaskState.QUEUED and not self.store.requeue_unstarted(key, try_number=found.try_number):
                record = self.store.instance(*key)  # it started meanwhile
            if record is not None and record.state is TaskState.RUNNING:
                self.orphans[key] = Orphan(record)
        for run in self.store.runs(states=[DagRunState.RUNNING]):
            dag = self.dags.get(run.dag_id)
            if dag is None:
                log.warning(
                    "DAG run %s of %s is running but its DAG is not in the DAGs folder.", run.run_id, run.dag_id
                )
                continue
            instances = self.store.task_instances(run.dag_id, run.run_id)
            added = missing_instances(dag, run, instances, self.weights.get(dag.dag_id, {}))
            if added:
                self.store.record(RunChanges(run.dag_id, run.run_id, new_instances=added))
            self._drive(dag, run, instances + added)
        self._check_orphans()

    def _check_timeouts(self) -> None:
        now = self.clock()
        for key, driver in list(self.drivers.items()):
            dag = self.dags.get(key[0])
            running = sorted(driver.active())
            final = driver.time_out(now, dag.dagrun_timeout if dag is not None else None)
            if final is None:
                continue
            self.store.skip_running(key[0], key[1], running, reason=final.reason or "", now=now)
            self.executor.terminate([(key[0], key[1], *ti_key) for ti_key in running])
            log.warning("DAG run %s of %s: %s", key[1], key[0], final.reason)
            self.dag_callbacks.submit(driver)
            self._forget(key)


__all__ = ["DEFAULT_POOL", "Scheduler"]
