"""Scheduled messages: nobody sees them or is notified before their time (a fixed clock)."""

from __future__ import annotations

import datetime as dt
import uuid

from liaison.core.clock import iso
from liaison.core.context import Context
from liaison.scheduling import sender, service
from tests.world import announce, calendar_of, write_direct


async def test_a_scheduled_announcement_appears_at_its_time(server, api, db, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    send_at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    subject = f"Rappel photo de classe {uuid.uuid4().hex[:6]}"
    response = await announce(
        teacher,
        subject,
        class_ids=[a.classes["CP"]],
        body="Demain, photo de classe.",
        send_at=send_at.isoformat(),
    )
    assert response.status_code == 202, response.text
    scheduled = response.json()["scheduled"]
    # On a day off of the school, it goes at the same time of the next school day.
    calendar = await calendar_of(teacher, a.id)
    assert scheduled["send_at"] == iso(calendar.next_school_moment(send_at))
    send_at = dt.datetime.fromisoformat(scheduled["send_at"].replace("Z", "+00:00"))
    assert (await teacher.get("/api/scheduled")).json()["scheduled"][0]["id"] == scheduled["id"]

    sophie = api(a.parents["cp"].token)
    inbox = lambda: sophie.get("/api/threads", params={"limit": 200})  # noqa: E731
    assert subject not in {t["subject"] for t in (await inbox()).json()["threads"]}
    assert await db.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 0

    # Other tests of this database schedule posts too: count this one's thread, not the calls' totals.
    ctx = Context(server.app.state.pool, server.app.state.bus, server.settings)
    await service.send_due(ctx, send_at - dt.timedelta(seconds=1), sender.send)
    assert await db.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 0
    await service.send_due(ctx, send_at, sender.send)
    assert subject in {t["subject"] for t in (await inbox()).json()["threads"]}
    # Sent once: again at a later time nothing more goes.
    await service.send_due(ctx, send_at + dt.timedelta(hours=1), sender.send)
    assert await db.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 1
    assert (await teacher.get("/api/scheduled")).json()["scheduled"] == []


async def test_scheduled_message_cancel_and_validation(server, api, db, world):
    a = world.a
    marc = api(a.parents["ce1"].token)
    created = await write_direct(marc, a.children["Noah"], "Cantine", "Bonjour")
    thread_id = created.json()["thread"]["id"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).isoformat()
    scheduled = await marc.post(
        f"/api/threads/{thread_id}/messages", json={"body": "Noah mangera à la cantine.", "send_at": later}
    )
    assert scheduled.status_code == 202
    scheduled_id = scheduled.json()["scheduled"]["id"]
    assert (await api(a.parents["cp"].token).delete(f"/api/scheduled/{scheduled_id}")).status_code == 404
    assert (await marc.delete(f"/api/scheduled/{scheduled_id}")).status_code == 204
    ctx = Context(server.app.state.pool, server.app.state.bus, server.settings)
    await service.send_due(ctx, dt.datetime.now(dt.UTC) + dt.timedelta(days=1), sender.send)
    messages = (await marc.get(f"/api/threads/{thread_id}/messages")).json()["messages"]
    assert [m["seq"] for m in messages] == [1]

    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    refused = await marc.post(f"/api/threads/{thread_id}/messages", json={"body": "x", "send_at": past})
    assert refused.status_code == 422 and "send_at" in refused.json()["error"]["fields"]
    other = await api(world.b.parents["cm1"].token).post(
        f"/api/threads/{thread_id}/messages", json={"body": "x", "send_at": later}
    )
    assert other.status_code == 404
    bad = await marc.post(
        "/api/threads", json={"kind": "direct", "subject": "x", "body": "y", "send_at": later}
    )
    assert bad.status_code == 422 and "child_id" in bad.json()["error"]["fields"]
