"""The test harness: real PostgreSQL and Redis, a real server on a real port.

PostgreSQL: TEST_DATABASE_URL, else the machine's server on 127.0.0.1:5432;
where none answers, a private one is started (the embedded PostgreSQL of the
service). Each run works in a database of its own, dropped at the end.
Redis: TEST_REDIS_URL, else 127.0.0.1:6379, else a private redis-server.
Tests are isolated by data: each one makes its own schools and people.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx
import pytest
import redis
import uvicorn
from aiohttp import web

from liaison.app import create_app
from liaison.config import Settings
from tests.receivers import PushReceiver, SmtpReceiver

ROOT = Path(__file__).resolve().parent.parent
ADMIN_LOGIN = "admin-tests"
ADMIN_PASSWORD = "un mot de passe d'admin solide"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_answers(dsn: str) -> bool:
    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A DSN of a server where this run may create databases."""
    candidates = [os.environ.get("TEST_DATABASE_URL"), "postgresql://postgres@127.0.0.1:5432/postgres"]
    for dsn in filter(None, candidates):
        if _postgres_answers(dsn):
            yield dsn
            return
    from liaison.storage.embedded import EmbeddedPostgres

    folder = Path(tempfile.mkdtemp(prefix="liaison-test-pg-"))
    server = EmbeddedPostgres(folder)
    asyncio.run(server.start())
    try:
        yield server.dsn
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def scratch_database(server_dsn: str, prefix: str = "liaison_test") -> Iterator[str]:
    """A new empty database on the server, dropped when the block ends."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(server_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server_dsn.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    candidates = [os.environ.get("TEST_REDIS_URL"), "redis://127.0.0.1:6379/0"]
    for url in filter(None, candidates):
        try:
            redis.Redis.from_url(url, socket_timeout=2).ping()
        except redis.RedisError:
            continue
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("Ni Redis sur 127.0.0.1:6379 ni redis-server installé (apt-get install redis-server).")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def base_settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        # Each run its own Redis namespace: runs sharing the machine's Redis
        # neither see each other's events nor count each other's failures.
        redis_prefix=f"liaison-test-{uuid.uuid4().hex[:8]}:",
        secret_key="test-secret-key-" + uuid.uuid4().hex,
        data_dir=tmp_path_factory.mktemp("data"),
        media_dir=tmp_path_factory.mktemp("media"),
        admin_login=ADMIN_LOGIN,
        admin_password=ADMIN_PASSWORD,
        # High enough that the suite never trips it by accident; the rate
        # limit tests start a server of their own with low limits.
        login_max_failures_per_ip=100_000,
        login_max_failures_per_login=5,
        # Likewise for floods: tests/integration/test_floods.py sets its own.
        post_limit_family_per_minute=100_000,
        post_limit_staff_per_minute=100_000,
        upload_limit_per_hour=100_000,
        push_allow_private_endpoints=True,
    )


class RunningServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            lifespan="on",
            access_log=False,
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            ws_max_size=65536,
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task:
            await self.task


@pytest.fixture(scope="session")
async def start_server(base_settings: Settings) -> AsyncIterator[Callable[..., Awaitable[RunningServer]]]:
    """Start a server with settings derived from the base ones."""
    running: list[RunningServer] = []

    async def start(**overrides: object) -> RunningServer:
        server = RunningServer(base_settings.with_overrides(**overrides))
        await server.start()
        running.append(server)
        return server

    yield start
    for server in running:
        await server.stop()


async def start_own_server(
    base_settings: Settings, database_url: str, name: str, **overrides: object
) -> RunningServer:
    """A started server on a database of its own (a module's), its Redis keys under a
    prefix of its own; the caller stops it."""
    server = RunningServer(
        base_settings.with_overrides(
            database_url=database_url,
            redis_prefix=f"liaison-{name}-{uuid.uuid4().hex[:8]}:",
            **overrides,
        )
    )
    await server.start()
    return server


@contextlib.asynccontextmanager
async def database_pool(server: RunningServer, max_size: int) -> AsyncIterator[asyncpg.Pool]:
    """Direct access to the server's database, closed when the block ends."""
    pool = await asyncpg.create_pool(server.settings.database_url, min_size=1, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture(scope="session")
async def server(start_server: Callable[..., Awaitable[RunningServer]]) -> RunningServer:
    return await start_server()


@pytest.fixture(scope="session")
async def db(server: RunningServer) -> AsyncIterator[asyncpg.Pool]:
    """Direct access to the test database, to check what was (not) written."""
    async with database_pool(server, 4) as pool:
        yield pool


class Clients:
    """`clients(token)`: an httpx client on one server (or `base_url`), signed in
    with that token or not; every client made is closed by `aclose()`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._clients: list[httpx.AsyncClient] = []

    def __call__(self, token: str | None = None, base_url: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.AsyncClient(base_url=base_url or self.base_url, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


@contextlib.asynccontextmanager
async def clients_of(base_url: str) -> AsyncIterator[Clients]:
    """Clients of the server at `base_url`, closed when the block ends."""
    clients = Clients(base_url)
    try:
        yield clients
    finally:
        await clients.aclose()


@pytest.fixture(scope="session")
async def api(server: RunningServer) -> AsyncIterator[Clients]:
    """`api(token)` gives an httpx client on the server, signed in or not."""
    async with clients_of(server.url) as clients:
        yield clients


# -- the real receivers of pushes and mails ---------------------------------------------

Push = TypeVar("Push", bound=PushReceiver)


class WatchedPushReceiver(PushReceiver):
    """Also tells when a request arrives (the base class records it once answered), so
    that a test knows a slow push is on the wire: `arrived` counts the requests by
    subscription, `first_arrived` is set by the first."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: Counter[str] = Counter()
        self.first_arrived = asyncio.Event()

    async def _on_push(self, request: web.Request) -> web.Response:
        self.arrived[request.match_info["subscription_id"]] += 1
        self.first_arrived.set()
        return await super()._on_push(request)


@contextlib.asynccontextmanager
async def push_service(client: httpx.AsyncClient, receiver: Push) -> AsyncIterator[Push]:
    """`receiver` running, and checking the VAPID key of the server `client` talks to."""
    async with receiver:
        receiver.expect_vapid_key((await client.get("/api/push/key")).json()["public_key"])
        yield receiver


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpReceiver]:
    """A real SMTP server of this test."""
    async with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def in_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """The absences service's today is `tests.world.term_today()`: the same day
    outside the summer holidays; in them, the last school day before, so that a
    roll call has a day to be taken for whatever the date of the run."""
    from liaison.absences import service
    from tests.world import term_today

    monkeypatch.setattr(service, "paris_today", term_today)
