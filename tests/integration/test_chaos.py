"""Chaos: worker processes killed at random every few hundred milliseconds while hundreds of runs go
through a real scheduler. The scheduler stays up, every run succeeds, and nothing that succeeded runs
again. Each test prints its figures (kills, runs, wall time, runs lost, successes re-run).

A task appends a line (run, task, try number, pid) to one journal as its last act, so the journal
tells which tries did the work: the try recorded as the success must be there exactly once, no try may
be there twice, and none may come after the recorded success. An earlier try in the journal is work
that was not recorded, and is allowed only where its process was one the test killed and the line was
the last that process wrote before the kill (killed between its last act and its record: retried,
at-least-once, as in Airflow). Any other earlier try means a try that ended and reported was run again:
a success re-run.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from celery_harness import CeleryCluster
from scheduler_harness import SchedulerHome

from headwater.store.sql import SqlStore

CHAOS_DAG = """
    import datetime as dt, os, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    MARKS = Path({marks!r})

    def work(ti):
        time.sleep({pause})
        with open(MARKS / "journal", "a") as f:
            f.write(f"{{ti.run_id}} {{ti.task_id}} {{ti.try_number}} {{os.getpid()}}\\n")

    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    with DAG(
        "chaos",
        start_date=start,
        end_date=start + dt.timedelta(minutes={runs} - 1),
        schedule=dt.timedelta(minutes=1),
        catchup=True,
        max_active_runs={active},
    ) as dag:
        extract = PythonOperator(task_id="extract", python_callable=work, retries={retries},
                                 retry_delay=dt.timedelta(0))
        load = PythonOperator(task_id="load", python_callable=work, retries={retries},
                              retry_delay=dt.timedelta(0))
        extract >> load
"""


@dataclass
class Figures:
    kills: int = 0
    runs: int = 0
    tasks: int = 0
    retried_tries: int = 0
    unrecorded_work: int = 0
    """Tries killed after their work and before their record: run again, as Airflow would."""
    runs_lost: int = 0
    successes_rerun: int = 0
    seconds: float = 0.0

    def line(self, executor: str) -> str:
        return (
            f"chaos {executor}: {self.kills} kills, {self.runs} runs ({self.tasks} task instances) in "
            f"{self.seconds:.1f} s; {self.retried_tries} tries lost and retried, {self.unrecorded_work} killed "
            f"after their work; runs lost: {self.runs_lost}, successes re-run: {self.successes_rerun}"
        )


def _children(parent: int, marker: bytes) -> list[int]:
    """Processes whose parent is ``parent`` and whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] != "Z" and marker in cmdline:
            found.append(int(entry.name))
    return found


def _finished_runs(store: SqlStore) -> int:
    return sum(1 for run in store.runs("chaos") if run.state.value in ("success", "failed"))


@dataclass
class Kill:
    pid: int
    journal_end: int
    """The journal's size right after the kill: the victim's lines all lie before it."""


