"""Events past the retention are forgotten; a client from further back is told to reload."""

from __future__ import annotations

import uuid

from liaison.realtime import store as realtime
from tests.live import Live
from tests.world import announce, build_world


async def test_pruned_events_give_a_reset_not_a_hole(server, api, db):
    world = await build_world(api)
    a = world.a
    teacher = api(a.teachers["CP"].token)
    sophie = api(a.parents["cp"].token)
    start = (await sophie.get("/api/events")).json()["pos"]
    for subject in ("Ancienne", "Récente"):
        response = await announce(teacher, subject, class_ids=[a.classes["CP"]], body="…")
        assert response.status_code == 201
    events = (await sophie.get("/api/events", params={"since": start, "timeout": 0})).json()["events"]
    assert len(events) == 4  # thread.created and message.created, twice
    old_pos = events[1]["pos"]
    school = uuid.UUID(a.id)
    await db.execute(
        "UPDATE events SET created_at = now() - interval '40 days' WHERE stream_id = $1 AND pos <= $2",
        school,
        old_pos,
    )
    async with db.acquire() as conn:
        assert await realtime.prune(conn, 30) >= 2

    head = (await sophie.get("/api/events")).json()["pos"]
    behind = (await sophie.get("/api/events", params={"since": start, "timeout": 0})).json()
    assert behind == {"events": [], "pos": head, "reset": True}
    # From just after the pruned part, resuming still works.
    recent = (await sophie.get("/api/events", params={"since": old_pos, "timeout": 0})).json()
    assert [e["type"] for e in recent["events"]] == ["thread.created", "message.created"]

    live = await Live.connect(server.url, a.parents["cp"].token, since=start)
    reset = await live.next("reset")
    assert reset["pos"] == head
    await live.close()
