"""Several delivery loops at once, and killed ones: the duplicate bound.

`liaison worker` processes (DATABASE_URL, REDIS_URL, SECRET_KEY, REDIS_PREFIX of this
module's server, so that a message written wakes them through Redis) send to the real
push receiver; in-process Deliverers make claims overlap on purpose, and show that a
live worker's slow sends are not taken for a dead one's. The fixtures (a database of
its own, server, receivers, world) are those of test_delivery.py.
"""

# The fixtures of test_delivery.py are imported, and named again as parameters:
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiosmtpd.controller import Controller

import liaison.delivery.worker as worker_module
from liaison.bus import MemoryBus
from liaison.delivery.worker import Deliverer
from tests.conftest import ROOT, RunningServer, free_port
from tests.integration.test_cli import Liaison, clean_env
from tests.integration.test_delivery import (  # noqa: F401 (fixtures)
    WAIT,
    announce,
    dapi,
    delivery_database,
    dserver,
    next_paris_time,
    pool,
    push,
    running,
    set_preferences,
    settings,
    subscribe,
    until,
    world,
)
from tests.receivers import PushReceiver, SmtpReceiver
from tests.world import named

STARTED = "worker started"


@pytest.fixture
def workers(tmp_path: Path, dserver: RunningServer, smtp: SmtpReceiver) -> Iterator[Callable[[], Liaison]]:
    """`workers()` starts a `liaison worker` process for this module's database; all
    are ended at teardown (SIGINT to the group, then SIGKILL)."""
    started: list[Liaison] = []
    settings = dserver.settings

    def spawn() -> Liaison:
        env = clean_env(
            DATABASE_URL=settings.database_url or "",
            REDIS_URL=settings.redis_url or "",
            REDIS_PREFIX=settings.redis_prefix,
            SECRET_KEY=settings.secret_key,
            SMTP_URL=smtp.url,
            PUSH_ALLOW_PRIVATE_ENDPOINTS="true",
            LIAISON_DATA_DIR=str(tmp_path / "data"),
            LOG_LEVEL="INFO",
            # The code of this checkout, whatever the venv has installed.
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        process = Liaison(["worker"], env, tmp_path, f"worker{len(started)}")
        started.append(process)
        return process

    yield spawn
    for process in started:
        process.end()


async def wait_started(process: Liaison) -> None:
    deadline = time.monotonic() + WAIT
    while STARTED not in process.stderr:
        if process.popen.poll() is not None:
            process.fail("stopped before it started")
        if time.monotonic() > deadline:
            process.fail(f"did not log {STARTED!r} within {WAIT:g} s")
        await asyncio.sleep(0.05)


async def deliveries_in(pool: asyncpg.Pool, thread_ids: list[str]) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM deliveries WHERE thread_id = ANY($1::uuid[]) ORDER BY id",
        [uuid.UUID(t) for t in thread_ids],
    )


def received(push: PushReceiver) -> Counter[tuple[str, str]]:
    """How many times each subscription got each thread."""
    return Counter((d.subscription_id, d.payload["thread_id"]) for d in push.deliveries)


# == 8. two workers at once ==================================================================


async def test_two_workers_send_every_push_exactly_once(dapi, world, push, pool, workers):
    a = world.a
    people = named(a, "claire", "sophie", "marc", "cp", "ce1")
    subscriptions = []
    for name, person in people.items():
        client = dapi(person.token)
        await set_preferences(client, email="off")
        for device in range(3):
            subscriptions.append((await subscribe(client, push, f"{name}-{device}"))["endpoint"])
    director = dapi(a.director.token)

    async def wave(first: int, count: int) -> list[str]:
        posted = await asyncio.gather(
            *(announce(director, f"Information n° {i}", urgent=True) for i in range(first, first + count))
        )
        return [thread["id"] for thread, _ in posted]

    # A backlog waiting for both workers as they start, then a wave while they run.
    threads = await wave(0, 12)
    first, second = workers(), workers()
    await asyncio.gather(wait_started(first), wait_started(second))
    threads += await wave(12, 8)
    expected = len(threads) * len(subscriptions)  # 20 x 15 = 300 pushes
    await push.wait_for(expected, timeout=30)

    async def all_done() -> list[asyncpg.Record]:
        rows = await deliveries_in(pool, threads)
        return (
            rows
            if len(rows) == len(threads) * len(people) and all(r["state"] == "sent" for r in rows)
            else []
        )

    rows = await until(all_done, "every delivery marked sent", timeout=30)
    # Every delivery is `sent`: nothing can be sent again, and the receiver records a
    # push before answering it, so what it has is all there will ever be.
    counts = received(push)
    assert len(push.deliveries) == expected and set(counts.values()) == {1}, counts
    assert len(counts) == expected
    assert push.rejections == []
    assert {r["attempts"] for r in rows} == {1} and not any(r["in_doubt"] for r in rows)
    for process in (first, second):
        assert process.popen.poll() is None, process.stderr[-2000:]
        assert "Traceback" not in process.stderr, process.stderr[-4000:]


