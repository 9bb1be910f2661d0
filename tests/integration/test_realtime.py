"""Real time end to end: several web processes, resuming, restarts, a Redis
outage, concurrent writers and readers (the proof of the gap-free positions
described in `liaison/realtime/__init__.py`).

Every wait is for an event, and bounded; what a client received is compared,
position by position, with what PostgreSQL says the user may see
(`event_recipients`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets

from liaison.accounts import store as accounts
from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.core.events import NewEvent
from liaison.realtime import store as realtime
from liaison.realtime.connection import Connection
from liaison.realtime.notifier import Notifier
from liaison.realtime.writer import change
from liaison.storage.db import create_pool
from tests.conftest import Clients, RunningServer, free_port
from tests.live import Live
from tests.world import (
    Person,
    School,
    World,
    build_world,
    named,
    school_with_director,
    thread_and_message,
    write_direct,
)
from tests.world import announce as post_announcement

BOUND = 20.0  # seconds: the bound of every wait for something to happen
STARTUP = 30.0  # seconds: the bound of a process start


# -- what the database says --------------------------------------------------------


async def expected(db: asyncpg.Pool, user_id: str, after: int, upto: int = 2**62) -> list[int]:
    """The positions the user may see in (after, upto], in order."""
    rows = await db.fetch(
        "SELECT pos FROM event_recipients WHERE user_id = $1 AND pos > $2 AND pos <= $3 ORDER BY pos",
        uuid.UUID(user_id),
        after,
        upto,
    )
    return [r["pos"] for r in rows]


async def school_head(db: asyncpg.Pool, school_id: str) -> int:
    return await realtime.head(db, uuid.UUID(school_id))


def positions(frames: list[dict[str, Any]]) -> list[int]:
    return [f["pos"] for f in frames]


def strictly_increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


# -- HTTP -----------------------------------------------------------------------------


async def announce(client: httpx.AsyncClient, subject: str, class_ids: list[str] | None = None) -> str:
    """The id of a new announcement to these classes (else the whole school)."""
    response = await post_announcement(client, subject, class_ids=class_ids, body=f"{subject} : détails.")
    return thread_and_message(response)[0]["id"]


async def direct(client: httpx.AsyncClient, child_id: str, subject: str) -> str:
    """The id of a new direct thread about the child."""
    response = await write_direct(client, child_id, subject, f"{subject} : bonjour.")
    return thread_and_message(response)[0]["id"]


async def say(client: httpx.AsyncClient, thread_id: str, body: str) -> None:
    response = await client.post(f"/api/threads/{thread_id}/messages", json={"body": body})
    assert response.status_code == 201, response.text


async def read_all(client: httpx.AsyncClient, thread_id: str) -> None:
    response = await client.post(f"/api/threads/{thread_id}/read", json={"seq": 1_000_000})
    assert response.status_code == 204, response.text


@dataclass
class Topic:
    """A thread and the clients that may post in it."""

    id: str
    writers: list[httpx.AsyncClient]


async def open_topics(make: Callable[..., httpx.AsyncClient], a: School) -> dict[str, Topic]:
    """Threads of school A with different members:
    Claire (parent "both"): cp, ce1, school, lea, ines; Sophie ("cp"): cp, school,
    hugo; Marc ("ce1"): ce1, school, noah; the CP teacher: cp, school, hugo, lea;
    the CE1 teacher: ce1, school, noah, ines; the director: cp, ce1, school."""
    cp, ce1 = make(a.teachers["CP"].token), make(a.teachers["CE1"].token)
    director = make(a.director.token)
    claire, sophie, marc = (make(a.parents[k].token) for k in ("both", "cp", "ce1"))
    return {
        "cp": Topic(await announce(cp, "Piscine", [a.classes["CP"]]), [cp]),
        "ce1": Topic(await announce(ce1, "Cantine", [a.classes["CE1"]]), [ce1]),
        "school": Topic(await announce(director, "Kermesse"), [director]),
        "noah": Topic(await direct(marc, a.children["Noah"], "Noah"), [marc, ce1]),
        "hugo": Topic(await direct(sophie, a.children["Hugo"], "Hugo"), [sophie, cp]),
        "lea": Topic(await direct(cp, a.children["Léa"], "Léa"), [cp, claire]),
        "ines": Topic(await direct(claire, a.children["Inès"], "Inès"), [claire, ce1]),
    }


async def scene(make: Callable[..., httpx.AsyncClient]) -> tuple[World, Person, dict[str, Topic]]:
    """A new world, Sophie (Hugo's mother, CP) and the topics of its school A."""
    world = await build_world(make)
    return world, world.a.parents["cp"], await open_topics(make, world.a)


# -- processes ----------------------------------------------------------------------

# Kept from our environment; every setting of the service is left out, so the
# processes run with exactly what the tests give them.
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


def _end(popen: subprocess.Popen, first: signal.Signals = signal.SIGINT) -> None:
    """Whatever state it is in: a polite signal to its group, then SIGKILL."""
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, first)
        popen.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(popen.pid, signal.SIGKILL)
    popen.wait(10)


