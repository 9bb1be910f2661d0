"""One event stream per person when an account spans several schools
(`users.stream_id`, see the design note in `liaison/realtime/__init__.py`).

A family with a child in school A and one in school B follows ONE stream,
its positions only grow whichever school writes; an event to people of two
streams is written once in each; a circonscription's team member, in no
school, has a stream of their own. What a client receives is compared,
position by position, with what PostgreSQL says the user may see.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from liaison.accounts import store as accounts
from liaison.core.events import NewEvent
from liaison.realtime import store as realtime
from liaison.realtime.writer import change
from tests.conftest import Clients
from tests.live import Live
from tests.world import World, announce, build_world, thread_and_message

BOUND = 20.0  # seconds: the bound of every wait for something to happen


async def expected(db: asyncpg.Pool, user_id: str, after: int) -> list[int]:
    """The positions the user may see after `after`, in order."""
    rows = await db.fetch(
        "SELECT pos FROM event_recipients WHERE user_id = $1 AND pos > $2 ORDER BY pos",
        uuid.UUID(user_id),
        after,
    )
    return [r["pos"] for r in rows]


def increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


async def new_announcement(client: httpx.AsyncClient, subject: str, class_id: str) -> str:
    response = await announce(client, subject, class_ids=[class_id], body=f"{subject} : détails.")
    return thread_and_message(response)[0]["id"]


async def say(client: httpx.AsyncClient, thread_id: str, body: str) -> None:
    response = await client.post(f"/api/threads/{thread_id}/messages", json={"body": body})
    assert response.status_code == 201, response.text


async def long_poll_all(client: httpx.AsyncClient, since: int) -> list[dict[str, Any]]:
    """Every event after `since`, page after page, without waiting."""
    events: list[dict[str, Any]] = []
    while True:
        body = (await client.get("/api/events", params={"since": since, "timeout": 0})).json()
        assert "reset" not in body, body
        events += body["events"]
        if body["pos"] == since:
            return events
        since = body["pos"]


@pytest.fixture(scope="module")
async def family(api: Clients, db: asyncpg.Pool) -> World:
    """The world, where Sophie (a parent of school A, Hugo in CP) is also the
    guardian of Jade, in CM1 in school B."""
    world = await build_world(api)
    await db.execute(
        "INSERT INTO guardianships (child_id, user_id, relationship) VALUES ($1, $2, 'Mère')",
        uuid.UUID(world.b.children["Jade"]),
        uuid.UUID(world.a.parents["cp"].user_id),
    )
    return world


async def test_a_family_of_two_schools_follows_one_stream(server, api, db, family):
    """Sophie's one socket and her long polling get the announcements of both
    schools with growing positions of her stream; the announcement of B is
    written once in B's stream (for B's people) and once in Sophie's."""
    a, b = family.a, family.b
    sophie = a.parents["cp"]
    row = await db.fetchrow(
        "SELECT stream_id, person_schools(id) AS schools FROM users WHERE id = $1", uuid.UUID(sophie.user_id)
    )
    assert row["stream_id"] == uuid.UUID(a.id)
    assert sorted(row["schools"]) == sorted([f"{a.id}:parent", f"{b.id}:parent"])
    me = api(sophie.token)
    start = (await me.get("/api/events")).json()["pos"]
    live = await Live.connect(server.url, sophie.token)
    assert live.ready_pos == start

    in_a = await new_announcement(api(a.teachers["CP"].token), "Piscine en CP", a.classes["CP"])
    in_b = await new_announcement(api(b.teachers["CM1"].token), "Chorale en CM1", b.classes["CM1"])
    in_a_again = await new_announcement(api(a.teachers["CP"].token), "Photos en CP", a.classes["CP"])

    truth = await expected(db, sophie.user_id, start)
    assert len(truth) == 6 and increasing(truth)  # thread.created and message.created, three times
    got = await live.until_pos(truth[-1])
    await live.close()
    assert [e["pos"] for e in got] == truth
    threads = [e["data"]["id"] for e in got if e["type"] == "thread.created"]
    assert threads == [in_a, in_b, in_a_again]  # in the order written, school after school
    assert [e["pos"] for e in await long_poll_all(me, start)] == truth
    assert (await me.get("/api/events")).json()["pos"] == truth[-1]

    # B's announcement: one copy of each of its events per stream, each with
    # its own recipients; Sophie's copy is in A's stream, never B's.
    copies = await db.fetch(
        """SELECT e.stream_id, e.type, array_agg(r.user_id::text ORDER BY r.user_id) AS users
           FROM events e JOIN event_recipients r ON r.stream_id = e.stream_id AND r.pos = e.pos
           WHERE e.stream_id = ANY($1::uuid[]) AND $2 IN (e.data->>'id', e.data->>'thread_id')
           GROUP BY e.stream_id, e.pos, e.type""",
        [uuid.UUID(a.id), uuid.UUID(b.id)],
        in_b,
    )
    by_stream: dict[str, dict[str, list[str]]] = {}
    for copy in copies:
        assert copy["type"] not in by_stream.setdefault(str(copy["stream_id"]), {})  # once per stream
        by_stream[str(copy["stream_id"])][copy["type"]] = copy["users"]
    assert by_stream[a.id] == {"thread.created": [sophie.user_id], "message.created": [sophie.user_id]}
    in_stream_b = by_stream[b.id]["thread.created"]
    assert b.parents["cm1"].user_id in in_stream_b and sophie.user_id not in in_stream_b
    assert by_stream[b.id]["message.created"] == in_stream_b