def _chaos(
    site: SchedulerHome,
    marks: Path,
    kills: list[Kill],
    *,
    runs: int,
    victims: Callable[[], list[int]],
    every: tuple[float, float],
    watched: list[int],
    timeout: float,
) -> Figures:
    """Kill a random victim every ``every`` seconds until ``runs`` runs have finished; the processes in
    ``watched`` (the scheduler) must stay up throughout."""
    figures = Figures()
    rng = random.Random(13)
    began = time.monotonic()
    store = site.store
    try:
        while _finished_runs(store) < runs:
            assert time.monotonic() - began < timeout, f"runs unfinished after {timeout} s\n{site.scheduler_log()}"
            for process in site.processes:
                if process.pid in watched:
                    assert process.poll() is None, f"exited {process.returncode}\n{site.scheduler_log()}"
            time.sleep(rng.uniform(*every))
            pids = victims()
            if pids:
                victim = rng.choice(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                figures.kills += 1
                journal = marks / "journal"
                kills.append(Kill(victim, journal.stat().st_size if journal.exists() else 0))
    finally:
        store.close()
    figures.seconds = time.monotonic() - began
    return figures


def _journal(marks: Path) -> list[tuple[int, str, str, int, int]]:
    """The journal's lines as (offset, run, task, try, pid)."""
    lines, offset = [], 0
    with open(marks / "journal", "rb") as journal:
        for raw in journal:
            run_id, task_id, try_number, pid = raw.decode().split()
            lines.append((offset, run_id, task_id, int(try_number), int(pid)))
            offset += len(raw)
    return lines


def _cut_short(lines: list[tuple[int, str, str, int, int]], kills: list[Kill]) -> set[int]:
    """Offsets of the lines that were a killed process's last act before its kill."""
    last: set[int] = set()
    for kill in kills:
        before = [offset for offset, *_, pid in lines if pid == kill.pid and offset < kill.journal_end]
        if before:
            last.add(max(before))
    return last


def _audit(site: SchedulerHome, marks: Path, kills: list[Kill], figures: Figures) -> Figures:
    """Compare the recorded states and tries with the journal the tasks wrote."""
    lines = _journal(marks)
    cut_short = _cut_short(lines, kills)
    by_instance: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for offset, run_id, task_id, try_number, _ in lines:
        by_instance.setdefault((run_id, task_id), []).append((try_number, offset))
    store = site.store
    try:
        recorded = store.runs("chaos")
        figures.runs = len(recorded)
        figures.runs_lost = sum(1 for run in recorded if run.state.value != "success")
        for run in recorded:
            for ti in store.task_instances("chaos", run.run_id):
                figures.tasks += 1
                figures.retried_tries += ti.try_number - 1
                written = by_instance.get((run.run_id, ti.task_id), [])
                tries = [number for number, _ in written]
                succeeded = ti.state is not None and ti.state.value == "success"
                ran_twice = len(tries) != len(set(tries)) or any(number > ti.try_number for number in tries)
                if ran_twice or (succeeded and tries.count(ti.try_number) != 1):
                    figures.successes_rerun += 1
                for number, offset in written:
                    if number < ti.try_number:
                        if offset in cut_short:
                            figures.unrecorded_work += 1
                        else:  # it finished and reported, yet a later try ran
                            figures.successes_rerun += 1
    finally:
        store.close()
    return figures


def _chaos_site(site: SchedulerHome, tmp_path: Path, *, runs: int, active: int, pause: float) -> Path:
    marks = tmp_path / "marks"
    marks.mkdir()
    site.write_dag(CHAOS_DAG.format(marks=str(marks), runs=runs, active=active, retries=20, pause=pause))
    return marks


def test_killing_local_workers_at_random_loses_no_run_and_reruns_no_success(
    site: SchedulerHome, tmp_path: Path
) -> None:
    runs = 300
    marks = _chaos_site(site, tmp_path, runs=runs, active=32, pause=0.04)
    site.extra_env["HEADWATER__CORE__PARALLELISM"] = "4"
    scheduler = site.start_scheduler()

    kills: list[Kill] = []
    figures = _chaos(
        site,
        marks,
        kills,
        runs=runs,
        victims=lambda: _children(scheduler.pid, b"spawn_main"),
        every=(0.2, 0.5),
        watched=[scheduler.pid],
        timeout=120,
    )
    _audit(site, marks, kills, figures)
    print(figures.line("LocalExecutor"))

    assert scheduler.poll() is None, site.scheduler_log()
    assert figures.kills >= 8, figures.line("LocalExecutor")  # 600 tries of 0.04 s on 4 workers: 6 s at least
    assert figures.runs == runs
    assert figures.runs_lost == 0, site.scheduler_log()
    assert figures.successes_rerun == 0, site.scheduler_log()


def test_killing_celery_pool_processes_at_random_loses_no_run_and_reruns_no_success(
    redis_cluster: CeleryCluster, tmp_path: Path
) -> None:
    site = redis_cluster.site
    runs = 40
    marks = _chaos_site(site, tmp_path, runs=runs, active=8, pause=0.2)
    site.extra_env["HEADWATER__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] = "3"
    workers = [redis_cluster.start_worker(name, concurrency=2) for name in ("w1", "w2")]
    redis_cluster.wait_for_workers("w1", "w2")
    scheduler = site.start_scheduler()

    kills: list[Kill] = []
    figures = _chaos(
        site,
        marks,
        kills,
        runs=runs,
        victims=lambda: [pid for worker in workers for pid in _children(worker.pid, b"celery")],
        every=(0.3, 0.7),
        watched=[scheduler.pid, *(w.pid for w in workers)],
        timeout=150,
    )
    _audit(site, marks, kills, figures)
    print(figures.line("CeleryExecutor"))

    assert scheduler.poll() is None, redis_cluster.logs()
    assert figures.kills >= 4, figures.line("CeleryExecutor")  # 80 tries of 0.2 s on 4 slots: 4 s at least
    assert figures.runs == runs
    assert figures.runs_lost == 0, redis_cluster.logs()
    assert figures.successes_rerun == 0, redis_cluster.logs()
