"""Benchmark `headwater dags test` as whole processes, on the shipped defaults (durable SQLite).

Prints: start-up (`headwater version`), the fixed cost of a run (one-task DAG minus start-up), the
marginal cost per task for chain200, fan1000 and xcom500, and the whole wall time of the umbrella
example, beside the Airflow figures quoted in the engine issue. Never fails on time.

    python bench/dags_test.py [--repeat 3] [--clock cpu]

``--clock cpu`` reports the processes' CPU time (user + system) instead of wall time: the steadier figure
to compare two commits on a machine whose disk makes SQLite's fsyncs slow at random.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADWATER = str(Path(sys.executable).with_name("headwater"))

HEADER = """import pendulum
from headwater import DAG, PythonOperator, task


def _noop():
    return None


with DAG(dag_id="{dag_id}", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
"""

WORKLOADS = {
    "one": HEADER + '    PythonOperator(task_id="only", python_callable=_noop)\n',
    "chain200": HEADER
    + "    previous = None\n"
    + "    for i in range(200):\n"
    + '        current = PythonOperator(task_id=f"t{i}", python_callable=_noop)\n'
    + "        if previous is not None:\n            previous >> current\n"
    + "        previous = current\n",
    "fan1000": HEADER
    + '    start = PythonOperator(task_id="start", python_callable=_noop)\n'
    + '    join = PythonOperator(task_id="join", python_callable=_noop)\n'
    + "    for i in range(1000):\n"
    + '        start >> PythonOperator(task_id=f"t{i}", python_callable=_noop) >> join\n',
    "xcom500": HEADER
    + "    @task\n    def step(value):\n        return value + 1\n\n"
    + '    value = 0\n    for i in range(500):\n        value = step.override(task_id=f"s{i}")(value)\n',
}
TASKS = {"one": 1, "chain200": 200, "fan1000": 1002, "xcom500": 500}
AIRFLOW_2105_MS_PER_TASK = {"chain200": 63, "fan1000": 19, "xcom500": 168}
TARGETS = {"startup_s": 0.3, "fixed_s": 0.5, "per_task_ms": 1.0, "umbrella_s": 0.6}


CLOCK = {"clock": "wall"}


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def wall(command: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    now = _cpu_seconds if CLOCK["clock"] == "cpu" else time.perf_counter
    for _ in range(repeat):
        began = now()
        proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        times.append(now() - began)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="What a figure measures.")
    args = parser.parse_args()
    CLOCK["clock"] = args.clock
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HEADWATER_HOME": str(Path(tmp) / "home")}
        files = {}
        for name, source in WORKLOADS.items():
            files[name] = Path(tmp) / f"bench_{name}.py"
            files[name].write_text(source.replace("{dag_id}", f"bench_{name}"))
        run = [HEADWATER, "dags", "test"]
        wall([*run, str(files["one"])], env, 1)  # creates and migrates the database once
        startup = wall([HEADWATER, "version"], env, max(5, args.repeat))
        walls = {name: wall([*run, str(path)], env, args.repeat) for name, path in files.items()}
        umbrella = wall([*run, str(ROOT / "examples" / "umbrella.py")], env, args.repeat)

    fixed = walls["one"] - startup
    print(f"{'figure':<28}{'headwater':>12}{'target':>10}{'Airflow 2.10.5':>16}")
    print(f"{'start-up (version)':<28}{startup:>11.3f}s{TARGETS['startup_s']:>9}s{'~1 s':>16}")
    print(f"{'fixed cost of a run':<28}{fixed:>11.3f}s{TARGETS['fixed_s']:>9}s{'':>16}")
    for name in ("chain200", "fan1000", "xcom500"):
        per_task = (walls[name] - walls["one"]) / (TASKS[name] - 1) * 1000
        airflow = f"{AIRFLOW_2105_MS_PER_TASK[name]} ms"
        print(f"{name + ' per task':<28}{per_task:>10.3f}ms{TARGETS['per_task_ms']:>8}ms{airflow:>16}")
    print(f"{'umbrella (whole process)':<28}{umbrella:>11.3f}s{TARGETS['umbrella_s']:>9}s{'1.3 s':>16}")


if __name__ == "__main__":
    main()
