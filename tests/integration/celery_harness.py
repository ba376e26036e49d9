"""A Celery cluster for a test: a SchedulerHome on a PostgreSQL database of its own, set to the
CeleryExecutor on a real broker, and ``headwater celery worker`` processes started beside it.

Queue names carry the test's own prefix, so a message left on a shared broker by one test is never
taken by another test's workers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from scheduler_harness import SchedulerHome

every_executor = pytest.mark.parametrize("site", ["local", "celery"], indirect=True)
"""The executor contract: a scheduler case marked so runs on the LocalExecutor and on the CeleryExecutor."""

REDIS_URL = os.environ.get("HEADWATER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("HEADWATER_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
BROKERS = {"redis": REDIS_URL, "rabbitmq": RABBITMQ_URL}


def require_service(reason: str | None) -> None:
    """Skip a test whose service or tool is missing; under CI=true, fail it instead."""
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the tests that need it must run)", pytrace=False)
        pytest.skip(reason)


def broker_unreachable(url: str) -> str | None:
    """Why the broker at ``url`` cannot be used, or None when a connection opens."""
    parsed = urlparse(url)
    port = parsed.port or (6379 if parsed.scheme == "redis" else 5672)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=3):
            return None
    except OSError as err:
        return f"the broker at {url} is unreachable ({err})"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server of the test's own (keeping nothing on disk, like the machine's), to restart at will."""

    folder: Path
    port: int = field(default_factory=free_port)
    bind: str = "127.0.0.1"
    options: tuple[str, ...] = ()
    """More ``redis-server`` arguments (``--protected-mode no`` for clients beyond the loopback)."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.bind}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed (Debian package redis-server)"
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", self.bind, "--save", "", "--appendonly", "no", *self.options],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while broker_unreachable(self.url) is not None:
            assert time.monotonic() < deadline, "redis-server did not start within 10 s"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class CeleryCluster:
    """Workers on one broker for one SchedulerHome; ``queue(name)`` is the test's own name for a queue."""

    site: SchedulerHome
    broker_url: str
    prefix: str = field(default_factory=lambda: f"hw{uuid.uuid4().hex[:8]}")
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.site.extra_env.update(
            HEADWATER__CORE__EXECUTOR="CeleryExecutor",
            HEADWATER__CELERY__BROKER_URL=self.broker_url,
            HEADWATER__CELERY__DEFAULT_QUEUE=self.queue("default"),
            HEADWATER__CORE__PARALLELISM="16",  # more than the workers take: tries wait in the broker
        )

    def queue(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def start_worker(
        self, name: str, queues: tuple[str, ...] = ("default",), concurrency: int = 2, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(self.site.home / f"worker-{name}.log", "ab")  # noqa: SIM115 - closed with the process
        command = [
            sys.executable,
            "-m",
            "headwater",
            "celery",
            "worker",
            "--queues",
            ",".join(self.queue(q) for q in queues),
            "--concurrency",
            str(concurrency),
            "--celery-hostname",
            f"{name}.{self.prefix}@test",
        ]
        process = subprocess.Popen(
            command, env={**self.site.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.workers[name] = process
        self.site.processes.append(process)
        return process

    def node(self, name: str) -> str:
        return f"{name}.{self.prefix}@test"

    def status(self) -> list[dict[str, Any]]:
        """``headwater celery status -o json``, only this test's workers."""
        done = self.site.cli("celery", "status", "-o", "json", "--timeout", "1", check=False)
        if done.returncode != 0:
            return []
        return [w for w in done.json if w["worker"].endswith(f".{self.prefix}@test")]

    def wait_for_workers(self, *names: str, timeout: float = 60.0) -> None:
        """Wait until these workers say they are ready (consuming their queues)."""
        deadline = time.monotonic() + timeout
        for name in names:
            log = self.site.home / f"worker-{name}.log"
            while f"{self.node(name)} ready." not in log.read_text(errors="replace"):
                if self.workers[name].poll() is not None:
                    raise AssertionError(f"worker {name} exited {self.workers[name].returncode}:\n{self.logs()}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"worker {name} was not ready within {timeout} s:\n{self.logs()}")
                time.sleep(0.05)

    def kill_worker(self, name: str) -> None:
        """SIGKILL the worker and its pool processes at once: the machine is gone."""
        process = self.workers[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_workers(self) -> None:
        for name, process in self.workers.items():
            if process.poll() is None:
                self.kill_worker(name)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text(errors='replace')}" for p in sorted(self.site.home.glob("*.log"))
        )
