"""A Celery worker on a host of its own: a network namespace joined to the test's machine by a veth pair.

The test starts a PostgreSQL and a Redis of its own, bound to the host end of the veth, so every byte
the worker exchanges with them crosses a real interface (nothing reaches them through 127.0.0.1). The
worker has a HEADWATER_HOME of its own; all it shares with the scheduler is the DAGs folder, which it
names as its [core] dags_folder, and the [celery] message_secret both are given. This is how a worker
runs on another machine with the DAGs mounted: the scheduler sends a DAG file's path relative to its
DAGs folder, the worker finds it in its own, writes the try's log in its own home, and reports the end
through PostgreSQL.

It needs root (to create the namespace), ``ip``, ``redis-server``, PostgreSQL's server binaries and a
``postgres`` user; without them the test is skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import glob
import ipaddress
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from celery_harness import CeleryCluster, RedisServer, require_service
from scheduler_harness import SchedulerHome, scheduler_home


def _postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries Debian installed (initdb is not on PATH there)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(n) for n in Path(p).parent.parent.name.split(".") if n.isdigit()],
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _missing() -> str | None:
    """Why this machine cannot run a worker in a network namespace, or None when it can."""
    if sys.platform != "linux":
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "creating a network namespace needs root"
    for tool in ("ip", "redis-server", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian packages iproute2, redis-server, util-linux)"
    binaries = _postgres_bin()
    if binaries is None or not (binaries / "pg_ctl").exists():
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed (Debian package postgresql)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user to run initdb and pg_ctl as (initdb refuses root)"
    return None


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Netns:
    """A network namespace and the veth pair that joins it to the test's machine, on a /24 of its own."""

    name: str
    host_link: str
    host_address: str
    inside_address: str
    subnet: str

    def exec(self, *command: str) -> list[str]:
        """``command`` as run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *command]


def _free_subnet() -> ipaddress.IPv4Network:
    """A 10.231.X.0/24 that no interface here is on (X random, so parallel tests do not meet)."""
    taken = [ipaddress.ip_interface(f.split()[3]).network for f in _run("ip", "-4", "-o", "addr", "show").splitlines()]
    for _ in range(50):
        subnet = ipaddress.ip_network(f"10.231.{secrets.randbelow(254) + 1}.0/24")
        if not any(subnet.overlaps(other) for other in taken):
            return subnet
    raise AssertionError("no free 10.231.X.0/24 subnet for the test's veth pair")


@contextlib.contextmanager
def network_namespace() -> Iterator[Netns]:
    """A namespace ``hw<random>`` with its end of a veth pair and its loopback up; deleted afterwards."""
    name = f"hw{secrets.token_hex(4)}"
    added = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, check=False)
    if added.returncode != 0:
        require_service(f"ip netns add {name} failed: {added.stderr.strip()}")
    host_link, inside_link = f"{name}h", f"{name}n"  # an interface name has at most 15 characters
    try:
        subnet = _free_subnet()
        host, inside = (str(a) for a in list(subnet.hosts())[:2])
        _run("ip", "link", "add", host_link, "type", "veth", "peer", "name", inside_link)
        _run("ip", "link", "set", inside_link, "netns", name)
        _run("ip", "addr", "add", f"{host}/{subnet.prefixlen}", "dev", host_link)
        _run("ip", "link", "set", host_link, "up")
        _run("ip", "-n", name, "addr", "add", f"{inside}/{subnet.prefixlen}", "dev", inside_link)
        _run("ip", "-n", name, "link", "set", inside_link, "up")
        _run("ip", "-n", name, "link", "set", "lo", "up")
        yield Netns(name, host_link, host, inside, str(subnet))
    finally:
        # deleting one end of a veth deletes the other; the namespace goes once nothing runs in it
        subprocess.run(["ip", "link", "del", host_link], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def _free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def postgres_server(address: str, subnet: str) -> Iterator[str]:
    """A PostgreSQL cluster of the test's own listening on ``address`` only, trusting ``subnet``; yields
    the URL of a database ``headwater`` on it. Its folder is outside pytest's tmp_path, which the
    ``postgres`` user (initdb and pg_ctl refuse root) cannot enter."""
    binaries = _postgres_bin()
    assert binaries is not None
    folder = Path(tempfile.mkdtemp(prefix="hw-netns-pg-"))
    data, port = folder / "data", _free_port(address)
    pg_ctl = str(binaries / "pg_ctl")
    postgres = pwd.getpwnam("postgres")
    os.chown(folder, postgres.pw_uid, postgres.pw_gid)

    def as_postgres(*command: str) -> str:
        return _run("runuser", "-u", "postgres", "--", *command)

    try:
        as_postgres(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '{address}'\nport = {port}\nunix_socket_directories = '{folder}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {subnet} trust\n")
        as_postgres(pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "30", "start")
        try:
            with psycopg.connect(f"postgresql://postgres@{address}:{port}/postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE headwater")
            yield f"postgresql+psycopg://postgres@{address}:{port}/headwater"
        finally:
            subprocess.run(
                ["runuser", "-u", "postgres", "--", pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class NetnsWorker:
    """``headwater celery worker`` started inside the namespace, on a HEADWATER_HOME of its own."""

    process: subprocess.Popen[bytes]
    node: str
    home: Path
    log: Path

    def wait_until_ready(self, cluster: CeleryCluster, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while f"{self.node} ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited {self.process.returncode}:\n{logs(cluster, self)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker was not ready within {timeout} s:\n{logs(cluster, self)}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes (its namespace can only go once they are gone)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_worker(cluster: CeleryCluster, netns: Netns, home: Path, log: Path) -> NetnsWorker:
    """A worker in ``netns`` whose home is ``home`` and whose DAGs folder is the scheduler's (the one
    shared thing), with the scheduler's database, broker and default queue."""
    home.mkdir()
    env = {
        **cluster.site.env,
        "HEADWATER_HOME": str(home),
        "HEADWATER__CORE__DAGS_FOLDER": str(cluster.site.dags),
    }
    node = f"netns.{cluster.prefix}@test"
    command = netns.exec(
        sys.executable,
        "-m",
        "headwater",
        "celery",
        "worker",
        "--queues",
        cluster.queue("default"),
        "--concurrency",
        "1",
        "--celery-hostname",
        node,
    )
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return NetnsWorker(process, node, home, log)