class WebProcess:
    """`python -m liaison web` on a fixed port; it may be stopped and started again."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str, port: int) -> None:
        self.env = env
        self.workdir = workdir
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.runs: list[tuple[subprocess.Popen, Path]] = []

    @property
    def popen(self) -> subprocess.Popen:
        return self.runs[-1][0]

    def spawn(self) -> None:
        log = self.workdir / f"{self.name}-{len(self.runs)}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-m", "liaison", "web", "--port", str(self.port)],
                env=self.env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.runs.append((popen, log))

    @property
    def output(self) -> str:
        return "".join(log.read_text(errors="replace") for _, log in self.runs)

    def fail(self, message: str) -> None:
        pytest.fail(f"web {self.name}: {message}\n--- output ---\n{self.output[-6000:]}", pytrace=False)

    async def ready(self) -> None:
        """Until /readyz answers 200."""
        deadline = time.monotonic() + STARTUP
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.popen.poll() is not None:
                    self.fail(f"exited ({self.popen.returncode}) before /readyz answered 200")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        self.fail(f"/readyz did not answer 200 within {STARTUP:.0f} s")

    async def terminate(self) -> int:
        """SIGTERM, as a service manager stops it."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(self.popen.wait, STARTUP)
        except subprocess.TimeoutExpired:
            self.fail("still running after SIGTERM")
            raise

    async def connections(self) -> int:
        """What the process counts as open WebSocket and long-polling connections."""
        async with httpx.AsyncClient(timeout=5) as client:
            text = (await client.get(f"{self.url}/metrics")).text
        for line in text.splitlines():
            if line.startswith("liaison_realtime_connections "):
                return int(float(line.split()[1]))
        raise AssertionError("no liaison_realtime_connections in /metrics")

    async def until_connections(self, count: int) -> None:
        deadline = time.monotonic() + BOUND
        while (now := await self.connections()) != count:
            assert time.monotonic() < deadline, f"{now} connections on {self.name}, expected {count}"
            await asyncio.sleep(0.02)

    async def until_bus(self, up: bool) -> None:
        """Until /readyz says the bus is (not) reachable."""
        deadline = time.monotonic() + BOUND
        async with httpx.AsyncClient(timeout=5) as client:
            while (await client.get(f"{self.url}/readyz")).json()["bus"] is not up:
                assert time.monotonic() < deadline, f"{self.name}: bus still {'down' if up else 'up'}"
                await asyncio.sleep(0.02)

    def end(self) -> None:
        for popen, _ in self.runs:
            _end(popen)


@pytest.fixture
def web(
    tmp_path: Path, server: RunningServer, base_settings: Settings
) -> Iterator[Callable[..., WebProcess]]:
    """`web(name, redis_url=None)` starts a `liaison web` process on the test
    database (`server` made it, and the admin), with the session's SECRET_KEY
    and a REDIS_PREFIX of this test; every process is ended at teardown."""
    prefix = f"liaison-rt-test-{uuid.uuid4().hex[:8]}:"
    started: list[WebProcess] = []

    def spawn(name: str, redis_url: str | None = None) -> WebProcess:
        env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
        env.update(
            DATABASE_URL=base_settings.database_url,
            REDIS_URL=redis_url or base_settings.redis_url,
            SECRET_KEY=base_settings.secret_key,
            REDIS_PREFIX=prefix,
        )
        process = WebProcess(env, tmp_path, name, free_port())
        started.append(process)
        process.spawn()
        return process

    try:
        yield spawn
    finally:
        for process in started:
            process.end()


