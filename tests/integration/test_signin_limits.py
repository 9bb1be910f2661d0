"""The sign-in limits: counted before the password check (a burst gets no more
tries than a sequence), per login and address so that a stranger cannot lock
the owner out, and the addresses counted are only those a named proxy vouches for.

The servers here are configured as `liaison web` configures uvicorn
(`liaison.cli.proxy_options`), each with its own Redis prefix (or none: memory).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import uvicorn

from liaison.cli import proxy_options
from liaison.config import Settings
from tests.conftest import Clients, RunningServer
from tests.world import PASSWORD, Person, school_with_director

WRONG = "mauvais mot de passe"


class ServedAsInProduction(RunningServer):
    """A test server whose uvicorn has the proxy options of `liaison web`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=5,
            **proxy_options(settings),
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]


StartServer = Callable[..., Awaitable[RunningServer]]


@pytest.fixture
async def start_limited(base_settings: Settings) -> AsyncIterator[StartServer]:
    running: list[RunningServer] = []

    async def start(**overrides: object) -> RunningServer:
        settings = base_settings.with_overrides(
            **{
                "redis_prefix": f"liaison-limits-{uuid.uuid4().hex[:8]}:",
                "login_max_failures_per_ip": 100_000,
                "login_max_failures_per_login": 100_000,
                **overrides,
            }
        )
        server = ServedAsInProduction(settings)
        await server.start()
        running.append(server)
        return server

    yield start
    for server in running:
        await server.stop()


@pytest.fixture
async def director(api: Clients) -> Person:
    _, person = await school_with_director(api, "Mme Limites")
    return person


async def attempt(client: httpx.AsyncClient, login: str, password: str = WRONG, ip: str | None = None) -> int:
    headers = {"X-Forwarded-For": ip} if ip else {}
    response = await client.post("/api/session", json={"login": login, "password": password}, headers=headers)
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["error"]["code"] == "too_many_attempts"
    return response.status_code


@pytest.mark.parametrize("store", ["redis", "memory"])
async def test_a_burst_gets_no_more_checks_than_a_sequence(start_limited, director, store):
    overrides: dict[str, object] = {"login_max_failures_per_pair": 10, "forwarded_allow_ips": "127.0.0.1"}
    if store == "memory":
        overrides["redis_url"] = None
    server = await start_limited(**overrides)
    limits = httpx.Limits(max_connections=150)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
        statuses = Counter(
            await asyncio.gather(*(attempt(client, director.login, ip="10.1.0.1") for _ in range(150)))
        )
        assert statuses == {401: 10, 429: 140}
        # Held back from that address, even with the right password...
        assert await attempt(client, director.login, PASSWORD, ip="10.1.0.1") == 429
        # ...while the owner, elsewhere, still signs in.
        assert await attempt(client, director.login, PASSWORD, ip="10.1.0.2") == 200


async def test_a_stranger_cannot_lock_the_owner_out(start_limited, director):
    server = await start_limited(login_max_failures_per_pair=10, forwarded_allow_ips="127.0.0.1")
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(10):
            assert await attempt(client, director.login, ip="203.0.113.7") == 401
        for _ in range(5):  # the stranger is held back; refused tries count nowhere
            assert await attempt(client, director.login, ip="203.0.113.7") == 429
        assert await attempt(client, director.login, PASSWORD, ip="198.51.100.20") == 200
        # A success resets its own pair only: the owner's typos are counted afresh.
        assert await attempt(client, director.login, ip="198.51.100.20") == 401
        assert await attempt(client, director.login, ip="203.0.113.7") == 429


async def test_the_per_login_ceiling_and_the_per_address_limit(start_limited, director):
    server = await start_limited(
        login_max_failures_per_pair=3,
        login_max_failures_per_login=6,
        login_max_failures_per_ip=5,
        forwarded_allow_ips="127.0.0.1",
    )
    async with httpx.AsyncClient(base_url=server.url) as client:
        for ip in ("192.0.2.1", "192.0.2.2"):
            for _ in range(3):
                assert await attempt(client, director.login, ip=ip) == 401
            assert await attempt(client, director.login, ip=ip) == 429
        # Six failures from many addresses: the ceiling holds the login, even for the owner.
        assert await attempt(client, director.login, PASSWORD, ip="192.0.2.3") == 429
        # One address trying many logins stops at the per-address limit.
        spray = [f"inconnu-{uuid.uuid4().hex[:8]}" for _ in range(6)]
        assert [await attempt(client, login, ip="192.0.2.9") for login in spray] == [401] * 5 + [429]


async def test_forwarded_for_is_believed_only_from_named_proxies(start_limited):
    login = f"inconnu-{uuid.uuid4().hex[:8]}"
    default = await start_limited(login_max_failures_per_pair=3)
    assert default.settings.forwarded_allow_ips == ""
    async with httpx.AsyncClient(base_url=default.url) as client:
        forged = [await attempt(client, login, ip=f"10.9.0.{n}") for n in range(1, 6)]
        assert forged == [401, 401, 401, 429, 429]  # one address (the real one), whatever the header
    behind_proxy = await start_limited(login_max_failures_per_pair=3, forwarded_allow_ips="127.0.0.1")
    async with httpx.AsyncClient(base_url=behind_proxy.url) as client:
        forwarded = [await attempt(client, login, ip=f"10.9.0.{n}") for n in range(1, 6)]
        assert forwarded == [401] * 5  # each forwarded address counted on its own
