"""Benchmark XCom round trips (push + write + read + pull) through the real store on SQLite.

For values of 100 B, 10 KB, 1 MB and 100 MB, each as raw bytes and (up to 1 MB) as JSON-like records,
stored in the database by the default backend ("json") and offloaded by ObjectStorageXCom to a
``file://`` store ("offloaded", threshold 0): MB/s and values/s of the round trip. Each 100 MB case
runs in a process of its own; its memory peak is measured for a producer (push and write) and a
consumer (read and pull), each in a process of its own as in a real run, as a multiple of the value's
size (the issue's bound is 4x). Never fails on time.

    python bench/xcom.py [--skip-100mb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = {"100 B": 100, "10 KB": 10_000, "1 MB": 1_000_000, "100 MB": 100_000_000}
REPEATS = {100: 2000, 10_000: 1000, 1_000_000: 40, 100_000_000: 2}
BACKENDS = {"json": "headwater.store.xcom.base.BaseXCom", "offloaded": "headwater.xcom.ObjectStorageXCom"}


def _value(kind: str, size: int) -> Any:
    if kind == "bytes":
        return bytes(range(256)) * (size // 256) + bytes(size % 256)
    row = {"id": 123456, "name": "a customer name", "amount": 12.5}  # ~50 bytes of JSON each
    return [dict(row, id=i) for i in range(max(1, size // 50))]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def round_trips(
    backend_path: str, kind: str, size: int, repeats: int, home: Path, phase: str = "both"
) -> dict[str, Any]:
    """Push, record and pull ``repeats`` values through a SQLite store, as a task and its consumer do.
    ``phase`` "push" or "pull" does one side only (a producer and a consumer are different processes)."""
    from headwater.config import Settings
    from headwater.runtime.xcom_access import RunXComs
    from headwater.store.records import DagRunRecord, RunChanges, TaskInstanceRecord
    from headwater.store.sql import SqlStore
    from headwater.store.xcom import configure

    settings = Settings.load(
        {
            "HEADWATER_HOME": str(home),
            "HEADWATER__CORE__XCOM_BACKEND": backend_path,
            "HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD": "0",
            # the 100 MB values measure the database path too: above the 16 MiB default limit on purpose
            "HEADWATER__XCOM__MAX_DB_VALUE_BYTES": str(2 * max(SIZES.values())),
        }
    )
    backend = configure(settings)
    store = SqlStore(settings.sql_alchemy_conn, xcom_backend=backend)
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    run = DagRunRecord("bench", f"run-{kind}-{size}", "manual", when, when, when)
    if phase != "pull":
        tasks = [TaskInstanceRecord("bench", run.run_id, f"t{i}") for i in range(repeats)]
        store.start_run(run, tasks, replace=True)
    expected = _digest(_value(kind, size))
    baseline = _rss_bytes()
    value = _value(kind, size) if phase != "pull" else None
    elapsed = 0.0
    for i in range(repeats):
        began = time.perf_counter()
        if phase != "pull":
            producer = RunXComs("bench", run.run_id, backend)
            producer.push(f"t{i}", -1, "return_value", value)
            cleared, added = producer.take_pending()
            store.record(RunChanges("bench", run.run_id, xcoms_cleared=cleared, xcoms_added=added))
            del producer, added
        if phase != "push":
            consumer = RunXComs(
                "bench", run.run_id, backend, loader=lambda task_id: store.xcoms_of("bench", run.run_id, task_id)
            )
            back = consumer.pull(f"t{i}")
            elapsed += time.perf_counter() - began  # the check below is not part of the round trip
            if i == 0 and _digest(back) != expected:
                raise AssertionError(f"{kind} {size} came back different")
            del back, consumer
        else:
            elapsed += time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    store.close()
    return {"seconds": elapsed, "repeats": repeats, "peak_over_value": (peak - baseline) / size}


def _digest(value: Any) -> str:
    import hashlib

    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()


def _in_own_process(backend: str, kind: str, size: int, repeats: int, home: Path, phase: str) -> dict[str, Any]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from xcom import round_trips; from pathlib import Path; "
        "print(json.dumps(round_trips(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), "
        "Path(sys.argv[6]), sys.argv[7])))"
    )
    here = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", code, here, backend, kind, str(size), str(repeats), str(home), phase],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-100mb", action="store_true", help="Leave out the 100 MB cases.")
    args = parser.parse_args()
    print(
        f"{'value':>8} {'kind':>8} {'backend':>10} {'round trips':>11} {'MB/s':>9} {'values/s':>9} "
        f"{'peak/value push':>16} {'peak/value pull':>16}"
    )
    for label, size in SIZES.items():
        if size == SIZES["100 MB"] and args.skip_100mb:
            continue
        for kind in ("bytes", "records"):
            if kind == "records" and size > 1_000_000:
                continue
            for backend_name, backend in BACKENDS.items():
                repeats = REPEATS[size]
                peaks = ["", ""]
                with tempfile.TemporaryDirectory() as home:
                    if size >= 100_000_000:
                        result = _in_own_process(backend, kind, size, repeats, Path(home), "both")
                    else:
                        result = round_trips(backend, kind, size, repeats, Path(home))
                if size >= 100_000_000:  # memory: a producer and a consumer, each in a process of its own
                    with tempfile.TemporaryDirectory() as home:
                        pushed = _in_own_process(backend, kind, size, 1, Path(home), "push")
                        pulled = _in_own_process(backend, kind, size, 1, Path(home), "pull")
                    peaks = [f"{pushed['peak_over_value']:.2f}x", f"{pulled['peak_over_value']:.2f}x"]
                seconds = result["seconds"]
                print(
                    f"{label:>8} {kind:>8} {backend_name:>10} {repeats:>11} {size * repeats / seconds / 1e6:>9.1f} "
                    f"{repeats / seconds:>9.0f} {peaks[0]:>16} {peaks[1]:>16}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