class PrivateRedis:
    """A redis-server of this test alone, which it may stop and start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: apt-get install redis-server (.ci/run needs it too)")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.runs: list[subprocess.Popen] = []

    def start(self) -> None:
        self.runs.append(
            subprocess.Popen(
                [
                    *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    async def up(self) -> None:
        """Until it answers PING."""
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            assert self.runs[-1].poll() is None, "redis-server exited"
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                try:
                    writer.write(b"PING\r\n")
                    await writer.drain()
                    if await asyncio.wait_for(reader.readline(), 2) == b"+PONG\r\n":
                        return
                finally:
                    writer.close()
            await asyncio.sleep(0.02)
        raise AssertionError("private redis-server did not answer")

    async def stop(self) -> None:
        self.runs[-1].send_signal(signal.SIGTERM)
        await asyncio.to_thread(self.runs[-1].wait, STARTUP)

    def end(self) -> None:
        for popen in self.runs:
            _end(popen, signal.SIGTERM)


@pytest.fixture
async def private_redis(tmp_path: Path) -> Any:
    redis_server = PrivateRedis(tmp_path)
    try:
        redis_server.start()
        await redis_server.up()
        yield redis_server
    finally:
        redis_server.end()


# -- in-process tests: one world for the module ----------------------------------------


@pytest.fixture(scope="module")
async def topics(api: Clients, world: World) -> dict[str, Topic]:
    return await open_topics(api, world.a)


def thread_ids(frames: list[dict[str, Any]]) -> set[str]:
    return {f["data"].get("thread_id") or f["data"]["id"] for f in frames}


# 1. Two web processes ---------------------------------------------------------------


@pytest.mark.slow
async def test_two_web_processes_share_one_stream(web, db):
    a, b = web("a"), web("b")
    await asyncio.gather(a.ready(), b.ready())
    on_a, on_b = Clients(a.url), Clients(b.url)
    live = None
    try:
        world = await build_world(on_a)
        sophie = world.a.parents["cp"]
        teacher = on_a(world.a.teachers["CP"].token)

        # WebSocket on B, message posted on A.
        live = await Live.connect(b.url, sophie.token)
        thread_id = await announce(teacher, "Sortie au musée", [world.a.classes["CP"]])
        created = await live.next()
        assert created["type"] == "thread.created" and created["data"]["id"] == thread_id
        arrived = await live.next()
        assert arrived["type"] == "message.created" and arrived["data"]["thread_id"] == thread_id
        assert positions(live.received) == await expected(db, sophie.user_id, live.ready_pos)

        # Long polling on B: parked (B counts it), then woken by a post on A.
        sophie_b = on_b(sophie.token)
        head = (await sophie_b.get("/api/events")).json()["pos"]
        assert head == arrived["pos"]
        started = time.monotonic()
        poll = asyncio.create_task(sophie_b.get("/api/events", params={"since": head, "timeout": 30}))
        await b.until_connections(2)  # the socket and the parked long poll
        assert not poll.done()
        await say(teacher, thread_id, "Rappel : prévoir un pique-nique.")
        body = (await asyncio.wait_for(poll, BOUND)).json()
        assert time.monotonic() - started < BOUND  # woken, not timed out
        assert [(e["type"], e["data"]["thread_id"]) for e in body["events"]] == [
            ("message.created", thread_id)
        ]
        assert body["pos"] == body["events"][-1]["pos"]
        assert (await live.next())["pos"] == body["pos"]

        # And the other way round: WebSocket on A, message posted on B.
        back = await Live.connect(a.url, sophie.token)
        await say(on_b(world.a.teachers["CP"].token), thread_id, "Départ à 8 h 30.")
        assert (await back.next())["pos"] == (await live.next())["pos"]
        await back.close()
    finally:
        if live is not None:
            await live.close()
        await on_a.aclose()
        await on_b.aclose()


# 2. Resume ------------------------------------------------------------------------------


async def test_resume_gives_exactly_the_missed_events(server, api, db, world, topics):
    a = world.a
    claire = a.parents["both"]
    steady = await Live.connect(server.url, claire.token)
    flaky = await Live.connect(server.url, claire.token)
    assert flaky.ready_pos == steady.ready_pos == await school_head(db, a.id)

    await say(topics["lea"].writers[0], topics["lea"].id, "Léa a oublié son cahier.")
    seen = await expected(db, claire.user_id, flaky.ready_pos)
    await flaky.until_pos(seen[-1])
    assert positions(flaky.received) == seen
    p = flaky.last_pos
    await flaky.close()

    # While she is away: posts in threads she is in and threads she is not in,
    # read receipts (to her other devices; families do not see an announcement's).
    marc = api(a.parents["ce1"].token)
    plan = ["cp", "noah", "ce1", "hugo", "school", "lea", "ines", "noah", "hugo", "cp"] * 3
    for i, name in enumerate(plan):
        topic = topics[name]
        await say(topic.writers[i % len(topic.writers)], topic.id, f"Message {i} dans {name}")
    await read_all(api(claire.token), topics["cp"].id)
    await read_all(marc, topics["ce1"].id)  # to the staff only
    missed = await expected(db, claire.user_id, p)
    assert len(missed) > 10 and (await school_head(db, a.id)) > missed[-1]  # some were not for her

    await steady.until_pos(missed[-1])
    back = await Live.connect(server.url, claire.token, since=p)
    await back.until_pos(missed[-1])
    assert positions(back.received) == missed
    assert back.received == [f for f in steady.received if f["pos"] > p]
    assert {topics["noah"].id, topics["hugo"].id}.isdisjoint(thread_ids(back.received))
    assert any(f["type"] == "receipt.updated" for f in back.received)

    # Then live, with nothing repeated: the next event is the next one.
    await say(topics["school"].writers[0], topics["school"].id, "La kermesse est avancée.")
    sentinel = (await expected(db, claire.user_id, missed[-1]))[-1]
    assert (await back.next())["pos"] == sentinel
    assert (await steady.next())["pos"] == sentinel

    # The same by long polling: `pos` is where to go on from.
    claire_api = api(claire.token)
    polled = (await claire_api.get("/api/events", params={"since": p, "timeout": 0})).json()
    assert polled["events"] == back.received
    assert polled["pos"] == await school_head(db, a.id) >= sentinel
    again = (await claire_api.get("/api/events", params={"since": polled["pos"], "timeout": 0})).json()
    assert again == {"events": [], "pos": polled["pos"]}
    middle = missed[len(missed) // 2]
    rest = (await claire_api.get("/api/events", params={"since": middle, "timeout": 0})).json()
    assert positions(rest["events"]) == [pos for pos in [*missed, sentinel] if pos > middle]
    for live in (steady, back):
        await live.close()


async def test_resume_pages_through_a_long_absence(server, api, db):
    """More events than a page (500): long polling pages with `pos`, the
    WebSocket backlog pages by itself; other people's events are interleaved."""
    school_id, director = await school_with_director(api)
    school = uuid.UUID(school_id)
    me = uuid.UUID(director.user_id)
    async with db.acquire() as conn:  # two others of the school (an event goes to a known person's stream)
        others = [
            (await accounts.create_user(conn, role="teacher", school_id=school, display_name=f"Autre {i}")).id
            for i in range(2)
        ]
    start = await school_head(db, school_id)
    state = server.app.state
    for batch in range(4):  # 1,100 events for the director, 300 for someone else
        async with change(state.pool, state.bus, school) as current:
            for i in range(350):
                n = batch * 350 + i
                mine = n % 14 < 11
                current.events.append(NewEvent("test.event", {"n": n}, [me] if mine else others))
    everything = await expected(db, director.user_id, start)
    assert len(everything) == 1100 and await school_head(db, school_id) == start + 1400

    client = api(director.token)
    collected, pos, pages = [], start, []
    while True:
        page = (await client.get("/api/events", params={"since": pos, "timeout": 0})).json()
        pages.append(len(page["events"]))
        if not page["events"]:
            assert page["pos"] == pos
            break
        collected += positions(page["events"])
        # A full page goes on from its last event; the last page from the head.
        assert page["pos"] == (page["events"][-1]["pos"] if pages[-1] == 500 else start + 1400)
        pos = page["pos"]
    assert pages == [500, 500, 100, 0]
    assert collected == everything and pos == start + 1400

    live = await Live.connect(server.url, director.token, since=start)
    await asyncio.wait_for(live.until_pos(everything[-1]), BOUND)
    assert positions(live.received) == everything
    async with change(state.pool, state.bus, school) as current:
        current.events.append(NewEvent("test.event", {"n": "last"}, [me]))
    assert (await live.next())["data"] == {"n": "last"}
    await live.close()


