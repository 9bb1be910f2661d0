"""Faults, one at a time, under a load of families and teachers posting over
HTTP and listening over WebSocket (resuming with their last `pos` after any
disconnection, as the web app does).

After each fault: every thread answered 201 is stored, every listener got
every event of its stream (compared with what `GET /api/events` says from
its first position: no gap) and each at most once after de-duplicating the
resumed overlap, and the service answers again by itself (recovery time
measured). The figures are printed (BENCHMARKS.md keeps them).

Notifications too: a quarter of the families and both teachers have a push
subscription on the real push receiver (tests/receivers.py: it checks VAPID
and decrypts), the other families get emails on the SMTP receiver; the grace
period is one second and nobody has quiet hours, so the worker sends during
the load. After each fault every expected notification (recipient, channel,
thread, seq) arrived, at most twice, and every delivery of the load ended
`sent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest
import websockets

from liaison.delivery.sender import STUCK_AFTER
from tests.faults.conftest import Deployment
from tests.receivers import PushReceiver
from tests.world import activate, add_staff, admin_token, create_school, families, import_roster, roster

pytestmark = pytest.mark.slow

FAMILIES_PER_CLASS = 20
ANNOUNCEMENTS_PER_TEACHER = 15
DEADLINE = 60.0
# Notifications retried after a failure wait the backoff (15 to 30 s for the first
# retry, liaison/delivery/policy.py retry_delay): their bound is longer.
NOTIFY_DEADLINE = 90.0
PUSH_EVERY = 4  # one family in PUSH_EVERY has a push subscription, the others email

Key = tuple[str, str, str, int]  # recipient, channel, thread id, seq


@dataclass
class User:
    name: str
    token: str
    home: int  # the web process this user's phone talks to first
    child_id: str | None = None
    class_id: str | None = None
    email: str | None = None
    subscription: str | None = None  # the push receiver's name for this user's phone
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
    notifications: int = 0  # expected (recipient, channel, thread, seq)
    pushes: int = 0  # distinct, arrived
    emails: int = 0
    notification_duplicates: int = 0  # arrivals beyond the first, all keys together
    most_per_key: int = 0
    notified_s: float = 0.0  # from the end of the fault to the last expected notification
    server_errors: int = 0  # posts answered 500 (retried with their client_id)
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.fault}: accepted {self.accepted}, stored {self.stored}, delivered {self.delivered} events, "
            f"duplicates after resume {self.duplicates}, reconnects {self.reconnects}, "
            f"recovery {self.recovery_s:.2f} s; notifications expected {self.notifications}, "
            f"arrived {self.pushes} push + {self.emails} email, duplicates {self.notification_duplicates} "
            f"(at most {self.most_per_key} per key), all arrived {self.notified_s:.1f} s after the fault"
            + (f"; {self.server_errors} posts answered 500 (then retried)" if self.server_errors else "")
            + (f"; {self.note}" if self.note else "")
        )


async def _request(
    deployment: Deployment,
    user: User,
    method: str,
    path: str,
    server_errors: list[str] | None = None,
    **kwargs: object,
) -> httpx.Response:
    """As a phone retrying through a load balancer: on a dropped connection or a
    503, the same request again (creates carry a client_id) on the next process.
    `server_errors`: a 500 is noted there and retried too (else it is answered)."""
    deadline = time.monotonic() + DEADLINE
    attempt = 0
    async with httpx.AsyncClient(timeout=10, headers={"Authorization": f"Bearer {user.token}"}) as client:
        while True:
            url = deployment.urls[(user.home + attempt) % len(deployment.urls)] + path
            try:
                response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
                if response.status_code == 500 and server_errors is not None:
                    server_errors.append(f"{method} {path}: {response.text[:200]}")
                elif response.status_code not in (502, 503, 504):
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
    push: PushReceiver

    @property
    def everyone(self) -> list[User]:
        return [*self.teachers, *self.parents]

    def by_subscription(self) -> dict[str, User]:
        return {u.subscription: u for u in self.everyone if u.subscription}

    def by_email(self) -> dict[str, User]:
        return {u.email.lower(): u for u in self.everyone if u.email}


async def build_world(deployment: Deployment, push: PushReceiver, families_per_class: int) -> World:
    """One school, two classes; a push subscription for the teachers and one family
    in PUSH_EVERY; no quiet hours for anyone (the suite must not depend on the hour)."""
    base = deployment.urls[0]

    def make(token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=base, headers=headers, timeout=30)

    anonymous = make()
    admin = make(await admin_token(anonymous))
    school = await create_school(admin)
    director = await add_staff(admin, anonymous, school, "director", "Mme Directrice", [])
    director_client = make(director.token)
    push.expect_vapid_key((await anonymous.get("/api/push/key")).json()["public_key"])

    async def settle(user: User, subscribe: bool) -> None:
        async with make(user.token) as client:
            me = (await client.get("/api/me")).json()
            user.class_id = me["classes"][0]["id"]
            response = await client.put("/api/me/preferences", json={"quiet_hours": None})
            assert response.status_code == 200, response.text
            if subscribe:
                user.subscription = f"{user.name}-phone".replace(" ", "-")
                response = await client.post(
                    "/api/push/subscriptions", json=push.new_subscription(user.subscription)
                )
                assert response.status_code in (200, 201), response.text

    teachers = []
    for index, class_name in enumerate(("CP", "CE1")):
        person = await add_staff(
            director_client, anonymous, school, "teacher", f"Enseignant {class_name}", [class_name]
        )
        teacher = User(class_name, person.token, index)
        await settle(teacher, subscribe=True)
        teachers.append(teacher)
    rows = families("CP", families_per_class) + families("CE1", families_per_class)
    imported = await import_roster(director_client, school, roster(rows))
    assert imported.status_code == 200, imported.text
    parents = []
    for index, guardian in enumerate(imported.json()["guardians"]):
        token = await activate(anonymous, guardian["activation_code"])
        parent = User(guardian["login"], token, index % 2, child_id=guardian["children"][0])
        await settle(parent, subscribe=index % PUSH_EVERY == 0)
        parents.append(parent)
    conn = await asyncpg.connect(deployment.env["DATABASE_URL"])
    try:  # the addresses mails go to (the API shows no one their own)
        emails = dict(await conn.fetch("SELECT login, email FROM users WHERE email IS NOT NULL"))
    finally:
        await conn.close()
    for parent in parents:
        parent.email = emails.get(parent.name)
    for client in (anonymous, admin, director_client):
        await client.aclose()
    return World(teachers, parents, User("director", director.token, 0), push)


@pytest.fixture(scope="module")
async def push() -> AsyncIterator[PushReceiver]:
    async with PushReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
async def world(deployment: Deployment, push: PushReceiver) -> World:
    return await build_world(deployment, push, FAMILIES_PER_CLASS)


@dataclass
class Load:
    """What a fault may look at: the load's start in the database's clock."""

    deployment: Deployment
    world: World
    since: dt.datetime

    async def count(self, where: str, *args: object) -> int:
        """Deliveries of this load matching `where` (SQL on the deliveries table;
        $2, $3... are `args`)."""
        conn = await asyncpg.connect(self.deployment.env["DATABASE_URL"])
        try:
            query = f"SELECT count(*) FROM deliveries WHERE created_at >= $1 AND {where}"
            return int(await conn.fetchval(query, self.since, *args))
        finally:
            await conn.close()

    async def until(self, where: str, at_least: int, what: str) -> None:
        """At least `at_least` deliveries of this load match `where`."""

        async def enough() -> bool:
            return await self.count(where) >= at_least

        await _until_async(enough, what)


async def _until_async(check: Callable[[], Awaitable[bool]], what: str, bound: float = DEADLINE) -> None:
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > bound:
            raise AssertionError(f"{what}: not within {bound:.0f} s")
        await asyncio.sleep(0.02)  # polling the worker's state in the database: no event to wait on


def _expected_notifications(world: World, threads: dict[str, tuple[User, str]]) -> set[Key]:
    """Who must be notified, by which channel: an announcement reaches every family of
    its class, a family's direct thread the class's teacher; push to whoever has a
    subscription, else email (policy.channels), seq 1 (every thread has one message)."""
    expected: set[Key] = set()
    for thread_id, (author, kind) in threads.items():
        if kind == "announcement":
            recipients = [p for p in world.parents if p.class_id == author.class_id]
        else:
            recipients = [t for t in world.teachers if t.class_id == author.class_id]
        for user in recipients:
            expected.add((user.name, "push" if user.subscription else "email", thread_id, 1))
    return expected


def _arrived(deployment: Deployment, world: World, threads: set[str]) -> Counter[Key]:
    """Every notification of these threads the receivers got, by key: a push by its
    subscription and payload, a mail by its recipient and Message-ID (thread, seq)."""
    arrived: Counter[Key] = Counter()
    subscribers = world.by_subscription()
    for delivery in list(world.push.deliveries):
        assert isinstance(delivery.payload, dict), delivery.payload
        thread_id = delivery.payload["thread_id"]
        if thread_id in threads:
            arrived[(subscribers[delivery.subscription_id].name, "push", thread_id, 1)] += 1
    addresses = world.by_email()
    for mail in list(deployment.smtp.mails):
        found = re.fullmatch(r"<thread-([0-9a-f-]{36})-(\d+)@[^>]+>", mail.header("Message-ID") or "")
        if found and found[1] in threads:
            for rcpt in mail.rcpt_tos:
                arrived[(addresses[rcpt.lower()].name, "email", found[1], int(found[2]))] += 1
    return arrived


async def _next_arrival(deployment: Deployment, world: World, seen: tuple[int, int], timeout: float) -> None:
    """Returns when either receiver has more than `seen` (pushes, mails), or after `timeout`."""
    waits = [
        asyncio.ensure_future(world.push.wait_for(seen[0] + 1, timeout=timeout)),
        asyncio.ensure_future(deployment.smtp.wait_for(seen[1] + 1, timeout=timeout)),
    ]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()
    await asyncio.gather(*waits, return_exceptions=True)


Fault = Callable[[Load], Awaitable[float]]


async def _load(
    deployment: Deployment,
    world: World,
    fault: Fault,
    name: str,
    announcements: int = ANNOUNCEMENTS_PER_TEACHER,
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
        user.progress = asyncio.Event()
    conn = await asyncpg.connect(deployment.env["DATABASE_URL"])
    try:
        load = Load(deployment, world, await conn.fetchval("SELECT now()"))
    finally:
        await conn.close()
    listeners = [asyncio.create_task(_listen(deployment, user, stop)) for user in world.everyone]
    for user in world.everyone:  # every listener has its `ready` before the first post
        await asyncio.wait_for(user.progress.wait(), DEADLINE)
    accepted: list[str] = []
    server_errors: list[str] = []
    threads: dict[str, tuple[User, str]] = {}
    tag = uuid.uuid4().hex[:6]

    async def post(user: User, body: dict) -> None:
        response = await _request(deployment, user, "POST", "/api/threads", server_errors, json=body)
        assert response.status_code in (200, 201), response.text
        thread_id = response.json()["thread"]["id"]
        accepted.append(thread_id)
        threads[thread_id] = (user, body["kind"])

    def posts(half: int) -> list[Awaitable[None]]:
        jobs: list[Awaitable[None]] = []
        for teacher in world.teachers:
            for n in range(half * announcements // 2, announcements if half else announcements // 2):
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
        figures.recovery_s = await fault(load)
        fault_ended = time.monotonic()
        await second_half
        figures.accepted = len(set(accepted))
        figures.server_errors = len(server_errors)

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

    # Notifications: every expected one arrives (after the retries' backoff), none more than twice.
    wanted = _expected_notifications(world, threads)
    ids = sorted(threads)
    deadline = time.monotonic() + NOTIFY_DEADLINE
    while True:
        seen = (len(world.push.deliveries), len(deployment.smtp.mails))  # before the check: no lost wake-up
        if wanted <= set(_arrived(deployment, world, set(ids))):
            break
        left = deadline - time.monotonic()
        if left <= 0:
            missing = sorted(wanted - set(_arrived(deployment, world, set(ids))))
            raise AssertionError(f"{len(missing)} notifications never arrived, e.g. {missing[:5]}")
        await _next_arrival(deployment, world, seen, left)
    figures.notified_s = time.monotonic() - fault_ended

    # Then every delivery of the load is final (an in-doubt resend included): sent, all of them.
    async def settled() -> bool:
        return await load.count("thread_id = ANY($2::uuid[]) AND state IN ('queued', 'sending')", ids) == 0

    await _until_async(settled, "every delivery of the load sent", NOTIFY_DEADLINE)
    unsent = await load.count("thread_id = ANY($2::uuid[]) AND state <> 'sent'", ids)
    assert unsent == 0, f"{unsent} deliveries of the load ended other than sent"
    counted = _arrived(deployment, world, set(ids))
    unexpected = set(counted) - wanted
    assert not unexpected, f"notifications nobody should get: {sorted(unexpected)[:5]}"
    figures.notifications = len(wanted)
    figures.pushes = sum(1 for key in counted if key[1] == "push")
    figures.emails = sum(1 for key in counted if key[1] == "email")
    figures.notification_duplicates = sum(n - 1 for n in counted.values())
    figures.most_per_key = max(counted.values(), default=0)
    assert figures.most_per_key <= 2, [key for key, n in counted.items() if n > 2][:5]
    print(f"\n{figures.line()}")
    return figures


async def _until(check: Callable[[], bool], what: str) -> float:
    """`check` runs in a thread (it may block on a socket): the receivers go on meanwhile."""
    started = time.monotonic()
    while not await asyncio.to_thread(check):
        if time.monotonic() - started > DEADLINE:
            raise AssertionError(f"{what}: not within {DEADLINE:.0f} s")
        await asyncio.sleep(0.05)  # polling a real process's recovery: there is no event to wait on
    return time.monotonic() - started


def _check(figures: Figures) -> None:
    assert figures.accepted == figures.stored
    assert figures.most_per_key <= 2
    assert figures.server_errors == 0, f"{figures.server_errors} posts answered 500"


async def test_sigkill_a_web_process(deployment: Deployment, world: World) -> None:
    async def fault(load: Load) -> float:
        started = time.monotonic()
        victim = deployment.webs[1]
        victim.popen.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.popen.wait, DEADLINE)
        # A supervisor restarts it; the other process answers meanwhile.
        assert await asyncio.to_thread(deployment.ready, 0)
        await asyncio.to_thread(deployment.start_web, 1)
        return time.monotonic() - started

    _check(await _load(deployment, world, fault, "SIGKILL web"))


async def test_restart_redis(deployment: Deployment, world: World) -> None:
    async def fault(load: Load) -> float:
        started = time.monotonic()
        await asyncio.to_thread(deployment.redis.stop)
        await asyncio.to_thread(deployment.redis.start)
        await _until(lambda: deployment.ready(0) and deployment.ready(1), "both webs ready after Redis")
        return time.monotonic() - started

    _check(await _load(deployment, world, fault, "Redis restart"))


async def test_sigkill_the_worker_in_the_middle_of_a_batch(deployment: Deployment, world: World) -> None:
    """Killed while deliveries are `sending` (pushes answered slowly, as a busy push
    service does, so that a batch is on the wire): the new worker sends those again
    once (in doubt), so each arrives, at most twice."""
    for user in world.everyone:
        if user.subscription:
            world.push.answer(user.subscription, *[("slow", 2.0)] * 3)
    in_flight: list[int] = []

    async def fault(load: Load) -> float:
        await load.until("channel = 'push' AND state = 'sending'", 1, "a push batch sending")
        assert deployment.worker is not None
        deployment.worker.popen.send_signal(signal.SIGKILL)
        started = time.monotonic()
        await asyncio.to_thread(deployment.worker.popen.wait, DEADLINE)
        conn = await asyncpg.connect(deployment.env["DATABASE_URL"])
        try:
            # The dead worker's claims: recovery takes a row back once it is STUCK_AFTER
            # (2 min) old. The suite does not wait those minutes: it ages the dead
            # worker's rows (and only them: the new worker's own are live).
            in_flight.extend(
                await conn.fetchval(
                    """WITH aged AS (UPDATE deliveries SET sending_since = sending_since - $1::interval
                                     WHERE state = 'sending' RETURNING id)
                       SELECT coalesce(array_agg(id), '{}') FROM aged""",
                    STUCK_AFTER,
                )
            )
        finally:
            await conn.close()
        deployment.start_worker()

        async def taken_back() -> bool:
            return await load.count("id = ANY($2::bigint[]) AND state = 'sending'", in_flight) == 0

        await _until_async(taken_back, "the dead worker's deliveries taken back")
        return time.monotonic() - started

    figures = await _load(deployment, world, fault, "SIGKILL worker mid-batch")
    figures.note = f"{len(in_flight)} deliveries sending at the kill"
    print(figures.note)
    assert in_flight
    _check(figures)


async def test_smtp_server_stopped_then_back(deployment: Deployment, world: World) -> None:
    """The SMTP server closed until mails of the load have failed, then back: each
    mail is retried after the backoff (15 to 30 s for a first retry) and arrives."""
    outage: list[float] = []

    async def fault(load: Load) -> float:
        await asyncio.to_thread(deployment.smtp.stop)
        started = time.monotonic()
        await load.until("channel = 'email' AND state = 'queued' AND error LIKE 'SMTP%'", 20, "mails failing")
        await asyncio.to_thread(deployment.smtp.start)
        outage.append(time.monotonic() - started)
        return outage[0]

    figures = await _load(deployment, world, fault, "SMTP server stopped")
    figures.note = f"SMTP down {outage[0]:.1f} s"
    print(figures.note)
    _check(figures)


async def test_push_service_answering_500_then_recovering(deployment: Deployment, world: World) -> None:
    outage: list[float] = []

    async def fault(load: Load) -> float:
        world.push.fail_all(500)
        started = time.monotonic()
        await load.until("channel = 'push' AND state = 'queued' AND error LIKE '%500%'", 10, "pushes failing")
        world.push.recover()
        outage.append(time.monotonic() - started)
        return outage[0]

    figures = await _load(deployment, world, fault, "push service 500")
    figures.note = f"push service answered 500 for {outage[0]:.1f} s"
    print(figures.note)
    _check(figures)


PG_FAMILIES_PER_CLASS = 8  # a smaller world: this test starts a deployment of its own


async def test_restart_postgres_fast_then_immediate(pg_deployment: Deployment) -> None:
    """PostgreSQL (a private one: the machine's is shared) stopped with a fast
    shutdown and started again, then with an immediate shutdown (a crash, for
    PostgreSQL: recovery at start) and started again. Meanwhile both webs answer 503
    with Retry-After, never 500; then 200 by themselves; nothing answered 201 is lost."""
    deployment = pg_deployment
    postgres = deployment.postgres
    assert postgres is not None and postgres.port is not None
    answers: Counter[str] = Counter()
    wrong: list[str] = []
    seen_503 = asyncio.Event()
    stop_probing = asyncio.Event()
    back: dict[str, float] = {}

    async with PushReceiver() as push:
        world = await build_world(deployment, push, PG_FAMILIES_PER_CLASS)
        director = world.director

        async def probe() -> None:
            """A signed-in request to each web, every 50 ms: what is answered."""
            headers = {"Authorization": f"Bearer {director.token}"}
            async with httpx.AsyncClient(timeout=5, headers=headers) as client:
                while not stop_probing.is_set():
                    for url in deployment.urls:
                        try:
                            response = await client.get(f"{url}/api/me")
                        except httpx.TransportError as error:
                            answers[type(error).__name__] += 1
                            continue
                        answers[str(response.status_code)] += 1
                        if response.status_code == 503:
                            seen_503.set()
                            if not response.headers.get("Retry-After"):
                                wrong.append("503 without Retry-After")
                            if response.json().get("error", {}).get("code") != "unavailable":
                                wrong.append(f"503 {response.text[:200]}")
                        elif response.status_code != 200:
                            wrong.append(f"{response.status_code} {response.text[:200]}")
                    await asyncio.sleep(0.05)  # a client's polling pace

        async def both_answer() -> bool:
            async with httpx.AsyncClient(
                timeout=5, headers={"Authorization": f"Bearer {director.token}"}
            ) as c:
                for url in deployment.urls:
                    try:
                        if (await c.get(f"{url}/api/me")).status_code != 200:
                            return False
                    except httpx.TransportError:
                        return False
            return True

        async def outage(name: str, shut_down: Callable[[], None]) -> None:
            seen_503.clear()
            await asyncio.to_thread(shut_down)
            await asyncio.wait_for(seen_503.wait(), DEADLINE)  # the webs noticed: 503 now
            await postgres.start(port=postgres.port)
            restarted = time.monotonic()
            await _until_async(both_answer, f"both webs answering 200 after the {name} restart")
            back[name] = time.monotonic() - restarted

        def immediate() -> None:
            process = postgres._process  # the helper keeps it; SIGQUIT is the immediate shutdown
            assert process is not None
            process.send_signal(signal.SIGQUIT)
            process.wait(DEADLINE)

        async def fault(load: Load) -> float:
            prober = asyncio.create_task(probe())
            started = time.monotonic()
            try:
                await outage("fast", postgres.stop)  # SIGINT: PostgreSQL's fast shutdown
                await outage("immediate", immediate)
            finally:
                stop_probing.set()
                await prober
            return time.monotonic() - started

        figures = await _load(deployment, world, fault, "PostgreSQL restart", announcements=6)
    figures.note = (
        f"answers meanwhile {dict(answers)}; 200 again {back['fast']:.2f} s after the fast restart, "
        f"{back['immediate']:.2f} s after the immediate one"
    )
    print(figures.note)
    assert answers["503"] > 0
    assert figures.accepted == figures.stored and figures.most_per_key <= 2
    # A write whose connection the shutdown cut is a 503 too (InterfaceError after
    # a lost connection), never a 500: nothing is lost, the phone retries.
    assert not wrong, wrong[:5]
    assert figures.server_errors == 0, figures.server_errors
