"""Benchmark a real `headwater scheduler` (LocalExecutor, parallelism 2) on chain200 and fan1000.

For each database (SQLite; PostgreSQL when reachable) and each history size (an empty database, and
100,000 finished task instances already recorded) it prints: wall time from the trigger to the run's
success, milliseconds per task, the median and 95th percentile of task-to-task latency on the chain
(upstream end -> downstream start, as recorded), and the peak memory of the scheduler and its workers
together. Airflow 2.10.5's figures from the issue are printed beside. Never fails on time.

    python bench/scheduler.py [--history 100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dags_test import WORKLOADS

from headwater.model.states import DagRunState, TaskState
from headwater.store.records import DagRunRecord, TaskInstanceRecord
from headwater.store.sql import SqlStore

POSTGRES = os.environ.get("HEADWATER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGETS = {"chain_median_ms": 10.0, "fan_s": 2.0, "memory_mb": 250.0}
AIRFLOW = "Airflow 2.10.5 (issue): chain200 236 s (~1.2 s/task), fan1000 > 1,300 s, 1.3-1.6 GB"


def process_tree(root: int) -> dict[int, list[str]]:
    """``root`` and every descendant, each with its /proc stat fields (those after the command name)."""
    stats: dict[int, list[str]] = {}
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in stats:
            tree[pid] = stats[pid]
        stack.extend(children.get(pid, []))
    return tree


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and every descendant."""
    pages = sum(int(fields[21]) for fields in process_tree(root).values())
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``root`` and each descendant, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    return {pid: (int(f[11]) + int(f[12])) / ticks for pid, f in process_tree(root).items()}


class PeakMemory(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            time.sleep(0.05)


def seed_history(store: SqlStore, count: int) -> None:
    """``count`` finished task instances of an unrelated DAG, in runs of 100."""
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for r in range(count // 100):
        day = base + dt.timedelta(hours=r)
        run = DagRunRecord(
            "history", f"scheduled__{day.isoformat()}", "scheduled", day, day, day, state=DagRunState.SUCCESS
        )
        tis = [
            TaskInstanceRecord(
                "history", run.run_id, f"t{i}", -1, TaskState.SUCCESS, 1, 0, "PythonOperator", day, day, 0.0
            )
            for i in range(100)
        ]
        store.start_run(run, tis, replace=False)


def create_postgres_database() -> str | None:
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        name = f"hw_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return f"{POSTGRES.rsplit('/', 1)[0]}/{name}"
    except Exception as err:  # noqa: BLE001 - the benchmark reports why PostgreSQL is left out
        print(f"PostgreSQL left out: {err}")
        return None


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def time_run(name: str, tasks: int, env: dict[str, str], store: SqlStore, home: Path) -> dict[str, float]:
    """Trigger ``bench_<name>`` through the CLI and wait for it: wall time from the trigger to the run's
    success, ms per task and, for the chain, task-to-task latency (upstream end -> downstream start)."""
    dag_id = f"bench_{name}"
    trigger = subprocess.run(
        [sys.executable, "-m", "headwater", "dags", "trigger", dag_id],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    triggered = dt.datetime.now(dt.UTC)
    run_id = trigger.stdout.strip()
    while True:
        run = store.get_run(dag_id, run_id)
        if run is not None and run.state in (DagRunState.SUCCESS, DagRunState.FAILED):
            break
        time.sleep(0.1)
    if run.state is not DagRunState.SUCCESS or run.end_date is None:
        raise SystemExit(f"{dag_id} ended {run.state}: see the logs in {home}")
    wall = (run.end_date - triggered).total_seconds()
    figures = {f"{name}_s": wall, f"{name}_ms_per_task": wall * 1000 / tasks}
    if name == "chain200":
        tis = {ti.task_id: ti for ti in store.task_instances(dag_id, run_id)}
        gaps = [
            (tis[f"t{i + 1}"].start_date - tis[f"t{i}"].end_date).total_seconds() * 1000  # type: ignore[operator]
            for i in range(199)
        ]
        figures["chain_median_ms"] = statistics.median(gaps)
        figures["chain_p95_ms"] = statistics.quantiles(gaps, n=20)[-1]
    return figures


def measure(database: str, history: int, tmp: Path) -> dict[str, float]:
    home = tmp / f"home-{uuid.uuid4().hex[:6]}"
    dags = home / "dags"
    dags.mkdir(parents=True)
    for name in ("chain200", "fan1000"):
        (dags / f"bench_{name}.py").write_text(WORKLOADS[name].replace("{dag_id}", f"bench_{name}"))
    url = database if database != "sqlite" else f"sqlite:///{home / 'headwater.db'}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEADWATER")},
        "HEADWATER_HOME": str(home),
        "HEADWATER__DATABASE__SQL_ALCHEMY_CONN": url,
        "HEADWATER__CORE__PARALLELISM": "2",
        "HEADWATER__CORE__DAGS_ARE_PAUSED_AT_CREATION": "false",
    }
    store = SqlStore(url)
    seed_history(store, history)
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "headwater", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(home / "scheduler.log", "wb"),  # noqa: SIM115 - lives as long as the process
        start_new_session=True,
    )
    memory = PeakMemory(scheduler.pid)
    memory.start()
    figures: dict[str, float] = {}
    print(f"measuring {database.split(':', maxsplit=1)[0]} with {history:,} finished task instances ...", flush=True)
    try:
        while len(store.pause_flags()) < 2:
            time.sleep(0.05)
        for name, tasks in (("chain200", 200), ("fan1000", 1002)):
            figures.update(time_run(name, tasks, env, store, home))
            cpu = tree_cpu(scheduler.pid)
            print(
                f"  {name}: scheduler CPU {cpu.get(scheduler.pid, 0):.2f} s, workers CPU "
                f"{sum(v for p, v in cpu.items() if p != scheduler.pid):.2f} s (cumulative)",
                flush=True,
            )
    finally:
        memory.running = False
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=60)
        store.close()
    figures["memory_mb"] = memory.peak
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for history in (0, args.history):
            rows.append(("sqlite", history, measure("sqlite", history, Path(tmp))))
            postgres = None if args.no_postgres else create_postgres_database()
            if postgres is None:
                continue
            try:  # a database of its own for each history size
                rows.append(("postgresql", history, measure(postgres, history, Path(tmp))))
            finally:
                drop_postgres_database(postgres)
    print()
    header = (
        f"{'database':<11} {'history':>8} {'chain200':>9} {'ms/task':>8} {'median':>8} {'p95':>8} "
        f"{'fan1000':>8} {'ms/task':>8} {'peak MB':>8}"
    )
    print(header)
    for label, history, f in rows:
        print(
            f"{label:<11} {history:>8,} {f['chain200_s']:>8.2f}s {f['chain200_ms_per_task']:>8.2f} "
            f"{f['chain_median_ms']:>6.2f}ms {f['chain_p95_ms']:>6.2f}ms {f['fan1000_s']:>7.2f}s "
            f"{f['fan1000_ms_per_task']:>8.2f} {f['memory_mb']:>8.0f}"
        )
    print(
        f"\ntargets: chain200 median latency < {TARGETS['chain_median_ms']} ms, fan1000 < {TARGETS['fan_s']} s, "
        f"peak memory < {TARGETS['memory_mb']} MB"
    )
    print(AIRFLOW)


if __name__ == "__main__":
    main()