# 3. Across a restart of the web process -------------------------------------------------


@pytest.mark.slow
async def test_resume_across_a_restart_of_the_web_process(web, db):
    a, b = web("a"), web("b")
    await asyncio.gather(a.ready(), b.ready())
    on_b = Clients(b.url)
    try:
        world, sophie, topics = await scene(on_b)
        live = await Live.connect(a.url, sophie.token)
        await say(topics["cp"].writers[0], topics["cp"].id, "Avant l'arrêt")
        await live.until_pos((await expected(db, sophie.user_id, live.ready_pos))[-1])
        p = live.last_pos

        assert await a.terminate() == 0, a.output
        with pytest.raises(websockets.ConnectionClosed):
            while True:  # whatever was still in flight, then the close
                await asyncio.wait_for(live.next(), BOUND)

        for i, name in enumerate(["cp", "noah", "hugo", "ce1", "school", "hugo", "noah", "cp"]):
            topic = topics[name]
            await say(topic.writers[i % len(topic.writers)], topic.id, f"Pendant l'arrêt {i}")
        await read_all(on_b(sophie.token), topics["hugo"].id)
        missed = await expected(db, sophie.user_id, p)
        assert len(missed) == 6 and await school_head(db, world.a.id) - p > 6  # not all for her

        a.spawn()  # the same port
        await a.ready()
        back = await Live.connect(a.url, sophie.token, since=p)
        await back.until_pos(missed[-1])
        assert positions(back.received) == missed
        await say(topics["school"].writers[0], topics["school"].id, "Après le redémarrage")
        assert (await back.next())["pos"] == (await expected(db, sophie.user_id, missed[-1]))[-1]
        await back.close()
    finally:
        await on_b.aclose()


