"""Faults, one at a time, under a load of families and teachers posting over
HTTP and listening over WebSocket (resuming with their last `pos` after any
disconnection, as the web app does).

After each fault: every thread answered 201 is stored, every listener got
every event of its stream (compared with what `GET /api/events` says from
its first position: no gap) and each at most once after de-duplicating the
resumed overlap, and the service answers again by itself (recovery time
measured). The figures are printed (BENCHMARKS.md keeps them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest
import websockets

from tests.faults.conftest import Deployment
from tests.world import activate, add_staff, admin_token, create_school, families, import_roster, roster

pytestmark = pytest.mark.slow

FAMILIES_PER_CLASS = 20
ANNOUNCEMENTS_PER_TEACHER = 15
DEADLINE = 60.0


@dataclass
class User:
    name: str
    token: str
    home: int  # the web process this user's phone talks to first
    child_id: str | None = None
    class_id: str | None = None
    received: dict[int, dict] = field(default_factory=dict)  # pos → event
    frames: int = 0
    start_pos: int = 0
    reconnects: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_pos(self) -> int:
        return max(self.received, default=self.start_pos)


@dataclass
class Figures:
    fault: str
    accepted: int = 0
    stored: int = 0
    delivered: int = 0
    duplicates: int = 0
    reconnects: int = 0
    recovery_s: float = 0.0

    def line(self) -> str:
        return (
            f"{self.fault}: accepted {self.accepted}, stored {self.stored}, delivered {self.delivered} events, "
            f"duplicates after resume {self.duplicates}, reconnects {self.reconnects}, "
            f"recovery {self.recovery_s:.2f} s"
        )


async def _request(
    deployment: Deployment, user: User, method: str, path: str, **kwargs: object
) -> httpx.Response:
    """As a phone retrying through a load balancer: on a dropped connection or a
    503, the same request again (creates carry a client_id) on the next process."""
    deadline = time.monotonic() + DEADLINE
    attempt = 0
    async with httpx.AsyncClient(timeout=10, headers={"Authorization": f"Bearer {user.token}"}) as client:
        while True:
            url = deployment.urls[(user.home + attempt) % len(deployment.urls)] + path
            try:
                response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
                if response.status_code not in (502, 503, 504):
                    return response
            except httpx.TransportError:
                pass
            attempt += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no answer within {DEADLINE:.0f} s")
            await asyncio.sleep(0.1)  # a phone's retry delay, not a wait for an event


async def _listen(deployment: Deployment, user: User, stop: asyncio.Event) -> None:
    attempt = 0
    while not stop.is_set():
        url = (
            deployment.urls[(user.home + attempt) % len(deployment.urls)].replace("http://", "ws://") + "/ws"
        )
        try:
            async with websockets.connect(url, max_size=2**22, compression=None, open_timeout=5) as ws:
                await ws.send(json.dumps({"type": "auth", "token": user.token}))
                ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if ready["type"] != "ready":
                    raise ConnectionError(ready)
                if attempt == 0 and not user.received and user.start_pos == 0:
                    user.start_pos = ready["pos"]
                await ws.send(json.dumps({"type": "resume", "since": user.last_pos}))
                user.progress.set()
                while not stop.is_set():
                    recv = asyncio.ensure_future(ws.recv())
                    stopped = asyncio.ensure_future(stop.wait())
                    done, _ = await asyncio.wait({recv, stopped}, return_when=asyncio.FIRST_COMPLETED)
                    if recv not in done:
                        recv.cancel()
                        return
                    stopped.cancel()
                    frame = json.loads(recv.result())
                    if "pos" in frame and frame["type"] != "ready":
                        user.frames += 1
                        user.received.setdefault(frame["pos"], frame)
                        user.progress.set()
        except (
            OSError,
            TimeoutError,
            websockets.ConnectionClosed,
            websockets.InvalidStatus,
            ConnectionError,
        ):
            pass
        if stop.is_set():
            return
        attempt += 1
        user.reconnects += 1
        await asyncio.sleep(0.1)  # a client's reconnect delay


@dataclass
class World:
    teachers: list[User]
    parents: list[User]
    director: User

    @property
    def everyone(self) -> list[User]:
        return [*self.teachers, *self.parents]


@pytest.fixture(scope="module")
async def world(deployment: Deployment) -> World:
    base = deployment.urls[0]

    def make(token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=base, headers=headers, timeout=30)

    anonymous = make()
    admin = make(await admin_token(anonymous))
    school = await create_school(admin)
    director = await add_staff(admin, anonymous, school, "director", "Mme Directrice", [])
    director_client = make(director.token)
    teachers = []
    for index, class_name in enumerate(("CP", "CE1")):
        person = await add_staff(
            director_client, anonymous, school, "teacher", f"Enseignant {class_name}", [class_name]
        )
        me = (await make(person.token).get("/api/me")).json()
        teachers.append(User(class_name, person.token, index, class_id=me["classes"][0]["id"]))
    rows = families("CP", FAMILIES_PER_CLASS) + families("CE1", FAMILIES_PER_CLASS)
    imported = await import_roster(director_client, school, roster(rows))
    assert imported.status_code == 200, imported.text
    parents = []
    for index, guardian in enumerate(imported.json()["guardians"]):
        token = await activate(anonymous, guardian["activation_code"])
        parents.append(User(guardian["login"], token, index % 2, child_id=guardian["children"][0]))
    for client in (anonymous, admin, director_client):
        await client.aclose()
    return World(teachers, parents, User("director", director.token, 0))


async def _load(
    deployment: Deployment, world: World, fault: Callable[[], Awaitable[float]], name: str
) -> Figures:
    """Listeners on, half of the posts, the fault (returns its recovery time),
    the other half; then the checks."""
    figures = Figures(name)
    stop = asyncio.Event()
    for user in world.everyone:
        user.received.clear()
        user.start_pos = 0
        user.reconnects = 0
        user.frames = 0
    listeners = [asyncio.create_task(_listen(deployment, user, stop)) for user in world.everyone]
    for user in world.everyone:  # every listener has its `ready` before the first post
        await asyncio.wait_for(user.progress.wait(), DEADLINE)
    accepted: list[str] = []
    tag = uuid.uuid4().hex[:6]

    async def post(user: User, body: dict) -> None:
        response = await _request(deployment, user, "POST", "/api/threads", json=body)
        assert response.status_code in (200, 201), response.text
        accepted.append(response.json()["thread"]["id"])

    def posts(half: int) -> list[Awaitable[None]]:
        jobs: list[Awaitable[None]] = []
        for teacher in world.teachers:
            for n in range(
                half * ANNOUNCEMENTS_PER_TEACHER // 2, (half + 1) * ANNOUNCEMENTS_PER_TEACHER // 2
            ):
                body = {"kind": "announcement", "audience": {"class_ids": [teacher.class_id]},
                        "subject": f"Annonce {n}", "body": "Bonjour à tous.", "client_id": f"{tag}-{teacher.name}-{n}"}  # fmt: skip
                jobs.append(post(teacher, body))
        for index, parent in enumerate(world.parents):
            if index % 2 == half:
                body = {"kind": "direct", "child_id": parent.child_id, "subject": "Question",
                        "body": "Bonjour, une question.", "client_id": f"{tag}-{parent.name}"}  # fmt: skip
                jobs.append(post(parent, body))
        return jobs

    try:
        await asyncio.gather(*posts(0))
        second_half = asyncio.gather(*posts(1))
        figures.recovery_s = await fault()
        await second_half
        figures.accepted = len(set(accepted))

        # Stored: every accepted thread is in the database.
        conn = await asyncpg.connect(deployment.env["DATABASE_URL"])
        try:
            figures.stored = await conn.fetchval(
                "SELECT count(*) FROM threads WHERE id = ANY($1::uuid[])", list(set(accepted))
            )
        finally:
            await conn.close()
        assert figures.stored == figures.accepted

        # Delivered, no gap: each listener has every event GET /api/events lists for it.
        for user in world.everyone:
            expected: dict[int, str] = {}
            since = user.start_pos
            while True:
                page = (
                    await _request(deployment, user, "GET", f"/api/events?since={since}&timeout=0")
                ).json()
                for event in page["events"]:
                    expected[event["pos"]] = event["type"]
                if not page["events"] or page["pos"] == since:
                    break
                since = page["pos"]
            target = max(expected, default=user.start_pos)
            deadline = time.monotonic() + DEADLINE
            while user.last_pos < target and time.monotonic() < deadline:
                user.progress.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(user.progress.wait(), deadline - time.monotonic())
            missing = sorted(set(expected) - set(user.received))
            assert not missing, f"{user.name} missed events {missing[:10]} (of {len(expected)})"
            figures.delivered += len(user.received)
            figures.duplicates += user.frames - len(user.received)
            figures.reconnects += user.reconnects
        # Every author saw their own thread created.
        created = {
            e["data"]["id"]
            for u in world.everyone
            for e in u.received.values()
            if e["type"] == "thread.created"
        }
        assert set(accepted) <= created
    finally:
        stop.set()
        await asyncio.gather(*listeners, return_exceptions=True)
    print(f"\n{figures.line()}")
    return figures


async def _until(check: Callable[[], bool], what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > DEADLINE:
            raise AssertionError(f"{what}: not within {DEADLINE:.0f} s")
        await asyncio.sleep(0.05)  # polling a real process's recovery: there is no event to wait on
    return time.monotonic() - started


async def test_sigkill_a_web_process(deployment: Deployment, world: World) -> None:
    async def fault() -> float:
        started = time.monotonic()
        victim = deployment.webs[1]
        victim.popen.send_signal(signal.SIGKILL)
        victim.popen.wait(DEADLINE)
        # A supervisor restarts it; the other process answers meanwhile.
        assert deployment.ready(0)
        await asyncio.to_thread(deployment.start_web, 1)
        return time.monotonic() - started

    figures = await _load(deployment, world, fault, "SIGKILL web")
    assert figures.accepted == figures.stored


async def test_restart_redis(deployment: Deployment, world: World) -> None:
    async def fault() -> float:
        started = time.monotonic()
        deployment.redis.stop()
        deployment.redis.start()
        await _until(lambda: deployment.ready(0) and deployment.ready(1), "both webs ready after Redis")
        return time.monotonic() - started

    figures = await _load(deployment, world, fault, "Redis restart")
    assert figures.accepted == figures.stored


async def test_sigkill_the_worker(deployment: Deployment, world: World) -> None:
    async def fault() -> float:
        started = time.monotonic()
        assert deployment.worker is not None
        deployment.worker.popen.send_signal(signal.SIGKILL)
        deployment.worker.popen.wait(DEADLINE)
        deployment.start_worker()
        return time.monotonic() - started

    figures = await _load(deployment, world, fault, "SIGKILL worker")
    assert figures.accepted == figures.stored
