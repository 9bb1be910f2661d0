"""A director closes a conversation to new messages and reopens it (issue 13,
"Floods"): posting is refused with nothing written, reading still works, open
screens follow live, and only the director of the thread's school may do it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.live import Live
from tests.world import announce, thread_and_message, write_direct


def tag() -> str:
    return uuid.uuid4().hex[:12]


async def count_messages(db, thread_id: str) -> int:
    return await db.fetchval("SELECT count(*) FROM messages WHERE thread_id = $1", uuid.UUID(thread_id))


async def director_writes_about_hugo(api, world) -> dict:
    """A direct thread about Hugo (CP) by the director: she, the CP teacher and Sophie."""
    director = api(world.a.director.token)
    thread, _ = thread_and_message(await write_direct(director, world.a.children["Hugo"], f"Cantine {tag()}"))
    return thread


def refused_as_closed(response) -> None:
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "thread_closed" and error["message"]


async def test_close_refuses_posts_with_nothing_written_then_reopen_accepts(server, api, world, db):
    a = world.a
    director, teacher, sophie = (api(p.token) for p in (a.director, a.teachers["CP"], a.parents["cp"]))
    thread = await director_writes_about_hugo(api, world)
    assert thread["closed_at"] is None
    thread_id = thread["id"]
    early = await sophie.post(
        f"/api/threads/{thread_id}/messages", json={"body": "Merci", "client_id": tag()}
    )
    assert early.status_code == 201, early.text
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)

    closed = await director.post(f"/api/threads/{thread_id}/close")
    assert closed.status_code == 200, closed.text
    closed_at = closed.json()["thread"]["closed_at"]
    assert closed_at is not None and closed.json()["thread"]["id"] == thread_id
    event = await sophie_live.next("thread.updated")
    assert event["data"]["thread_id"] == thread_id and event["data"]["closed_at"] == closed_at
    assert event["data"]["by"]["id"] == a.director.user_id

    # Closing again answers the same, and tells nobody again (the next event is the reopening).
    again = await director.post(f"/api/threads/{thread_id}/close")
    assert again.status_code == 200 and again.json()["thread"]["closed_at"] == closed_at

    # Everyone, the director included, is refused; nothing is written.
    before = await count_messages(db, thread_id)
    for client in (sophie, teacher, director):
        refused_as_closed(
            await client.post(
                f"/api/threads/{thread_id}/messages", json={"body": "Encore", "client_id": tag()}
            )
        )
    assert await count_messages(db, thread_id) == before == 2
    # Scheduling a message into it is refused too.
    send_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    refused_as_closed(
        await teacher.post(
            f"/api/threads/{thread_id}/messages", json={"body": "Plus tard", "send_at": send_at}
        )
    )
    # Reading still works, and shows it closed.
    read = await sophie.get(f"/api/threads/{thread_id}")
    assert read.status_code == 200 and read.json()["thread"]["closed_at"] == closed_at
    assert [m["seq"] for m in read.json()["messages"]] == [1, 2]
    inbox = (await sophie.get("/api/threads")).json()["threads"]
    assert next(t for t in inbox if t["id"] == thread_id)["closed_at"] == closed_at
    assert (await sophie.post(f"/api/threads/{thread_id}/read", json={"seq": 2})).status_code == 204

    reopened = await director.post(f"/api/threads/{thread_id}/reopen")
    assert reopened.status_code == 200 and reopened.json()["thread"]["closed_at"] is None
    event = await sophie_live.next("thread.updated")
    assert event["data"] == {"thread_id": thread_id, "closed_at": None, "by": event["data"]["by"]}
    assert (await director.post(f"/api/threads/{thread_id}/reopen")).json()["thread"]["closed_at"] is None

    posted = await sophie.post(
        f"/api/threads/{thread_id}/messages", json={"body": "Bien reçu", "client_id": tag()}
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["seq"] == 3  # no seq was taken while it was closed
    assert (await sophie_live.next("message.created"))["data"]["seq"] == 3
    await sophie_live.close()


async def test_a_retried_post_sent_before_the_close_gets_its_first_answer(api, world):
    """A phone retrying a message that went through before the close gets it back, not 409."""
    director, sophie = api(world.a.director.token), api(world.a.parents["cp"].token)
    thread_id = (await director_writes_about_hugo(api, world))["id"]
    sent = {"body": "Je viendrai à 16 h 30.", "client_id": tag()}
    first = await sophie.post(f"/api/threads/{thread_id}/messages", json=sent)
    assert first.status_code == 201
    assert (await director.post(f"/api/threads/{thread_id}/close")).status_code == 200
    retried = await sophie.post(f"/api/threads/{thread_id}/messages", json=sent)
    assert retried.status_code == 201 and retried.json()["id"] == first.json()["id"]


async def test_private_replies_to_a_closed_announcement_or_into_a_closed_reply(api, world, db):
    a = world.a
    director, sophie = api(a.director.token), api(a.parents["cp"].token)
    announced, _ = thread_and_message(
        await announce(director, f"Kermesse {tag()}", class_ids=[a.classes["CP"]])
    )
    replied = await sophie.post(
        f"/api/threads/{announced['id']}/reply-privately", json={"body": "Je peux aider."}
    )
    private, _ = thread_and_message(replied)
    # The family's private conversation closed: answering the announcement again is refused.
    assert (await director.post(f"/api/threads/{private['id']}/close")).status_code == 200
    refused_as_closed(
        await sophie.post(f"/api/threads/{announced['id']}/reply-privately", json={"body": "Et le gâteau ?"})
    )
    assert await count_messages(db, private["id"]) == 1
    assert (await director.post(f"/api/threads/{private['id']}/reopen")).status_code == 200
    # The announcement itself closed: no reply to it either.
    assert (await director.post(f"/api/threads/{announced['id']}/close")).status_code == 200
    refused_as_closed(
        await sophie.post(f"/api/threads/{announced['id']}/reply-privately", json={"body": "Et le gâteau ?"})
    )
    assert await count_messages(db, private["id"]) == 1
    # The private conversation, open, still takes messages.
    direct_post = await sophie.post(f"/api/threads/{private['id']}/messages", json={"body": "Et le gâteau ?"})
    assert direct_post.status_code == 201, direct_post.text


# The authorisation matrix: who may close (and reopen) a direct thread about Hugo
# (CP, school A) written by the director: its members are the director, the CP
# teacher and Sophie.
MATRIX = [
    ("director_a", 200),
    ("teacher_cp", 403),  # a member, not the director
    ("parent_cp", 403),  # the family
    ("teacher_ce1", 404),  # not in it
    ("parent_ce1", 404),  # another family
    ("director_b", 404),  # another school's director
    ("admin", 404),  # in no family's conversation
    ("anonymous", 401),
]


def person_of(world, who: str):
    a, b = world.a, world.b
    return {
        "director_a": a.director,
        "teacher_cp": a.teachers["CP"],
        "parent_cp": a.parents["cp"],
        "teacher_ce1": a.teachers["CE1"],
        "parent_ce1": a.parents["ce1"],
        "director_b": b.director,
        "admin": None,
        "anonymous": None,
    }[who]


@pytest.mark.parametrize(("who", "status"), MATRIX)
async def test_who_may_close_and_reopen(api, world, who, status):
    thread_id = (await director_writes_about_hugo(api, world))["id"]
    person = person_of(world, who)
    token = world.admin if who == "admin" else (person.token if person else None)
    client = api(token)
    for action in ("close", "reopen"):
        response = await client.post(f"/api/threads/{thread_id}/{action}")
        assert response.status_code == status, (action, response.text)
    # Whoever was refused, the thread is still open.
    read = await api(world.a.director.token).get(f"/api/threads/{thread_id}")
    assert read.json()["thread"]["closed_at"] is None


async def test_an_unknown_thread_is_not_found(api, world):
    director = api(world.a.director.token)
    assert (await director.post(f"/api/threads/{uuid.uuid4()}/close")).status_code == 404