# 4. Across a Redis restart --------------------------------------------------------------


@pytest.mark.slow
async def test_no_event_lost_across_a_redis_restart(web, db, private_redis):
    a = web("a", redis_url=private_redis.url)
    b = web("b", redis_url=private_redis.url)
    await asyncio.gather(a.ready(), b.ready())
    on_a = Clients(a.url)
    try:
        world, sophie, topics = await scene(on_a)
        live = await Live.connect(b.url, sophie.token)

        posted: list[float] = []
        progress = asyncio.Event()
        stop = asyncio.Event()

        async def writer(k: int) -> None:
            names = ["cp", "noah", "hugo", "school"]
            i = 0
            while not stop.is_set():
                topic = topics[names[(i + k) % len(names)]]
                await say(topic.writers[i % len(topic.writers)], topic.id, f"Écrivain {k}, message {i}")
                posted.append(time.monotonic())
                progress.set()
                i += 1

        async def until_posted(count: int) -> None:
            async with asyncio.timeout(BOUND):
                while len(posted) < count:
                    progress.clear()
                    await progress.wait()

        writers = [asyncio.create_task(writer(k)) for k in range(3)]
        try:
            # Redis up: the path works.
            await asyncio.wait_for(live.until(lambda f: f["pos"] > live.ready_pos), BOUND)
            await until_posted(6)

            await private_redis.stop()
            down = await school_head(db, world.a.id)
            await b.until_bus(False)  # B has noticed
            async with asyncio.timeout(BOUND):  # and writes go on meanwhile
                while await school_head(db, world.a.id) < down + 20:  # noqa: ASYNC110 (PostgreSQL rings no bell)
                    await asyncio.sleep(0.02)
            private_redis.start()
            await private_redis.up()
            await until_posted(len(posted) + 6)
        finally:
            stop.set()
            await asyncio.gather(*writers)

        final = await expected(db, sophie.user_id, live.ready_pos)
        await asyncio.wait_for(live.until_pos(final[-1]), BOUND)
        assert positions(live.received) == final

        # Again, with nothing written after Redis comes back: no later doorbell
        # reads the gap, only B's re-read on reconnect (or its periodic check).
        await private_redis.stop()
        await b.until_bus(False)
        for i, name in enumerate(["cp", "hugo", "noah", "school"]):
            await say(topics[name].writers[0], topics[name].id, f"Pendant la panne {i}")
        private_redis.start()
        await private_redis.up()
        back_at = time.monotonic()
        final = await expected(db, sophie.user_id, live.ready_pos)
        await asyncio.wait_for(live.until_pos(final[-1]), BOUND)
        caught_up = time.monotonic() - back_at
        assert positions(live.received) == final
        assert live.connection.state is websockets.State.OPEN  # the same socket all along
        print(f"\n{len(final)} events; B delivered the last gap {caught_up:.1f} s after Redis came back")
        await live.close()
    finally:
        await on_a.aclose()