# == 9. a worker killed in the middle of a batch ===========================================


async def test_killed_worker_at_most_one_duplicate_then_given_up(
    dapi, world, push, pool, workers, running, monkeypatch
):
    a = world.a
    families = named(a, "claire", "sophie", "marc")
    subscriptions: dict[str, list[dict]] = {}
    for name, person in families.items():
        client = dapi(person.token)
        await set_preferences(client, email="off")
        subscriptions[name] = [await subscribe(client, push, f"{name}-{d}") for d in range(2)]
    director = dapi(a.director.token)
    batch = 2
    for subs in subscriptions.values():
        for sub in subs:
            push.answer(sub, *[("slow", 3)] * batch)  # worker A's sends hang on the wire
    first = workers()
    await wait_started(first)
    threads = [(await announce(director, f"Sortie n° {i}", urgent=True))[0]["id"] for i in range(batch)]
    pushes = batch * 6

    async def all_on_the_wire(count: int) -> bool:
        rows = await deliveries_in(pool, threads)
        return sum(push.arrived.values()) >= count and all(r["state"] == "sending" for r in rows)

    await until(lambda: all_on_the_wire(pushes), "every push of the batch on the wire")
    first.kill()  # SIGKILL: no clean-up, the deliveries stay `sending`
    rows = await deliveries_in(pool, threads)
    assert len(rows) == batch * 3 and {r["state"] for r in rows} == {"sending"}

    # A new worker. The recovery waits STUCK_AFTER (2 min) after `sending_since`: those
    # two minutes are taken off the rows instead of waited for.
    await pool.execute(
        "UPDATE deliveries SET sending_since = sending_since - interval '3 minutes' "
        "WHERE state = 'sending' AND thread_id = ANY($1::uuid[])",
        [uuid.UUID(t) for t in threads],
    )
    for sub in subscriptions["claire"]:
        push.answer(sub, *[("slow", 3)] * batch)  # Claire's second attempt hangs too
    second = workers()
    await wait_started(second)

    async def others_sent_claire_on_the_wire() -> bool:
        rows = await deliveries_in(pool, threads)
        claire = [r for r in rows if str(r["user_id"]) == families["claire"].user_id]
        others = [r for r in rows if r not in claire]
        return (
            all(r["state"] == "sent" and r["in_doubt"] for r in others)
            and all(r["state"] == "sending" and r["attempts"] == 2 for r in claire)
            and sum(push.arrived[f"claire-{d}"] for d in range(2)) == 2 * batch * 2
        )

    await until(others_sent_claire_on_the_wire, "the others re-sent, Claire's second try on the wire")
    second.kill()

    # A third worker, in this process, with STUCK_AFTER shortened (monkeypatched) rather
    # than rows aged: Claire's deliveries were interrupted twice, so they are given up.
    monkeypatch.setattr(worker_module, "STUCK_AFTER", dt.timedelta(seconds=1))
    running()

    async def claire_given_up() -> list[asyncpg.Record]:
        rows = [
            r for r in await deliveries_in(pool, threads) if str(r["user_id"]) == families["claire"].user_id
        ]
        return rows if all(r["state"] == "failed" for r in rows) else []

    for row in await until(claire_given_up, "Claire's deliveries given up"):
        assert row["error"] == "issue inconnue après deux interruptions" and row["in_doubt"]

    # Every hanging push completes at the receiver (the sender's death does not stop
    # it): each subscription got each message twice at most, and at least once.
    await push.wait_for(pushes * 2)
    counts = received(push)
    names = [f"{name}-{d}" for name in families for d in range(2)]
    assert sorted(counts) == sorted((name, t) for name in names for t in threads)  # nothing lost
    assert set(counts.values()) == {2}, counts  # the duplicate, and only one
    assert sum(push.arrived.values()) == pushes * 2  # nobody sent a third time
    assert push.rejections == []