async def test_resume_is_gap_free_while_both_schools_write(server, api, db, family):
    """The teachers of A and B post at once, with changes whose events go to
    both streams (written concurrently, locking both streams, never
    deadlocking), while Sophie's readers follow: a steady socket, a socket
    that drops and resumes again and again, long polling. Each ends with
    exactly her positions, no skip, no duplicate; her stream stays dense."""
    a, b = family.a, family.b
    sophie, luc = a.parents["cp"], b.parents["cm1"]
    me = api(sophie.token)
    teacher_a, teacher_b = api(a.teachers["CP"].token), api(b.teachers["CM1"].token)
    thread_a = await new_announcement(teacher_a, "Cahier de liaison A", a.classes["CP"])
    thread_b = await new_announcement(teacher_b, "Cahier de liaison B", b.classes["CM1"])
    start = (await me.get("/api/events")).json()["pos"]
    steady = await Live.connect(server.url, sophie.token, since=start)
    # Once every write has committed: Sophie's last position.
    final: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def at_end(pos: int) -> bool:
        return final.done() and pos >= final.result()

    async def dropping() -> list[int]:
        """A socket that drops after a few events and resumes from the last one."""
        seen, pos, sockets = [], start, 0
        while not at_end(pos):
            live = await Live.connect(server.url, sophie.token, since=pos)
            sockets += 1
            for _ in range(3):
                frame = asyncio.ensure_future(live.next())
                await asyncio.wait([frame, final], return_when=asyncio.FIRST_COMPLETED)
                if not frame.done() and at_end(pos):
                    frame.cancel()
                    break
                pos = (await frame)["pos"]
                seen.append(pos)
            live.connection.transport.abort()  # the network drops, frames still on the way
        assert sockets > 10
        return seen

    async def polling() -> list[int]:
        seen, pos = [], start
        while not at_end(pos):
            body = (
                await me.get("/api/events", params={"since": pos, "timeout": 0 if final.done() else 1})
            ).json()
            seen += [e["pos"] for e in body["events"]]
            pos = body["pos"]
        return seen

    pool, bus = server.app.state.pool, server.app.state.bus
    both = [uuid.UUID(sophie.user_id), uuid.UUID(luc.user_id)]

    async def to_both(n: int) -> dict[uuid.UUID, int]:
        recipients = random.sample(both, 2)  # in any order: the streams are locked in one
        async with change(pool, bus, uuid.UUID(b.id)) as current:
            current.events.append(NewEvent("test.event", {"n": n}, recipients))
        return current.heads

    readers = [asyncio.create_task(dropping()), asyncio.create_task(polling())]
    writes = [
        *(say(teacher_a, thread_a, f"A {i}") for i in range(25)),
        *(say(teacher_b, thread_b, f"B {i}") for i in range(25)),
        *(to_both(i) for i in range(25)),
    ]
    random.shuffle(writes)
    try:
        results = await asyncio.gather(*writes)
        truth = await expected(db, sophie.user_id, start)
        final.set_result(truth[-1])
        async with asyncio.timeout(BOUND):
            dropped, polled = await asyncio.gather(*readers)
            await steady.until_pos(truth[-1])
    finally:
        for task in readers:
            task.cancel()
        await steady.close()
    heads = [r for r in results if r]
    assert len(heads) == 25 and all(set(h) == {uuid.UUID(a.id), uuid.UUID(b.id)} for h in heads)

    assert increasing(truth)
    kinds = await db.fetch(
        """SELECT e.type, count(*) FROM event_recipients r
           JOIN events e ON e.stream_id = r.stream_id AND e.pos = r.pos
           WHERE r.user_id = $1 AND r.pos > $2 GROUP BY e.type""",
        uuid.UUID(sophie.user_id),
        start,
    )
    assert {k["type"]: k["count"] for k in kinds} == {"message.created": 50, "test.event": 25}
    for name, seen in {
        "steady": [f["pos"] for f in steady.received],
        "dropping": dropped,
        "polling": polled,
    }.items():
        assert seen == truth, (name, sorted(set(truth) - set(seen)))
    end = await realtime.head(db, uuid.UUID(a.id))
    stream = await db.fetch(
        "SELECT pos FROM events WHERE stream_id = $1 AND pos > $2 ORDER BY pos", uuid.UUID(a.id), start
    )
    assert [r["pos"] for r in stream] == list(range(start + 1, end + 1))  # dense: no position lost
    # Luc, in B's stream only, got each change once, there.
    luc_streams = await db.fetch(
        """SELECT e.stream_id FROM event_recipients r
           JOIN events e ON e.stream_id = r.stream_id AND e.pos = r.pos
           WHERE r.user_id = $1 AND e.type = 'test.event'""",
        uuid.UUID(luc.user_id),
    )
    assert [str(r["stream_id"]) for r in luc_streams] == [b.id] * 25


