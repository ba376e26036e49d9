"""Forged Celery messages against real workers: whoever reaches the broker can publish to a worker's queue,
but a worker runs only messages signed with the shared secret, naming a ``.py`` file inside its own DAGs
folder. Every refused message is logged and imports nothing; the worker goes on serving real work."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from celery_harness import CeleryCluster

from headwater.config import Settings
from headwater.executors.celery_app import TASK_NAME
from headwater.executors.message_trust import message_secret, sign

GOOD = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.empty import EmptyOperator

    with DAG("good", start_date=dt.datetime(2024, 1, 1), schedule=None):
        EmptyOperator(task_id="only")
"""

EVIL = """
from pathlib import Path
Path({marker!r}).write_text("imported by a worker")
"""


def _attacker_publishes(cluster: CeleryCluster, body: Any) -> None:
    """What anyone on the broker can do: a Celery client of their own sending the task by name."""
    from celery import Celery

    client = Celery("attacker", broker=cluster.broker_url, set_as_current=False)
    with client.connection_for_write() as connection:
        client.send_task(TASK_NAME, args=[body], queue=cluster.queue("default"), connection=connection)


def _forged(fileloc: str, digest: str, **claims: Any) -> dict[str, Any]:
    return {
        "dag_id": "good",
        "run_id": "first",
        "task_id": "only",
        "map_index": -1,
        "try_number": 1,
        "fileloc": fileloc,
        "queued_by": None,
        "max_tries": None,
        "queue": "default",
        "file_hash": digest,
        **claims,
    }


def _wait_for_refusals(cluster: CeleryCluster, count: int, timeout: float = 60.0) -> str:
    log = cluster.site.home / "worker-w1.log"
    deadline = time.monotonic() + timeout
    while (text := log.read_text(errors="replace")).count("Refused") < count:
        assert time.monotonic() < deadline, f"the worker did not refuse {count} messages\n{cluster.logs()}"
        time.sleep(0.05)
    return text


def test_forged_messages_are_refused_unimported_and_the_worker_keeps_serving(
    redis_cluster: CeleryCluster, tmp_path: Path
) -> None:
    cluster, site = redis_cluster, redis_cluster.site
    site.write_dag(GOOD)
    cluster.start_worker("w1")
    cluster.wait_for_workers("w1")
    site.start_scheduler()
    site.wait_for_dags("good")
    first = site.trigger("good", "--run-id", "first")
    assert site.wait_for_run("good", first).state.value == "success", cluster.logs()

    marker = tmp_path / "evil-was-imported"
    evil = tmp_path / "outside" / "evil.py"
    evil.parent.mkdir()
    evil.write_text(EVIL.format(marker=str(marker)))
    (site.dags / "evil.txt").write_text(evil.read_text())
    digest = hashlib.sha256(evil.read_bytes()).hexdigest()
    secret = message_secret(Settings.load(site.env))
    queued_by = site.instances("good", first)["only"].queued_by
    escape = os.path.relpath(evil, site.dags)
    assert escape.startswith("..")

    _attacker_publishes(cluster, sign(_forged(str(evil), digest, queued_by=queued_by), secret))
    _attacker_publishes(cluster, sign(_forged(escape, digest), secret))
    _attacker_publishes(cluster, sign(_forged("evil.txt", digest), secret))
    _attacker_publishes(cluster, sign(_forged(str(evil), digest), b"a secret the attacker guessed wrong"))
    _attacker_publishes(cluster, _forged(str(evil), digest))
    log = _wait_for_refusals(cluster, 5)

    assert not marker.exists()
    assert f"its DAG file path {str(evil)!r} is absolute" in log
    assert f"its DAG file path {escape!r} leads out of the DAGs folder" in log
    assert "its DAG file path 'evil.txt' is not a .py file" in log
    assert "its signature does not match this worker's [celery] message_secret" in log
    assert "it is not signed" in log
    assert "HEADWATER__CELERY__MESSAGE_SECRET" in log
    only = site.instances("good", first)["only"]
    assert only.state is not None and only.state.value == "success"  # the real try's row is untouched
    assert only.try_number == 1
    second = site.trigger("good", "--run-id", "second")
    assert site.wait_for_run("good", second).state.value == "success", cluster.logs()
    assert not marker.exists()


def test_a_dag_file_linked_from_outside_the_dags_folder_is_not_run_and_the_try_fails_saying_so(
    redis_cluster: CeleryCluster, tmp_path: Path
) -> None:
    """The scheduler parses a DAG file that a symlink brings in from elsewhere, but a worker runs files only
    inside its DAGs folder: the try fails with the worker's reason instead of waiting for ever."""
    cluster, site = redis_cluster, redis_cluster.site
    elsewhere = tmp_path / "elsewhere" / "linked.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text(GOOD.replace('"good"', '"linked"').replace("\n    ", "\n"))
    site.dags.mkdir(parents=True, exist_ok=True)
    (site.dags / "linked.py").symlink_to(elsewhere)
    cluster.start_worker("w1")
    cluster.wait_for_workers("w1")
    site.start_scheduler()
    site.wait_for_dags("linked")
    run_id = site.trigger("linked", "--run-id", "outside")

    run = site.wait_for_run("linked", run_id)

    only = site.instances("linked", run_id)["only"]
    assert run.state.value == "failed"
    assert only.reason is not None
    assert only.reason.startswith(f"not run: the worker refused it: its DAG file path {str(elsewhere)!r} is absolute")
    assert "put the DAG file inside the scheduler's [core] dags_folder" in only.reason
