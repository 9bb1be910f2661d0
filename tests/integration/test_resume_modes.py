"""The three ways of saying where to resume from give the same events, in order."""

from __future__ import annotations

import uuid

import pytest

from tests.live import Live
from tests.world import announce


@pytest.mark.parametrize("how", ["resume", "auth", "url"])
async def test_resume_modes(server, api, db, world, how):
    a = world.a
    sophie = a.parents["cp"]
    since = (await api(sophie.token).get("/api/events")).json()["pos"]
    teacher = api(a.teachers["CP"].token)
    for i in range(3):
        response = await announce(teacher, f"Info {i}", class_ids=[a.classes["CP"]], body="…")
        assert response.status_code == 201
    expected = [
        r["pos"]
        for r in await db.fetch(
            "SELECT pos FROM event_recipients WHERE user_id = $1 AND pos > $2 ORDER BY pos",
            uuid.UUID(sophie.user_id),
            since,
        )
    ]
    assert len(expected) == 6
    live = await Live.connect(server.url, sophie.token, since=since, how=how)
    got = await live.until_pos(expected[-1])
    assert [e["pos"] for e in got] == expected
    await live.close()
