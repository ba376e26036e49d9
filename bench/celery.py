"""Benchmark the CeleryExecutor: a real `headwater scheduler` on PostgreSQL and 2 `headwater celery
worker` processes with concurrency 2, on Redis and on RabbitMQ; the LocalExecutor with 4 worker
processes on the same PostgreSQL alongside.

For chain200 and fan1000, with an empty database and with 100,000 finished task instances already
stored, it prints: trigger -> success, milliseconds per task, the median and 95th percentile of
task-to-task latency on the chain (upstream end -> downstream start, as recorded), and the peak memory
of the scheduler and the workers together. Never fails on time. Brokers: HEADWATER_BENCH_REDIS_URL and
HEADWATER_BENCH_RABBITMQ_URL (the local servers by default).

    python bench/celery.py [--only local,redis,rabbitmq] [--history 100000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dags_test import WORKLOADS
from scheduler import create_postgres_database, drop_postgres_database, seed_history, time_run, tree_rss_mb

from headwater.store.sql import SqlStore

TARGETS = {"chain_median_ms": 25.0, "fan_s": 10.0}
BROKERS = {
    "redis": os.environ.get("HEADWATER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "rabbitmq": os.environ.get("HEADWATER_BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


class PeakMemory(threading.Thread):
    """The largest resident memory seen of several process trees together."""

    def __init__(self, roots: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots, self.peak, self.running = roots, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, sum(tree_rss_mb(pid) for pid in self.roots))
            time.sleep(0.05)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "headwater", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),
        start_new_session=True,
    )


def measure(kind: str, database: str, history: int, tmp: Path) -> dict[str, float]:
    home = tmp / f"home-{uuid.uuid4().hex[:6]}"
    dags = home / "dags"
    dags.mkdir(parents=True)
    for name in ("chain200", "fan1000"):
        (dags / f"bench_{name}.py").write_text(WORKLOADS[name].replace("{dag_id}", f"bench_{name}"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEADWATER")},
        "HEADWATER_HOME": str(home),
        "HEADWATER__DATABASE__SQL_ALCHEMY_CONN": database,
        "HEADWATER__CORE__DAGS_ARE_PAUSED_AT_CREATION": "false",
    }
    if kind == "local":
        env["HEADWATER__CORE__PARALLELISM"] = "4"
    else:
        env.update(
            HEADWATER__CORE__EXECUTOR="CeleryExecutor",
            HEADWATER__CELERY__BROKER_URL=BROKERS[kind],
            HEADWATER__CELERY__DEFAULT_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
        )
    store = SqlStore(database)
    seed_history(store, history)
    workers = (
        []
        if kind == "local"
        else [
            start(
                ["celery", "worker", "-c", "2", "-H", f"bench{n}.{os.getpid()}@%h", "-l", "WARNING"],
                env,
                home / f"worker{n}.log",
            )
            for n in range(2)
        ]
    )
    scheduler = start(["scheduler"], env, home / "scheduler.log")
    memory = PeakMemory([scheduler.pid, *(w.pid for w in workers)])
    memory.start()
    figures: dict[str, float] = {}
    print(f"measuring {kind} with {history:,} finished task instances ...", flush=True)
    try:
        while len(store.pause_flags()) < 2:
            time.sleep(0.05)
        time.sleep(3)  # workers up and consuming
        for name, tasks in (("chain200", 200), ("fan1000", 1002)):
            figures.update(time_run(name, tasks, env, store, home))
    finally:
        memory.running = False
        for process in [scheduler, *workers]:
            process.send_signal(signal.SIGTERM)
        for process in [scheduler, *workers]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        store.close()
    figures["memory_mb"] = memory.peak
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="local,redis,rabbitmq", help="Which of local, redis, rabbitmq to run.")
    parser.add_argument("--history", type=int, default=100_000, help="Finished task instances in the second round.")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for history in (0, args.history):
            for kind in args.only.split(","):
                database = create_postgres_database()
                if database is None:
                    raise SystemExit("PostgreSQL is needed: set HEADWATER_BENCH_POSTGRES_URL")
                try:
                    rows.append((kind, history, measure(kind, database, history, Path(tmp))))
                finally:
                    drop_postgres_database(database)
    print()
    labels = {
        "local": "LocalExecutor, 4 processes",
        "redis": "Celery on Redis, 2 x 2",
        "rabbitmq": "Celery on RabbitMQ, 2 x 2",
    }
    print(
        f"{'executor (PostgreSQL)':<27} {'history':>8} {'chain200':>9} {'ms/task':>8} {'median':>8} {'p95':>8} "
        f"{'fan1000':>8} {'ms/task':>8} {'peak MB':>8}"
    )
    for kind, history, f in rows:
        print(
            f"{labels[kind]:<27} {history:>8,} {f['chain200_s']:>8.2f}s {f['chain200_ms_per_task']:>8.2f} "
            f"{f['chain_median_ms']:>6.2f}ms {f['chain_p95_ms']:>6.2f}ms {f['fan1000_s']:>7.2f}s "
            f"{f['fan1000_ms_per_task']:>8.2f} {f['memory_mb']:>8.0f}"
        )
    print(
        f"\ntargets (Celery): chain200 median latency < {TARGETS['chain_median_ms']:g} ms, "
        f"fan1000 < {TARGETS['fan_s']:g} s"
    )


if __name__ == "__main__":
    main()
