"""The fault suite's deployment: real processes, as an operator runs them.

Two `liaison web` on free ports and one `liaison worker`, sharing a database
created for the run on the machine's PostgreSQL, a PRIVATE `redis-server`
started here (so that restarting it disturbs nobody else), and the SMTP
receiver of tests/receivers.py. Notifications go out fast (a grace period of
one second) and push endpoints on 127.0.0.1 are allowed (the push receiver).
Every process is ended at teardown.

`pg_deployment`: the same, on a PRIVATE PostgreSQL of its own (the project's
embedded helper, liaison/storage/embedded.py), for the one test that restarts
PostgreSQL: the machine's server is shared with other test runs.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from liaison.storage.embedded import EmbeddedPostgres
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, free_port, scratch_database
from tests.integration.test_cli import Liaison, clean_env
from tests.receivers import SmtpReceiver

DEADLINE = 60.0


class PrivateRedis:
    """A redis-server of the suite's own, restartable on the same port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server est requis pour la suite de pannes (apt-get install redis-server).")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(DEADLINE)
        self.process = None


@dataclass
class Deployment:
    workdir: Path
    env: dict[str, str]
    redis: PrivateRedis
    smtp: SmtpReceiver
    web_ports: list[int]
    webs: list[Liaison] = field(default_factory=list)
    worker: Liaison | None = None
    spawned: list[Liaison] = field(default_factory=list)
    postgres: EmbeddedPostgres | None = None  # the private PostgreSQL, when it is one

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    def start_web(self, index: int) -> Liaison:
        process = Liaison(
            ["web", "--port", str(self.web_ports[index])],
            self.env,
            self.workdir,
            f"web{index}-{uuid.uuid4().hex[:4]}",
        )
        self.spawned.append(process)
        if len(self.webs) <= index:
            self.webs.append(process)
        else:
            self.webs[index] = process
        process.wait_ready(self.web_ports[index])
        return process

    def start_worker(self) -> Liaison:
        self.worker = Liaison(["worker"], self.env, self.workdir, f"worker-{uuid.uuid4().hex[:4]}")
        self.spawned.append(self.worker)
        return self.worker

    def ready(self, index: int) -> bool:
        try:
            return httpx.get(f"{self.urls[index]}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


@contextlib.contextmanager
def running(dsn: str, workdir: Path, postgres: EmbeddedPostgres | None = None) -> Iterator[Deployment]:
    """Redis, the SMTP receiver, two webs and a worker on `dsn`; all ended after."""
    private_redis = PrivateRedis()
    private_redis.start()
    smtp = SmtpReceiver()
    smtp.start()
    try:
        env = clean_env(
            DATABASE_URL=dsn,
            REDIS_URL=private_redis.url,
            SECRET_KEY=uuid.uuid4().hex * 2,
            SMTP_URL=smtp.url,
            ADMIN_LOGIN=ADMIN_LOGIN,
            ADMIN_PASSWORD=ADMIN_PASSWORD,
            LIAISON_DATA_DIR=str(workdir / "var"),
            LOG_LEVEL="WARNING",
            # Notifications within the load's time: a one-second grace period (quiet
            # hours are turned off per user), pushes to the receiver on 127.0.0.1.
            NOTIFY_GRACE_SECONDS="1",
            PUSH_ALLOW_PRIVATE_ENDPOINTS="true",
        )
        deployment = Deployment(
            workdir, env, private_redis, smtp, [free_port(), free_port()], postgres=postgres
        )
        try:
            deployment.start_web(0)
            deployment.start_web(1)
            deployment.start_worker()
            yield deployment
        finally:
            for process in deployment.spawned:
                process.end()
    finally:
        smtp.stop()
        private_redis.stop()


@pytest.fixture(scope="package")
def deployment(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("faults")
    with (
        scratch_database(postgres_server, prefix="liaison_faults") as dsn,
        running(dsn, workdir) as deployment,
    ):
        yield deployment


@pytest.fixture(scope="module")
async def pg_deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    """A deployment on a PostgreSQL of its own, which its test restarts."""
    workdir = tmp_path_factory.mktemp("faults-pg")
    postgres = EmbeddedPostgres(workdir / "pg-server")
    await postgres.start()
    try:
        with running(postgres.dsn, workdir, postgres) as deployment:
            yield deployment
    finally:
        postgres.stop()
