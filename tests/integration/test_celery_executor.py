"""The CeleryExecutor as a real cluster: a scheduler, PostgreSQL, a Redis or RabbitMQ broker and worker
processes, each started for the test. Workers are killed, the broker restarted and connections cut
mid-run; every run still ends with each task run to success once (or retried as its retries allow)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from celery_harness import CeleryCluster, RedisServer, require_service

FAST_LEASES = {"HEADWATER__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "3"}


def _marks(tmp_path: Path) -> Path:
    marks = tmp_path / "marks"
    marks.mkdir(exist_ok=True)
    return marks


def _ran(marks: Path, name: str) -> list[str]:
    path = marks / name
    return path.read_text().split() if path.exists() else []


def _wait_for_file(cluster: CeleryCluster, path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared\n{cluster.logs()}"
        time.sleep(0.05)


def _launch(
    cluster: CeleryCluster, source: str, dag_id: str, run_id: str, *, workers: tuple[str, ...] = ("w1",)
) -> str:
    """Write the DAG, start its workers and the scheduler, and trigger a run with this id."""
    cluster.site.write_dag(source)
    for name in workers:
        cluster.start_worker(name)
    cluster.wait_for_workers(*workers)
    cluster.site.start_scheduler()
    cluster.site.wait_for_dags(dag_id)
    return cluster.site.trigger(dag_id, "--run-id", run_id)


SPREAD = """
    import datetime as dt, os
    from headwater import DAG
    from headwater.decorators import task

    @task(queue={alpha!r})
    def on_alpha(n):
        return {{"worker": os.getppid(), "n": n}}

    @task
    def on_default(found):
        return {{"worker": os.getppid(), "upstream": found["worker"]}}

    with DAG("spread", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        for n in range(3):
            on_default.override(task_id=f"default_{{n}}")(on_alpha.override(task_id=f"alpha_{{n}}")(n))
"""


def test_a_dag_spread_over_two_queues_runs_each_task_on_a_worker_of_its_queue(cluster: CeleryCluster) -> None:
    site = cluster.site
    site.write_dag(SPREAD.format(alpha=cluster.queue("alpha")))
    alpha = cluster.start_worker("alpha", queues=("alpha",))
    default = cluster.start_worker("default", queues=("default",))
    cluster.wait_for_workers("alpha", "default")
    served = {w["worker"]: w["queues"] for w in cluster.status()}
    assert served == {
        cluster.node("alpha"): [cluster.queue("alpha")],
        cluster.node("default"): [cluster.queue("default")],
    }
    site.start_scheduler()
    site.wait_for_dags("spread")
    run_id = site.trigger("spread", "--run-id", "spread_1")

    run = site.wait_for_run("spread", run_id)

    assert run.state.value == "success", site.scheduler_log()
    values = {row["task_id"]: json.loads(row["value"]) for row in _xcoms(site, "spread", run_id)}
    assert {values[f"alpha_{n}"]["worker"] for n in range(3)} == {alpha.pid}
    assert {values[f"default_{n}"]["worker"] for n in range(3)} == {default.pid}
    assert [values[f"default_{n}"]["upstream"] for n in range(3)] == [alpha.pid] * 3
    assert {i.queue for i in site.instances("spread", run_id).values()} == {"default", cluster.queue("alpha")}


def _xcoms(site: object, dag_id: str, run_id: str) -> list[dict[str, str]]:
    rows = []
    for task_id in [f"{kind}_{n}" for kind in ("alpha", "default") for n in range(3)]:
        shown = site.cli("tasks", "xcom", dag_id, run_id, task_id, "-o", "json").json  # type: ignore[attr-defined]
        rows += [{"task_id": task_id, "value": json.dumps(r["value"])} for r in shown]
    return rows


SLOW = """
    import datetime as dt, os, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    MARKS = Path({marks!r})

    def slow(ti):
        with open(MARKS / "slow", "a") as f:
            f.write(f"{{ti.try_number}}\\n")
        (MARKS / f"slow.{{ti.try_number}}.started").write_text(str(os.getpid()))
        time.sleep({pause})
        return "slow done"

    def after():
        with open(MARKS / "after", "a") as f:
            f.write("ran\\n")

    with DAG("slow", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        first = PythonOperator(task_id="slow", python_callable=slow, retries={retries},
                               retry_delay=dt.timedelta(seconds=0))
        PythonOperator(task_id="after", python_callable=after) .set_upstream(first)
"""


def test_a_worker_killed_mid_task_is_found_by_its_lease_and_the_try_is_retried_elsewhere(
    cluster: CeleryCluster, tmp_path: Path
) -> None:
    site, marks = cluster.site, _marks(tmp_path)
    site.extra_env.update(FAST_LEASES)
    run_id = _launch(cluster, SLOW.format(marks=str(marks), pause=3, retries=1), "slow", "killed", workers=("doomed",))
    _wait_for_file(cluster, marks / "slow.1.started")

    cluster.kill_worker("doomed")
    cluster.start_worker("survivor")
    run = site.wait_for_run("slow", run_id)

    assert run.state.value == "success", cluster.logs()
    slow = site.instances("slow", run_id)["slow"]
    assert (slow.state.value, slow.try_number) == ("success", 2)
    assert _ran(marks, "slow") == ["1", "2"]
    assert _ran(marks, "after") == ["ran"]
    assert "its lease expired: no heartbeat from" in site.scheduler_log()


def test_a_lost_try_without_retries_fails_saying_its_lease_expired(cluster: CeleryCluster, tmp_path: Path) -> None:
    site, marks = cluster.site, _marks(tmp_path)
    site.extra_env.update(FAST_LEASES)
    run_id = _launch(cluster, SLOW.format(marks=str(marks), pause=3, retries=0), "slow", "lost", workers=("doomed",))
    _wait_for_file(cluster, marks / "slow.1.started")

    cluster.kill_worker("doomed")
    run = site.wait_for_run("slow", run_id)

    assert run.state.value == "failed"
    slow = site.instances("slow", run_id)["slow"]
    assert slow.state.value == "failed"
    assert slow.reason is not None
    assert "lost: its lease expired: no heartbeat from" in slow.reason and "no retries left" in slow.reason
    assert site.states("slow", run_id)["after"] == "upstream_failed"


def test_a_try_delivered_twice_runs_once(cluster: CeleryCluster, tmp_path: Path) -> None:
    """The broker may deliver a message again (a worker lost its connection); the claim in the store
    refuses the second delivery while the first one runs."""
    site, marks = cluster.site, _marks(tmp_path)
    run_id = _launch(cluster, SLOW.format(marks=str(marks), pause=2, retries=0), "slow", "twice", workers=("one",))
    _wait_for_file(cluster, marks / "slow.1.started")

    _publish_again(cluster, "slow", run_id, "slow")
    run = site.wait_for_run("slow", run_id)

    assert run.state.value == "success"
    assert _ran(marks, "slow") == ["1"]
    assert _ran(marks, "after") == ["ran"]
    assert "headwater.run_try" in (site.home / "worker-one.log").read_text()


def _publish_again(cluster: CeleryCluster, dag_id: str, run_id: str, task_id: str) -> None:
    """Send a running try's message once more, as a broker redelivering it would."""
    from headwater.config import Settings
    from headwater.dagbag import file_digest
    from headwater.executors.base import WorkItem
    from headwater.executors.celery_app import TASK_NAME, make_app
    from headwater.executors.message_trust import message_secret, sign

    settings = Settings.load(cluster.site.env)
    record = cluster.site.instances(dag_id, run_id)[task_id]
    item = WorkItem(
        task_id,
        -1,
        record.try_number,
        dag_id=dag_id,
        run_id=run_id,
        fileloc="pipeline.py",
        queued_by=record.queued_by,
        queue=cluster.queue("default"),
        file_hash=file_digest(cluster.site.dags / "pipeline.py"),
    )
    app = make_app(settings)
    message = sign(item.to_message(), message_secret(settings))
    with app.connection_for_write() as connection:
        app.send_task(TASK_NAME, args=[message], queue=item.queue, connection=connection)
    deadline = time.monotonic() + 30
    log = cluster.site.home / "worker-one.log"
    while log.read_text().count("received") < 2:
        assert time.monotonic() < deadline, cluster.logs()
        time.sleep(0.05)


FAN = """
    import datetime as dt, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    MARKS = Path({marks!r})

    def work(name):
        def run():
            with open(MARKS / name, "a") as f:
                f.write("ran\\n")
            (MARKS / f"{{name}}.started").write_text("")
            time.sleep({pause})
        return run

    with DAG("fan", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        for n in range({width}):
            PythonOperator(task_id=f"t{{n}}", python_callable=work(f"t{{n}}"))
"""


def test_a_broker_restarted_mid_run_loses_nothing(tmp_path: Path, postgres_database: str) -> None:
    """Redis keeps nothing on disk: the tries queued in it are gone after a restart. The scheduler sees
    that the broker forgot, and publishes again the tries whose rows show they never started."""
    from celery_harness import CeleryCluster
    from scheduler_harness import scheduler_home

    redis = RedisServer(tmp_path / "redis")
    redis.start()
    homes = scheduler_home(tmp_path, postgres_database)
    site = next(homes)
    try:
        cluster = CeleryCluster(site, redis.url)
        marks = _marks(tmp_path)
        site.write_dag(FAN.format(marks=str(marks), pause=1.5, width=8))
        cluster.start_worker("w1", concurrency=2)
        cluster.wait_for_workers("w1")
        site.start_scheduler()
        site.wait_for_dags("fan")
        run_id = site.trigger("fan", "--run-id", "restart")
        site.wait_for("two tries running and six queued", lambda s: _count(s, run_id) == {"running": 2, "queued": 6})

        redis.stop()
        redis.start()
        run = site.wait_for_run("fan", run_id, timeout=90)

        assert run.state.value == "success", cluster.logs()
        assert all(_ran(marks, f"t{n}") == ["ran"] for n in range(8)), cluster.logs()
        assert "the broker lost its queued messages" in site.scheduler_log()
    finally:
        homes.close()
        redis.stop()


def _count(store: object, run_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ti in store.task_instances("fan", run_id):  # type: ignore[attr-defined]
        if ti.state is not None:
            counts[ti.state.value] = counts.get(ti.state.value, 0) + 1
    return counts


def test_postgres_connections_cut_mid_run_are_reopened(cluster: CeleryCluster, tmp_path: Path) -> None:
    site, marks = cluster.site, _marks(tmp_path)
    run_id = _launch(cluster, SLOW.format(marks=str(marks), pause=1.5, retries=0), "slow", "cut")
    _wait_for_file(cluster, marks / "slow.1.started")

    cut = _terminate_backends(site.database_url)
    run = site.wait_for_run("slow", run_id)

    assert cut >= 2  # the scheduler's and the worker's connections at least
    assert run.state.value == "success", cluster.logs()
    assert _ran(marks, "slow") == ["1"]
    assert _ran(marks, "after") == ["ran"]


def _terminate_backends(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


POOLED = """
    import datetime as dt, time
    from pathlib import Path
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    MARKS = Path({marks!r})

    def work(name):
        def run():
            begin = time.time()
            time.sleep(0.4)
            (MARKS / name).write_text(f"{{begin}} {{time.time()}}")
        return run

    with DAG("pooled", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        for n, weight in enumerate([1, 5, 3, 9]):
            PythonOperator(task_id=f"p{{n}}", python_callable=work(f"p{{n}}"), pool="single",
                           priority_weight=weight)
"""


def test_a_pool_of_one_slot_holds_across_workers_and_admits_by_priority(cluster: CeleryCluster, tmp_path: Path) -> None:
    site, marks = cluster.site, _marks(tmp_path)
    site.cli("pools", "set", "single", "1")
    run_id = _launch(cluster, POOLED.format(marks=str(marks)), "pooled", "pooled", workers=("w1", "w2"))

    run = site.wait_for_run("pooled", run_id)

    assert run.state.value == "success"
    spans = sorted((tuple(map(float, (marks / f"p{n}").read_text().split())), f"p{n}") for n in range(4))
    for (earlier, _), (later, _) in itertools.pairwise(spans):
        assert earlier[1] <= later[0], f"two tries of a one-slot pool overlapped: {spans}"
    assert [name for _, name in spans] == ["p3", "p1", "p2", "p0"]


BRANCHY = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.empty import EmptyOperator
    from headwater.operators.python import BranchPythonOperator

    with DAG("branchy", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "kept")
        kept = EmptyOperator(task_id="kept")
        pick >> kept
        for n in range(80):
            pick >> EmptyOperator(task_id=f"not_followed_because_the_branch_went_elsewhere_{n:03d}")
"""


def test_a_branch_that_skips_more_than_a_notification_carries_is_read_back_from_the_store(
    cluster: CeleryCluster,
) -> None:
    site = cluster.site
    run_id = _launch(cluster, BRANCHY, "branchy", "branchy")

    run = site.wait_for_run("branchy", run_id)

    states = site.states("branchy", run_id)
    assert run.state.value == "success"
    assert states.pop("pick") == "success" and states.pop("kept") == "success"
    assert set(states.values()) == {"skipped"} and len(states) == 80
    assert "headwater.run_try" not in "".join(  # the skipped tasks never went to a worker
        line for line in (site.home / "worker-w1.log").read_text().splitlines() if "not_followed" in line
    )


CHANGING = """
    import datetime as dt, time
    from headwater import DAG
    from headwater.operators.python import PythonOperator

    VERSION = {version!r}

    with DAG("changing", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        first = PythonOperator(task_id="first", python_callable=lambda: time.sleep({pause}) or VERSION)
        second = PythonOperator(task_id="second", python_callable=lambda: VERSION)
        first >> second
"""


def _xcom(site: object, dag_id: str, run_id: str, task_id: str) -> object:
    (row,) = site.cli("tasks", "xcom", dag_id, run_id, task_id, "-o", "json").json  # type: ignore[attr-defined]
    return row["value"]


def test_a_dag_file_edited_mid_run_is_parsed_again_before_its_next_task_runs(cluster: CeleryCluster) -> None:
    """The worker sees a file the scheduler has not parsed: it runs nothing, the scheduler parses the new
    version at once (not at its next listing, an hour away here), and the task runs the code it parsed."""
    site = cluster.site
    site.extra_env["HEADWATER__SCHEDULER__DAG_DIR_LIST_INTERVAL"] = "3600"
    run_id = _launch(cluster, CHANGING.format(version="one", pause=2), "changing", "edited")
    path = site.dags / "pipeline.py"
    site.wait_for("first to run", lambda s: _state(s, "changing", run_id, "first") == "running")

    path.write_text(path.read_text().replace("'one'", "'two'"))
    run = site.wait_for_run("changing", run_id)

    assert run.state.value == "success", cluster.logs()
    assert _xcom(site, "changing", run_id, "first") == "one"
    assert _xcom(site, "changing", run_id, "second") == "two"
    assert site.instances("changing", run_id)["second"].try_number == 1  # waiting for the parse used no retry
    assert "changed since it was parsed" in site.scheduler_log()


def test_a_worker_with_another_copy_of_the_dag_file_refuses_to_run_it_and_the_try_fails_saying_so(
    cluster: CeleryCluster, tmp_path: Path
) -> None:
    site = cluster.site
    site.write_dag(CHANGING.format(version="one", pause=0))
    theirs = tmp_path / "worker-dags"
    theirs.mkdir()
    (theirs / "pipeline.py").write_text(CHANGING.format(version="two", pause=0))
    cluster.start_worker("odd", env={"HEADWATER__CORE__DAGS_FOLDER": str(theirs)})
    cluster.wait_for_workers("odd")
    site.start_scheduler()
    site.wait_for_dags("changing")
    run_id = site.trigger("changing", "--run-id", "mismatch")

    run = site.wait_for_run("changing", run_id)

    first = site.instances("changing", run_id)["first"]
    assert run.state.value == "failed"
    assert first.state is not None and first.state.value == "failed"
    assert first.reason is not None
    assert (
        first.reason.startswith("not run: DAG file ") and "on the worker differs from the scheduler's" in first.reason
    )
    assert "deploy the same DAGs folder to every machine" in first.reason
    assert site.states("changing", run_id)["second"] == "upstream_failed"


def _state(store: object, dag_id: str, run_id: str, task_id: str) -> str | None:
    found = store.instance(dag_id, run_id, task_id, -1)  # type: ignore[attr-defined]
    return found.state.value if found is not None and found.state is not None else None


def test_celery_status_lists_workers_queues_and_running_task_instances(cluster: CeleryCluster, tmp_path: Path) -> None:
    site, marks = cluster.site, _marks(tmp_path)
    # long enough to still be running while two CLI processes start on a loaded machine
    site.write_dag(SLOW.format(marks=str(marks), pause=15, retries=0))
    cluster.start_worker("w1", queues=("default", "other"), concurrency=3)
    cluster.wait_for_workers("w1")
    site.start_scheduler()
    site.wait_for_dags("slow")
    run_id = site.trigger("slow", "--run-id", "watched")
    _wait_for_file(cluster, marks / "slow.1.started")

    (worker,) = cluster.status()
    table = site.cli("celery", "status", "--timeout", "1").stdout

    assert sorted(worker["queues"]) == sorted([cluster.queue("default"), cluster.queue("other")])
    assert worker["concurrency"] == 3
    assert worker["running"] == [
        {"dag_id": "slow", "run_id": run_id, "task_id": "slow", "map_index": -1, "try_number": 1}
    ]
    assert f"slow/{run_id}/slow try 1" in table


@pytest.mark.parametrize("command", [("scheduler",), ("celery", "worker")])
def test_the_celery_executor_on_sqlite_is_refused_with_the_fix(site: object, command: tuple[str, ...]) -> None:
    site.extra_env.update(HEADWATER__CORE__EXECUTOR="CeleryExecutor")  # type: ignore[attr-defined]
    done = site.cli(*command, check=False)  # type: ignore[attr-defined]

    assert done.returncode != 0
    assert "PostgreSQL" in done.stderr and "sql_alchemy_conn" in done.stderr


def test_the_scheduler_killed_mid_run_resumes_and_reruns_nothing(cluster: CeleryCluster, tmp_path: Path) -> None:
    """The try a killed scheduler left running on a worker is adopted by the next scheduler, which hears
    its end and carries on from there."""
    site, marks = cluster.site, _marks(tmp_path)
    site.write_dag(SLOW.format(marks=str(marks), pause=2, retries=0))
    cluster.start_worker("w1")
    cluster.wait_for_workers("w1")
    first = site.start_scheduler()
    site.wait_for_dags("slow")
    run_id = site.trigger("slow", "--run-id", "resumed")
    _wait_for_file(cluster, marks / "slow.1.started")

    site.kill(first)
    site.start_scheduler()
    run = site.wait_for_run("slow", run_id)

    assert run.state.value == "success", cluster.logs()
    assert _ran(marks, "slow") == ["1"]
    assert _ran(marks, "after") == ["ran"]


STRANDED = """
    import datetime as dt
    from headwater import DAG
    from headwater.operators.empty import EmptyOperator

    with DAG("stranded", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        EmptyOperator(task_id="served") >> EmptyOperator(task_id="stranded", queue="nobody-serves-this")
"""


def test_a_try_no_worker_takes_fails_after_the_queued_timeout(redis_cluster: CeleryCluster) -> None:
    """A task on a queue nobody serves neither holds its slot for ever nor hangs the run."""
    site = redis_cluster.site
    site.extra_env["HEADWATER__SCHEDULER__TASK_QUEUED_TIMEOUT"] = "2"
    run_id = _launch(redis_cluster, STRANDED, "stranded", "stranded")

    run = site.wait_for_run("stranded", run_id)

    stranded = site.instances("stranded", run_id)["stranded"]
    assert run.state.value == "failed"
    assert site.states("stranded", run_id)["served"] == "success"
    assert stranded.reason is not None
    assert "stayed queued for more than 2 s: no worker took it from queue 'nobody-serves-this'" in stranded.reason


def test_a_pool_process_sent_sigterm_gives_its_try_back_to_be_retried(
    redis_cluster: CeleryCluster, tmp_path: Path
) -> None:
    """A worker being stopped (say, by systemd) does not fail the try it runs: retries decide."""
    site, marks = redis_cluster.site, _marks(tmp_path)
    run_id = _launch(redis_cluster, SLOW.format(marks=str(marks), pause=3, retries=1), "slow", "sigterm")
    _wait_for_file(redis_cluster, marks / "slow.1.started")

    os.kill(int((marks / "slow.1.started").read_text()), signal.SIGTERM)
    run = site.wait_for_run("slow", run_id)

    assert run.state.value == "success", redis_cluster.logs()
    assert _ran(marks, "slow") == ["1", "2"]
    assert "lost: its process was sent SIGTERM" in site.scheduler_log()


def test_rabbitmq_restarted_mid_run_keeps_its_messages_and_everyone_reconnects(
    rabbitmq_cluster: CeleryCluster, tmp_path: Path
) -> None:
    """RabbitMQ keeps durable messages across a restart: nothing needs publishing again, the scheduler and
    the workers reconnect, and a running try's message redelivered by the restart is refused."""
    rabbitmqctl = shutil.which("rabbitmqctl")
    require_service(None if rabbitmqctl else "rabbitmqctl is not installed (Debian package rabbitmq-server)")
    assert rabbitmqctl is not None
    site, marks = rabbitmq_cluster.site, _marks(tmp_path)
    site.extra_env["HEADWATER__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] = "30"  # no wait counts as long here
    run_id = _launch(rabbitmq_cluster, FAN.format(marks=str(marks), pause=1.5, width=8), "fan", "rabbit")
    site.wait_for("two tries running and six queued", lambda s: _count(s, run_id) == {"running": 2, "queued": 6})

    subprocess.run([rabbitmqctl, "stop_app"], check=True, capture_output=True, timeout=60)
    try:
        time.sleep(1)
    finally:
        subprocess.run([rabbitmqctl, "start_app"], check=True, capture_output=True, timeout=60)
    run = site.wait_for_run("fan", run_id, timeout=90)

    assert run.state.value == "success", rabbitmq_cluster.logs()
    assert all(_ran(marks, f"t{n}") == ["ran"] for n in range(8)), rabbitmq_cluster.logs()
    assert "Publishing" not in site.scheduler_log()


def test_messages_lost_from_a_queue_are_published_again_once_it_runs_dry(
    redis_cluster: CeleryCluster, tmp_path: Path
) -> None:
    """A message can vanish while the broker keeps running (a worker died holding it, someone purged the
    queue): a try queued longer than the lease timeout whose queue is empty is published again."""
    site, marks = redis_cluster.site, _marks(tmp_path)
    site.extra_env.update(FAST_LEASES)
    run_id = _launch(redis_cluster, FAN.format(marks=str(marks), pause=1.5, width=6), "fan", "purged")
    site.wait_for("two tries running and four queued", lambda s: _count(s, run_id) == {"running": 2, "queued": 4})

    _purge(redis_cluster, redis_cluster.queue("default"))
    run = site.wait_for_run("fan", run_id, timeout=90)

    assert run.state.value == "success", redis_cluster.logs()
    assert all(_ran(marks, f"t{n}") == ["ran"] for n in range(6)), redis_cluster.logs()
    assert "their queue is empty, so their messages were lost" in site.scheduler_log()


def _purge(cluster: CeleryCluster, queue: str) -> None:
    from headwater.config import Settings
    from headwater.executors.celery_app import make_app

    app = make_app(Settings.load(cluster.site.env))
    with app.connection_for_write() as connection:
        assert connection.default_channel.queue_purge(queue) == 4
