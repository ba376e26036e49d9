"""The CeleryExecutor as a real cluster: a scheduler, PostgreSQL, a Redis or RabbitMQ broker and worker
processes, each started for the test. Workers are killed, the broker restarted and connections cut
mid-run; every run still ends with each task run to success once (or retried as its retries allow)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import psycopg
import pytest
from celery_harness import CeleryCluster, RedisServer

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
    site.write_dag(SLOW.format(marks=str(marks), pause=3, retries=1))
    cluster.start_worker("doomed")
    cluster.wait_for_workers("doomed")
    site.start_scheduler()
    site.wait_for_dags("slow")
    run_id = site.trigger("slow", "--run-id", "killed")
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
    site.write_dag(SLOW.format(marks=str(marks), pause=3, retries=0))
    cluster.start_worker("doomed")
    cluster.wait_for_workers("doomed")
    site.start_scheduler()
    site.wait_for_dags("slow")
    run_id = site.trigger("slow", "--run-id", "lost")
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
    site.write_dag(SLOW.format(marks=str(marks), pause=2, retries=0))
    cluster.start_worker("one", concurrency=2)
    cluster.wait_for_workers("one")
    site.start_scheduler()
    site.wait_for_dags("slow")
    run_id = site.trigger("slow", "--run-id", "twice")
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
    from headwater.executors.base import WorkItem
    from headwater.executors.celery_app import TASK_NAME, make_app

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
    )
    app = make_app(settings)
    with app.connection_for_write() as connection:
        app.send_task(TASK_NAME, args=[item.to_message()], queue=item.queue, connection=connection)
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
        assert "The broker lost its queued messages" in site.scheduler_log()
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
    site.write_dag(SLOW.format(marks=str(marks), pause=1.5, retries=0))
    cluster.start_worker("w1")
    cluster.wait_for_workers("w1")
    site.start_scheduler()
    site.wait_for_dags("slow")
    run_id = site.trigger("slow", "--run-id", "cut")
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
    site.write_dag(POOLED.format(marks=str(marks)))
    site.cli("pools", "set", "single", "1")
    cluster.start_worker("w1")
    cluster.start_worker("w2")
    cluster.wait_for_workers("w1", "w2")
    site.start_scheduler()
    site.wait_for_dags("pooled")
    run_id = site.trigger("pooled", "--run-id", "pooled")

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
    site.write_dag(BRANCHY)
    cluster.start_worker("w1")
    cluster.wait_for_workers("w1")
    site.start_scheduler()
    site.wait_for_dags("branchy")
    run_id = site.trigger("branchy", "--run-id", "branchy")

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
        first = PythonOperator(task_id="first", python_callable=lambda: time.sleep(2.5) or VERSION)
        second = PythonOperator(task_id="second", python_callable=lambda: VERSION)
        first >> second
"""


def test_a_dag_file_changed_since_the_scheduler_parsed_it_fails_the_try_instead_of_running_it(
    cluster: CeleryCluster,
) -> None:
    site = cluster.site
    site.extra_env["HEADWATER__SCHEDULER__DAG_DIR_LIST_INTERVAL"] = "3600"  # the scheduler keeps version one
    path = site.write_dag(CHANGING.format(version="one"))
    cluster.start_worker("w1")
    cluster.wait_for_workers("w1")
    site.start_scheduler()
    site.wait_for_dags("changing")
    run_id = site.trigger("changing", "--run-id", "changed")
    site.wait_for(
        "first to run",
        lambda s: (
            s.instance("changing", run_id, "first", -1).state is not None
            and s.instance("changing", run_id, "first", -1).state.value == "running"
        ),
    )

    path.write_text(path.read_text().replace("'one'", "'two'"))
    run = site.wait_for_run("changing", run_id)

    second = site.instances("changing", run_id)["second"]
    assert run.state.value == "failed"
    assert second.state is not None and second.state.value == "failed"
    assert second.reason is not None and "differs from the file the scheduler parsed" in second.reason
    assert site.states("changing", run_id)["first"] == "success"


def test_celery_status_lists_workers_queues_and_running_task_instances(cluster: CeleryCluster, tmp_path: Path) -> None:
    site, marks = cluster.site, _marks(tmp_path)
    site.write_dag(SLOW.format(marks=str(marks), pause=3, retries=0))
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