async def test_a_circonscription_member_has_a_stream_of_their_own(server, api, db, family):
    """A member of a circonscription's team (no school) follows the
    circonscription's stream: socket and long polling, from position 0."""
    tag = uuid.uuid4().hex[:8]
    circonscription = await db.fetchval(
        "INSERT INTO circonscriptions (name, name_key) VALUES ($1, $1) RETURNING id", f"circo {tag}"
    )
    async with db.acquire() as conn:
        ien = await accounts.create_user(
            conn,
            role="circonscription",
            school_id=None,
            display_name=f"M. l'IEN {tag}",
            login=f"ien.{tag}",
            circonscription_id=circonscription,
        )
        token, _ = await accounts.create_session(conn, ien.id, 1)
    assert ien.stream_id == circonscription
    assert await db.fetchval("SELECT stream_id FROM users WHERE id = $1", ien.id) == circonscription
    me = api(token)
    assert (await me.get("/api/events")).json() == {"events": [], "pos": 0}
    live = await Live.connect(server.url, token)
    assert live.ready_pos == 0

    director = uuid.UUID(family.a.director.user_id)
    pool, bus = server.app.state.pool, server.app.state.bus
    async with change(pool, bus, uuid.UUID(family.a.id)) as current:
        current.events.append(NewEvent("test.event", {"n": "circo"}, [ien.id, director]))
    assert set(current.heads) == {circonscription, uuid.UUID(family.a.id)}
    assert current.heads[circonscription] == 1

    frame = await live.next()
    await live.close()
    assert frame == {"type": "test.event", "pos": 1, "data": {"n": "circo"}}
    assert (await me.get("/api/events", params={"since": 0, "timeout": 0})).json() == {
        "events": [frame],
        "pos": 1,
    }
    # The director got the same event in A's stream, at A's position.
    director_events = await api(family.a.director.token).get(
        "/api/events", params={"since": current.heads[uuid.UUID(family.a.id)] - 1, "timeout": 0}
    )
    assert director_events.json()["events"] == [
        {"type": "test.event", "pos": current.heads[uuid.UUID(family.a.id)], "data": {"n": "circo"}}
    ]
