"""Fixtures shared by the integration tests: an isolated HEADWATER_HOME, DAG files in tmp_path, the CLI
through CliRunner, and PostgreSQL when it is reachable (skipped on a laptop, required under CI=true)."""

from __future__ import annotations

import contextlib
import json
import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery_harness import BROKERS, CeleryCluster, broker_unreachable, require_service
from click.testing import CliRunner, Result
from scheduler_harness import SchedulerHome, scheduler_home
from services_harness import Home, service_home
from sqlalchemy import create_engine, func, select, text

from headwater.cli.main import main
from headwater.services.context import ServiceContext
from headwater.store import tables
from headwater.store.sql import SqlStore

POSTGRES_URL = os.environ.get("HEADWATER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
"""The PostgreSQL the store contract runs against (trust auth, database ``test``)."""


@pytest.fixture
def headwater_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HEADWATER_HOME in tmp_path, with every HEADWATER__/AIRFLOW__ override removed from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("HEADWATER_HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("HEADWATER__", "AIRFLOW__")):
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def sqlite_url(headwater_home: Path) -> str:
    """The URL of the SQLite store the CLI writes to for this test."""
    return f"sqlite:///{headwater_home / 'headwater.db'}"


class RecordedStore(SqlStore):
    """The SQLite store the CLI wrote, opened the way a second process would, with a helper for counts."""

    def count_runs(self, dag_id: str) -> int:
        run = tables.dag_run
        with self.engine.connect() as conn:
            found = conn.execute(select(func.count()).select_from(run).where(run.c.dag_id == dag_id))
            return int(found.scalar_one())


@pytest.fixture
def open_sqlite(sqlite_url: str) -> Iterator[Callable[[], RecordedStore]]:
    """Open the store the CLI wrote (after the CLI ran: opening creates the database)."""
    opened: list[RecordedStore] = []

    def open_() -> RecordedStore:
        store = RecordedStore(sqlite_url)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """Settings over a SQLite store and a DAGs folder in tmp_path, for calling the services directly."""
    return service_home(tmp_path)


@pytest.fixture
def ctx(home: Home) -> Iterator[ServiceContext]:
    """The services' context over ``home``'s store (opened once; the store is created on first use)."""
    yield from home.context()


@pytest.fixture
def dags_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dags"
    folder.mkdir()
    return folder


@pytest.fixture
def write_dag(dags_folder: Path) -> Callable[..., Path]:
    """Write a DAG file (dedented) into the test's DAG folder and return its path."""

    def write(source: str, name: str = "pipeline.py") -> Path:
        path = dags_folder / name
        path.write_text(textwrap.dedent(source))
        return path

    return write


@dataclass
class CliRun:
    """One CLI invocation: exit code, stdout, stderr, and stdout parsed as JSON when it is JSON."""

    result: Result

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    @property
    def stdout(self) -> str:
        return self.result.stdout

    @property
    def stderr(self) -> str:
        return self.result.stderr

    @property
    def json(self) -> dict[str, Any]:
        try:
            return json.loads(self.result.stdout)  # type: ignore[no-any-return]
        except json.JSONDecodeError:
            pytest.fail(
                f"stdout is not one JSON document (exit {self.exit_code}):\n{self.stdout}\n"
                f"--- stderr ---\n{self.stderr}"
            )

    def tasks(self) -> dict[str, str | None]:
        """Each task's final state, from the JSON."""
        return {label: ti["state"] for label, ti in self.json["tasks"].items()}


@pytest.fixture
def cli(headwater_home: Path) -> Callable[..., CliRun]:
    """Run ``headwater ARGS...`` in process; exceptions other than SystemExit fail the test with their traceback."""
    runner = CliRunner()

    def invoke(*args: str) -> CliRun:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliRun(result)

    return invoke


@pytest.fixture
def dags_test(cli: Callable[..., CliRun]) -> Callable[..., CliRun]:
    """``headwater dags test FILE --json --logical-date 2024-01-02T00:00:00+00:00 [more options]``."""

    def run(path: Path, *options: str, logical_date: str = "2024-01-02T00:00:00+00:00") -> CliRun:
        return cli("dags", "test", str(path), "--json", "--logical-date", logical_date, *options)

    return run


def _postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError as err:
        return f"psycopg is not installed ({err}); install headwater[postgres] to run the PostgreSQL tests"
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=3):
            pass
    except psycopg.Error as err:
        return f"PostgreSQL at {url} is unreachable: {' '.join(str(err).split())}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL URL; skips when unreachable, but fails under CI=true, where the server must be there."""
    reason = _postgres_unreachable(POSTGRES_URL)
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(reason)
    yield POSTGRES_URL


@contextlib.contextmanager
def _cluster(tmp_path: Path, database_url: str, broker_url: str) -> Iterator[CeleryCluster]:
    require_service(broker_unreachable(broker_url))
    homes = scheduler_home(tmp_path, database_url)
    site = next(homes)
    cluster = CeleryCluster(site, broker_url)
    try:
        yield cluster
    finally:
        cluster.kill_workers()  # nothing to finish gracefully once the test is over
        homes.close()  # stops the scheduler


@pytest.fixture(params=sorted(BROKERS))
def cluster(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: str) -> Iterator[CeleryCluster]:
    """The CeleryExecutor on PostgreSQL, once with Redis and once with RabbitMQ as the broker."""
    with _cluster(tmp_path, postgres_database, BROKERS[request.param]) as found:
        yield found


@pytest.fixture
def redis_cluster(tmp_path: Path, postgres_database: str) -> Iterator[CeleryCluster]:
    with _cluster(tmp_path, postgres_database, BROKERS["redis"]) as found:
        yield found


@pytest.fixture
def rabbitmq_cluster(tmp_path: Path, postgres_database: str) -> Iterator[CeleryCluster]:
    with _cluster(tmp_path, postgres_database, BROKERS["rabbitmq"]) as found:
        yield found


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SchedulerHome]:
    """A scheduler home on the LocalExecutor and SQLite; with ``every_executor`` (an indirect parameter),
    also on the CeleryExecutor: PostgreSQL, Redis and two workers of one process each."""
    if getattr(request, "param", "local") == "local":
        yield from scheduler_home(tmp_path)
        return
    database = request.getfixturevalue("postgres_database")
    with _cluster(tmp_path, database, BROKERS["redis"]) as cluster:
        cluster.site.extra_env["HEADWATER__CORE__PARALLELISM"] = "2"
        cluster.start_worker("w1", concurrency=1)
        cluster.start_worker("w2", concurrency=1)
        cluster.wait_for_workers("w1", "w2")
        yield cluster.site