async def test_concurrent_claims_never_share_a_delivery(dapi, world, push, pool, settings):
    """Six delivery loops (a pool each) stepping at the same instant on one backlog: their
    claims overlap in PostgreSQL, and still no delivery is sent twice. The backlog is
    made by quiet hours: expanded at 22:00, everything is due at 07:00 at once."""
    a = world.a
    people = list(named(a, "claire", "sophie", "marc", "cp", "ce1").values())
    for index, person in enumerate(people):
        client = dapi(person.token)
        await set_preferences(client, email="off", quiet_hours={"start": "20:00", "end": "07:00"})
        await subscribe(client, push, f"p{index}")
    director = dapi(a.director.token)
    posted = await asyncio.gather(*(announce(director, f"Note n° {i}") for i in range(40)))
    threads = [thread["id"] for thread, _ in posted]
    night = next_paris_time(22, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))
    clock = {"now": night}
    pools = [await asyncpg.create_pool(settings.database_url, min_size=2, max_size=4) for _ in range(6)]
    loops = [Deliverer(p, MemoryBus(), settings, clock=lambda: clock["now"]) for p in pools]
    try:
        for deliverer in loops:
            await deliverer.start()
        await loops[0].step()  # 22:00: every delivery queued for 07:00
        rows = await deliveries_in(pool, threads)
        assert len(rows) == len(threads) * len(people) and {r["state"] for r in rows} == {"queued"}
        clock["now"] = min(r["due_at"] for r in rows)
        for _ in range(3):
            await asyncio.gather(*(deliverer.step() for deliverer in loops))
            await asyncio.gather(*(task for deliverer in loops for task in list(deliverer.in_flight)))
    finally:
        for deliverer in loops:
            await deliverer.close()
        for p in pools:
            await p.close()
    counts = received(push)
    assert len(counts) == len(threads) * len(people) and set(counts.values()) == {1}, counts
    rows = await deliveries_in(pool, threads)
    assert {r["state"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}


class SlowRelay:
    """An SMTP server that takes `delay` seconds per mail, as a slow relay does."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.rcpts: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        self.rcpts.extend(envelope.rcpt_tos)
        return "250 OK"


async def test_mails_waiting_their_turn_are_not_taken_for_stuck(
    dapi, world, pool, dserver, running, monkeypatch
):
    """One SMTP connection sends one mail at a time: with a slow relay, the mails of a
    batch stay `sending` longer than STUCK_AFTER while their worker is alive and busy.
    They are not a dead worker's: none may be sent twice. (STUCK_AFTER is shortened to
    2 s, the relay takes 0.5 s a mail and nine mails are due at once: in proportion, 120 s
    against a relay taking 30 s a mail, or 7 s for 540 families at once.)"""
    monkeypatch.setattr(worker_module, "STUCK_AFTER", dt.timedelta(seconds=2))
    relay = SlowRelay(0.5)
    await asyncio.to_thread(relay.controller.start)
    try:
        a = world.a
        families = {"both": "claire", "cp": "sophie", "ce1": "marc"}
        for label in families:
            await set_preferences(dapi(a.parents[label].token))
        deliverer = running(smtp_url=f"smtp://127.0.0.1:{relay.port}")
        director = dapi(a.director.token)
        threads = [(await announce(director, f"Message n° {i}", urgent=True))[0]["id"] for i in range(3)]

        async def all_sent() -> bool:
            rows = [r for r in await deliveries_in(pool, threads) if r["channel"] == "email"]
            return len(rows) == 9 and all(r["state"] == "sent" for r in rows) and not deliverer.in_flight

        await until(all_sent, "the nine mails sent, nothing in flight", timeout=30)
        rows = await deliveries_in(pool, threads)
        taken_for_stuck = [
            (r["id"], r["attempts"], r["in_doubt"]) for r in rows if r["in_doubt"] or r["attempts"] != 1
        ]
        assert taken_for_stuck == [], "(id, attempts, in_doubt) of deliveries recovered from a live worker"
        counts = Counter(address.split(".", 1)[0] for address in relay.rcpts)
        assert counts == {name: 3 for name in families.values()}, relay.rcpts
    finally:
        await asyncio.to_thread(relay.controller.stop)