def logs(cluster: CeleryCluster, worker: NetnsWorker) -> str:
    return f"{cluster.site.scheduler_log()}\n--- netns worker ---\n{worker.log.read_text(errors='replace')}"


WHERE = """
    import datetime as dt, subprocess
    from headwater import DAG
    from headwater.decorators import task

    def addresses():
        \"\"\"The IPv4 addresses of this network namespace's interfaces.\"\"\"
        shown = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True)
        return sorted(line.split()[3].split("/")[0] for line in shown.stdout.splitlines())

    @task
    def where():
        found = addresses()
        print("running on", " ".join(found))
        return found

    @task
    def after(upstream):
        return {"upstream": upstream, "here": addresses()}

    with DAG("netns", start_date=dt.datetime(2024, 1, 1), schedule=None) as dag:
        after(where())
"""


@dataclass
class Machines:
    """The scheduler's side (its home, PostgreSQL, Redis) and the namespace the worker runs in."""

    cluster: CeleryCluster
    netns: Netns
    redis: RedisServer

    @property
    def site(self) -> SchedulerHome:
        return self.cluster.site


@pytest.fixture
def machines(tmp_path: Path) -> Iterator[Machines]:
    require_service(_missing())
    with contextlib.ExitStack() as stack:
        netns = stack.enter_context(network_namespace())
        database = stack.enter_context(postgres_server(netns.host_address, netns.subnet))
        redis = RedisServer(
            tmp_path / "redis",
            port=_free_port(netns.host_address),
            bind=netns.host_address,
            options=("--protected-mode", "no"),  # its clients come from the veth, not the loopback
        )
        stack.callback(redis.stop)  # registered first: a server that never answers is killed too
        redis.start()
        homes = scheduler_home(tmp_path, database)
        stack.callback(homes.close)  # stops the scheduler
        yield Machines(CeleryCluster(next(homes), redis.url), netns, redis)


def test_a_worker_in_its_own_network_namespace_runs_the_tries_and_keeps_their_logs_in_its_own_home(
    machines: Machines, tmp_path: Path
) -> None:
    site, cluster, netns = machines.site, machines.cluster, machines.netns
    site.extra_env["HEADWATER__CELERY__MESSAGE_SECRET"] = secrets.token_urlsafe(32)  # the same on both machines
    site.write_dag(WHERE)
    worker = start_worker(cluster, netns, tmp_path / "worker-home", tmp_path / "netns-worker.log")
    try:
        worker.wait_until_ready(cluster)
        site.start_scheduler()
        site.wait_for_dags("netns")
        run_id = site.trigger("netns", "--run-id", "netns_1")

        run = site.wait_for_run("netns", run_id, timeout=30)
        clients = _database_clients(site.database_url), _broker_clients(machines.redis)
    finally:
        worker.kill()

    assert run.state.value == "success", logs(cluster, worker)
    inside = sorted([netns.inside_address, "127.0.0.1"])
    assert _xcom(site, run_id, "where") == inside
    assert _xcom(site, run_id, "after") == {"upstream": inside, "here": inside}
    database_clients, broker_clients = clients
    assert netns.inside_address in database_clients  # the worker's store and heartbeats crossed the veth
    assert netns.inside_address in broker_clients  # and so did its broker connection
    try_log = Path("logs", "dag_id=netns", f"run_id={run_id}", "task_id=where", "attempt=1.log")
    assert f"running on {' '.join(inside)}" in (worker.home / try_log).read_text()
    assert not (site.home / try_log).exists()
    assert not (worker.home / "dags").exists()  # the DAG file was read from the shared folder, not copied
    assert not (worker.home / "celery_message_secret").exists()  # the configured secret was used, none made


def _database_clients(url: str) -> set[str]:
    """The addresses PostgreSQL sees the connections to the headwater database come from."""
    libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(libpq, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT host(client_addr) FROM pg_stat_activity WHERE datname = current_database() "
            "AND client_addr IS NOT NULL"
        ).fetchall()
    return {row[0] for row in rows}


def _broker_clients(redis: RedisServer) -> set[str]:
    """The addresses Redis sees its clients connect from."""
    import redis as redis_client

    client = redis_client.Redis(host=redis.bind, port=redis.port)
    try:
        return {str(c["addr"]).rsplit(":", 1)[0] for c in client.client_list()}
    finally:
        client.close()


def _xcom(site: SchedulerHome, run_id: str, task_id: str) -> object:
    """The return value of a task, as ``headwater tasks xcom`` shows it."""
    (row,) = site.cli("tasks", "xcom", "netns", run_id, task_id, "-o", "json").json
    return row["value"]