@contextlib.contextmanager
def _scratch_database(postgres_url: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server, dropped afterwards (whatever a test left in it)."""
    name = f"hw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = postgres_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A database of the test's own on the PostgreSQL server."""
    with _scratch_database(postgres_url) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_session_database(postgres_url: str) -> Iterator[str]:
    """A database shared by the tests of one session, created for it and dropped after it."""
    with _scratch_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SchedulerHome]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from scheduler_home(tmp_path)
    else:
        url = request.getfixturevalue("postgres_database")
        yield from scheduler_home(tmp_path, url)


@dataclass
class S3Bucket:
    """A bucket of its own on the S3-compatible server, and the settings that point headwater at it."""

    name: str
    endpoint: str

    @property
    def options(self) -> dict[str, str]:
        return {"endpoint_url": self.endpoint, "key": "testing", "secret": "testing"}

    def env(self, *, threshold: int = 1024, compression: str = "") -> dict[str, str]:
        return {
            "HEADWATER__CORE__XCOM_BACKEND": "headwater.xcom.ObjectStorageXCom",
            "HEADWATER__XCOM__OBJECTSTORAGE_PATH": f"s3://{self.name}/xcom",
            "HEADWATER__XCOM__OBJECTSTORAGE_OPTIONS": json.dumps(self.options),
            "HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD": str(threshold),
            "HEADWATER__XCOM__OBJECTSTORAGE_COMPRESSION": compression,
        }

    def objects(self) -> dict[str, int]:
        """Every object in the bucket, with its size."""
        import s3fs

        fs = s3fs.S3FileSystem(**self.options, skip_instance_cache=True)
        return {path: fs.size(path) for path in fs.find(self.name)}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3-compatible server (moto's) on 127.0.0.1, spoken to through s3fs like any S3."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str) -> S3Bucket:
    import s3fs

    bucket = S3Bucket(f"hw-{uuid.uuid4().hex[:12]}", s3_server)
    s3fs.S3FileSystem(**bucket.options, skip_instance_cache=True).mkdir(bucket.name)
    return bucket