# 5. Concurrent writers and resuming readers ---------------------------------------------


async def test_concurrent_writers_and_resuming_readers_miss_nothing(server, api, db, world, topics):
    """300 posts (and read receipts) to 10 threads of one school at once, while
    readers resume again and again from the position they were given: each
    ends with exactly the user's positions, no skip, no duplicate."""
    a = world.a
    school = uuid.UUID(a.id)
    cp, ce1, director = (api(t) for t in (a.teachers["CP"].token, a.teachers["CE1"].token, a.director.token))
    all_topics = [
        *topics.values(),
        Topic(await announce(cp, "Piscine, suite", [a.classes["CP"]]), [cp]),
        Topic(await announce(ce1, "Bibliothèque", [a.classes["CE1"]]), [ce1]),
        Topic(await announce(director, "Photos de classe"), [director]),
    ]
    assert len(all_topics) == 10
    people = named(a, "claire", "sophie", "marc", "cp", "ce1", "director")
    start = await school_head(db, a.id)
    done = threading.Event()  # set once every write has committed
    last: dict[str, int] = {}  # each user's last position, known once done

    rounds: list[int] = []  # how many times each SQL reader resumed

    def sql_readers() -> dict[str, list[int]]:
        """Two readers a user, each `store.for_user` from the position it was
        given, as fast as they can: in a thread and an event loop of their own,
        so that they read while the server commits, not between its steps."""

        async def read(pool: asyncpg.Pool, user_id: str) -> list[int]:
            seen, pos, count = [], start, 0
            while True:
                finished = done.is_set()  # before the read: then the read sees every write
                events, pos = await realtime.for_user(pool, uuid.UUID(user_id), school, pos)
                seen += [e.pos for e in events]
                count += 1
                if finished and len(events) < 500:
                    rounds.append(count)
                    return seen

        async def main() -> dict[str, list[int]]:
            keys = [f"{key} sql {n}" for key in people for n in range(2)]
            pool = await create_pool(server.settings.database_url, max_size=len(keys))
            try:
                found = await asyncio.gather(*(read(pool, people[k.split()[0]].user_id) for k in keys))
            finally:
                await pool.close()
            return dict(zip(keys, found, strict=True))

        return asyncio.run(main())

    async def poll_reader(token: str, timeout: int) -> list[int]:
        client = api(token)
        seen, pos = [], start
        while True:
            finished = done.is_set()
            params = {"since": pos, "timeout": 0 if finished else timeout}
            body = (await client.get("/api/events", params=params)).json()
            seen += positions(body["events"])
            pos = body["pos"]
            if finished and len(body["events"]) < 500:
                return seen

    async def socket_flapper(key: str) -> list[int]:
        """A WebSocket that drops (like a phone losing the network) every few
        events, or when idle, and resumes from the last position it got."""
        seen: list[int] = []
        while not (done.is_set() and (seen[-1] if seen else start) >= last[key]):
            live = await Live.connect(server.url, people[key].token, since=seen[-1] if seen else start)
            try:
                for _ in range(random.randint(1, 8)):
                    seen.append((await asyncio.wait_for(live.next(), 0.3))["pos"])
            except TimeoutError:
                pass
            finally:
                # Not a polite close: the server may be blocked sending the
                # backlog to a client that stopped reading.
                live.connection.transport.abort()
        return seen

    steady = {
        key: await Live.connect(server.url, person.token, since=start) for key, person in people.items()
    }
    readers: dict[str, asyncio.Task] = {}
    in_thread = asyncio.create_task(asyncio.to_thread(sql_readers))
    for key, person in people.items():
        readers[f"{key} poll"] = asyncio.create_task(poll_reader(person.token, 0))
        readers[f"{key} long poll"] = asyncio.create_task(poll_reader(person.token, 5))
        readers[f"{key} flapper"] = asyncio.create_task(socket_flapper(key))

    marc_client, sophie_client, claire_client = (api(people[k].token) for k in ("marc", "sophie", "claire"))
    writes = [
        say(topic.writers[(i // 10) % len(topic.writers)], topic.id, f"Message concurrent {i}")
        for i, topic in ((i, all_topics[i % 10]) for i in range(300))
    ]
    for i in range(10):
        writes += [
            read_all(marc_client, topics["noah"].id if i % 2 else topics["ce1"].id),
            read_all(sophie_client, topics["hugo"].id if i % 2 else topics["school"].id),
            read_all(claire_client, topics["lea"].id if i % 2 else topics["cp"].id),
        ]
    random.shuffle(writes)
    try:
        began = time.monotonic()
        await asyncio.gather(*writes)
        writing = time.monotonic() - began
        for key, person in people.items():
            last[key] = ([start, *await expected(db, person.user_id, start)])[-1]
        done.set()
        _, pending = await asyncio.wait([in_thread, *readers.values()], timeout=BOUND)
        going = [n for n, t in {"sql readers": in_thread, **readers}.items() if t in pending]
        assert not going, f"readers still going: {going}"
        results = {name: task.result() for name, task in readers.items()} | in_thread.result()
        async with asyncio.timeout(BOUND):
            for key, live in steady.items():
                if last[key] > start:
                    await live.until_pos(last[key])
    finally:
        done.set()  # the thread's readers end in any case
        for task in readers.values():
            task.cancel()
        await asyncio.gather(in_thread, *readers.values(), return_exceptions=True)
        for live in steady.values():
            await live.close()

    end = await school_head(db, a.id)
    stream = await db.fetch(
        "SELECT pos FROM events WHERE stream_id = $1 AND pos > $2 ORDER BY pos", school, start
    )
    assert [r["pos"] for r in stream] == list(range(start + 1, end + 1))  # dense: no position lost
    counts = await db.fetch(
        "SELECT type, count(*) FROM events WHERE stream_id = $1 AND pos > $2 GROUP BY type", school, start
    )
    assert dict(counts)["message.created"] == 300
    wrong = {}
    for key, person in people.items():
        truth = await expected(db, person.user_id, start)
        assert truth and strictly_increasing(truth)
        results[f"{key} steady"] = positions(steady[key].received)
        for name, seen in results.items():
            if name.startswith(f"{key} ") and seen != truth:
                repeated = sorted(p for p in set(seen) if seen.count(p) > 1)
                wrong[name] = {"missing": sorted(set(truth) - set(seen)), "repeated": repeated}
    assert not wrong, f"{len(wrong)} of {len(results)} readers saw something else than the database: {wrong}"
    print(
        f"\n{end - start} events written in {writing:.1f} s; {len(results)} readers, "
        f"the SQL ones resumed {sum(rounds)} times"
    )


# 6. `ready` ---------------------------------------------------------------------------


async def test_ready_pos_is_where_the_live_stream_starts(server, api, db, world, topics):
    """A client that does not resume gets every event after `ready.pos` and
    none before, even when it connects in the middle of a burst of writes."""
    sophie = world.a.parents["cp"]
    before = await expected(db, sophie.user_id, 0)
    names = ["cp", "noah", "hugo", "school", "ce1"]

    clients: list[Live] = []

    async def connect() -> None:
        clients.append(await Live.connect(server.url, sophie.token))

    await connect()
    assert before[-1] <= clients[0].ready_pos
    for i in range(12):  # each round: five posts, and a client connecting meanwhile
        posts = [
            say(topics[n].writers[i % len(topics[n].writers)], topics[n].id, f"Rafale {i}") for n in names
        ]
        await asyncio.gather(*posts, connect())
    await connect()
    assert clients[-1].ready_pos <= await school_head(db, world.a.id)

    await say(topics["school"].writers[0], topics["school"].id, "Fin de la rafale")
    sentinel = (await expected(db, sophie.user_id, clients[-1].ready_pos))[-1]
    for live in clients:
        await live.until_pos(sentinel)
        assert positions(live.received) == await expected(db, sophie.user_id, live.ready_pos, sentinel)
        await live.close()
    assert len({live.ready_pos for live in clients}) > 2


async def test_resume_from_ahead_of_this_process_sends_nothing_older(server, api, db, world, topics):
    """A client that saw up to P on another process resumes here while this
    process has not yet heard of the last events (a doorbell lost or late):
    it must not receive again what it already has (pos <= P)."""
    sophie = world.a.parents["cp"]
    school = uuid.UUID(world.a.id)
    notifier = server.app.state.notifier
    # The periodic check is the test's to run, not the clock's: no race with it.
    await notifier.close()
    try:
        watcher = await Live.connect(server.url, sophie.token)  # this process follows the school
        # Events written by "another process" whose doorbell never reaches us.
        async with server.app.state.pool.acquire() as conn, conn.transaction():
            heads = await realtime.append(
                conn, school, [NewEvent("test.event", {"n": "unrung"}, [uuid.UUID(sophie.user_id)])]
            )
        p = heads[school]  # sophie's stream is her school's
        ahead = await Live.connect(server.url, sophie.token, since=p)
        assert ahead.ready_pos < p  # this process has not heard of it yet
        await notifier.check_all()  # what the periodic check does
        assert (await watcher.next())["pos"] == p
    finally:
        notifier.start()
    await say(topics["hugo"].writers[0], topics["hugo"].id, "Après la sonnette perdue")
    after = (await expected(db, sophie.user_id, p))[-1]
    assert positions([await ahead.next()]) == [after]
    await ahead.close()
    await watcher.close()


async def test_joining_while_the_last_connection_leaves_mid_catch_up(server, api):
    """The notifier forgets a school when its last connection leaves; a
    connection that registers while a catch-up of that school is reading
    (it waits for the catch-up's lock) must not join the forgotten entry,
    where no doorbell and no periodic check would ever reach it."""
    school_id, director = await school_with_director(api)
    school, me = uuid.UUID(school_id), uuid.UUID(director.user_id)
    pool = server.app.state.pool
    bus = MemoryBus()
    notifier = Notifier(pool, bus)

    async def write(n: int) -> int:
        async with change(pool, bus, school) as current:
            current.events.append(NewEvent("test.event", {"n": n}, [me]))
        return current.heads[school]

    try:
        leaving = Connection(me, school)
        await notifier.register(leaving)
        first = await write(1)  # rings: a catch-up starts, in a task of its own
        entry = notifier._streams[school]
        async with asyncio.timeout(BOUND):
            while not entry.lock.locked():  # noqa: ASYNC110 (until the catch-up is reading)
                await asyncio.sleep(0)
        notifier.unregister(leaving)  # the last connection leaves meanwhile
        joining = Connection(me, school)
        assert await notifier.register(joining) >= first  # after the catch-up
        second = await write(2)
        kind, pos, _ = await asyncio.wait_for(joining.queue.get(), BOUND)
        assert (kind, pos) == ("event", second)
    finally:
        await notifier.close()
        await bus.close()
