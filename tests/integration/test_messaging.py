"""Threads, messages, read receipts and signatures, end to end over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import uuid

from tests.live import Live
from tests.world import announce, direct, write_direct


async def test_announcement_reaches_families_live_and_receipts_follow(server, api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)
    teacher_live = await Live.connect(server.url, a.teachers["CP"].token)
    response = await announce(teacher, class_ids=[a.classes["CP"]], require_ack=True, client_id="annonce-1")
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    message = response.json()["message"]
    assert (thread["kind"], thread["last_seq"], thread["read_seq"], thread["unread"]) == (
        "announcement",
        1,
        1,
        0,
    )
    assert message["seq"] == 1 and message["author"]["id"] == a.teachers["CP"].user_id

    created = await sophie_live.next("thread.created")
    assert created["data"]["id"] == thread["id"] and created["data"]["require_ack"] is True
    arrived = await sophie_live.next("message.created")
    assert arrived["data"]["body"] == message["body"] and arrived["pos"] > created["pos"]

    # Sophie's inbox shows it unread; she reads it; the teacher sees it live.
    sophie = api(a.parents["cp"].token)
    inbox = (await sophie.get("/api/threads")).json()["threads"]
    mine = next(t for t in inbox if t["id"] == thread["id"])
    assert (mine["unread"], mine["read_seq"], mine["acked_at"]) == (1, 0, None)
    assert (await sophie.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})).status_code == 204
    receipt = await teacher_live.until(lambda f: f["type"] == "receipt.updated")
    assert receipt["data"]["user_id"] == a.parents["cp"].user_id and receipt["data"]["read_seq"] == 1

    # She signs for the family; the teacher sees it live; signing again changes nothing.
    signed = await sophie.post(f"/api/threads/{thread['id']}/ack")
    assert signed.status_code == 200
    ack = await teacher_live.until(lambda f: f["type"] == "ack.created")
    assert ack["data"]["acked_at"] == signed.json()["acked_at"]
    again = await sophie.post(f"/api/threads/{thread['id']}/ack")
    assert again.json() == signed.json()

    board = (await teacher.get(f"/api/threads/{thread['id']}/receipts")).json()
    hugo = next(f for f in board["families"] if f["child"]["id"] == a.children["Hugo"])
    assert hugo["acked_at"] == signed.json()["acked_at"] and hugo["read_at"]
    lea = next(f for f in board["families"] if f["child"]["id"] == a.children["Léa"])
    assert lea["read_at"] is None and lea["acked_at"] is None
    assert {g["display_name"].split()[0] for g in lea["guardians"]} == {"Claire", "Paul"}
    # Léa's family: Claire has an address, her email waits for the grace period
    # (or the quiet hours): pending, not unreached.
    assert board["summary"] == {"families": 2, "read": 1, "acked": 1, "unreached": 0, "pending": 1}
    assert (lea["state"], hugo["state"]) == ("pending", "acked") and lea["notify_at"]

    # The same create again (a phone retrying) gives the first result.
    replay = await announce(teacher, class_ids=[a.classes["CP"]], require_ack=True, client_id="annonce-1")
    assert replay.status_code == 201 and replay.json()["thread"]["id"] == thread["id"]
    await sophie_live.close()
    await teacher_live.close()


async def test_direct_thread_between_family_and_teacher(server, api, world):
    a = world.a
    marc = api(a.parents["ce1"].token)
    teacher_live = await Live.connect(server.url, a.teachers["CE1"].token)
    response = await write_direct(
        marc, a.children["Noah"], "Rendez-vous", "Bonjour, pourrions-nous nous voir ?"
    )
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    assert thread["child_id"] == a.children["Noah"] and thread["class_ids"] == [a.classes["CE1"]]
    assert (await teacher_live.next("thread.created"))["data"]["id"] == thread["id"]
    teacher = api(a.teachers["CE1"].token)
    reply = await teacher.post(
        f"/api/threads/{thread['id']}/messages", json={"body": "Bien sûr, mardi 16h30 ?"}
    )
    assert reply.status_code == 201 and reply.json()["seq"] == 2
    full = (await marc.get(f"/api/threads/{thread['id']}")).json()
    assert [m["seq"] for m in full["messages"]] == [1, 2]
    assert full["thread"]["unread"] == 1
    # Nobody else sees it: the other teacher, the director (not included), another family.
    for token in (a.teachers["CP"].token, a.director.token, a.parents["cp"].token, world.b.director.token):
        assert (await api(token).get(f"/api/threads/{thread['id']}")).status_code == 404
    await teacher_live.close()


async def test_concurrent_posts_get_seqs_without_gaps(api, world):
    a = world.a
    teacher = api(a.teachers["CE1"].token)
    created = await write_direct(teacher, a.children["Noah"], "Suivi", "Premier message")
    thread_id = created.json()["thread"]["id"]
    clients = [api(a.teachers["CE1"].token), api(a.parents["ce1"].token)]
    responses = await asyncio.gather(
        *(
            clients[i % 2].post(f"/api/threads/{thread_id}/messages", json={"body": f"message {i}"})
            for i in range(50)
        )
    )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    assert sorted(r.json()["seq"] for r in responses) == list(range(2, 52))
    listed = (await teacher.get(f"/api/threads/{thread_id}/messages", params={"limit": 200})).json()[
        "messages"
    ]
    assert [m["seq"] for m in listed] == list(range(1, 52))


async def test_same_client_id_concurrently_creates_once(api, world):
    a = world.a
    marc = api(a.parents["ce1"].token)
    client_id = f"retry-{uuid.uuid4().hex[:8]}"
    body = direct(a.children["Noah"], "Absence", "Noah sera absent.", client_id=client_id)
    responses = await asyncio.gather(*(marc.post("/api/threads", json=body) for _ in range(5)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["thread"]["id"] for r in responses}) == 1
    assert len({r.json()["message"]["id"] for r in responses}) == 1


async def test_families_answer_announcements_privately(api, world):
    a = world.a
    director = api(a.director.token)
    created = await announce(director)
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    claire = api(a.parents["both"].token)
    refused = await claire.post(f"/api/threads/{thread_id}/messages", json={"body": "Merci !"})
    assert refused.status_code == 403
    first = await claire.post(
        f"/api/threads/{thread_id}/reply-privately", json={"body": "Merci, Léa viendra."}
    )
    assert first.status_code == 201, first.text
    private = first.json()["thread"]
    assert private["kind"] == "direct" and private["reply_to_thread_id"] == thread_id
    second = await claire.post(f"/api/threads/{thread_id}/reply-privately", json={"body": "Inès aussi."})
    assert second.json()["thread"]["id"] == private["id"] and second.json()["message"]["seq"] == 2
    # The director (author) sees it; the CP teacher and other families do not.
    assert (await director.get(f"/api/threads/{private['id']}")).status_code == 200
    assert (await api(a.parents["cp"].token).get(f"/api/threads/{private['id']}")).status_code == 404


async def test_read_positions_only_move_forward(api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    created = await announce(teacher, class_ids=[a.classes["CP"]])
    thread_id = created.json()["thread"]["id"]
    await teacher.post(f"/api/threads/{thread_id}/messages", json={"body": "Précision : départ 8h30."})
    sophie = api(a.parents["cp"].token)
    assert (await sophie.post(f"/api/threads/{thread_id}/read", json={"seq": 2})).status_code == 204
    assert (await sophie.post(f"/api/threads/{thread_id}/read", json={"seq": 1})).status_code == 204
    assert (await sophie.post(f"/api/threads/{thread_id}/read", json={"seq": 99})).status_code == 204
    thread = (await sophie.get(f"/api/threads/{thread_id}")).json()["thread"]
    assert (thread["read_seq"], thread["unread"]) == (2, 0)


async def test_inbox_pages_and_unread_filter(api, world):
    a = world.a
    teacher = api(a.teachers["CE1"].token)
    ids = []
    for i in range(5):
        r = await announce(teacher, f"Info {i}", class_ids=[a.classes["CE1"]])
        ids.append(r.json()["thread"]["id"])
    marc = api(a.parents["ce1"].token)
    await marc.post(f"/api/threads/{ids[0]}/read", json={"seq": 1})
    seen, cursor = [], None
    while True:
        page = (
            await marc.get("/api/threads", params={"limit": 2, **({"next": cursor} if cursor else {})})
        ).json()
        seen += [t["id"] for t in page["threads"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen[:5] == list(reversed(ids)) and len(seen) == len(set(seen))
    unread = (await marc.get("/api/threads", params={"unread": "true", "limit": 200})).json()["threads"]
    assert ids[0] not in {t["id"] for t in unread} and ids[1] in {t["id"] for t in unread}
    assert (await marc.get("/api/threads", params={"next": "nimportequoi"})).status_code == 400


async def test_a_message_keeps_its_layout(api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    body = "  À apporter :\n  1. Cahier\n  2. Trousse\n\n"
    created = await write_direct(teacher, a.children["Hugo"], "  Fournitures  ", body)
    assert created.status_code == 201, created.text
    assert created.json()["message"]["body"] == body
    assert created.json()["thread"]["subject"] == "Fournitures"
    shown = (await api(a.parents["cp"].token).get(f"/api/threads/{created.json()['thread']['id']}")).json()
    assert shown["messages"][0]["body"] == body


async def test_signing_is_reading(api, world):
    a = world.a
    teacher = api(a.teachers["CE1"].token)
    created = await announce(teacher, class_ids=[a.classes["CE1"]], require_ack=True)
    thread_id = created.json()["thread"]["id"]
    marc = api(a.parents["ce1"].token)
    assert (await marc.post(f"/api/threads/{thread_id}/ack")).status_code == 200
    mine = (await marc.get(f"/api/threads/{thread_id}")).json()["thread"]
    assert (mine["read_seq"], mine["unread"]) == (1, 0) and mine["acked_at"]
    board = (await teacher.get(f"/api/threads/{thread_id}/receipts")).json()
    noah = next(f for f in board["families"] if f["child"]["id"] == a.children["Noah"])
    assert noah["read_at"] and noah["acked_at"]


async def test_recall_and_correct(server, api, db, world):
    a = world.a
    teacher = api(a.teachers["CE1"].token)
    created = await write_direct(teacher, a.children["Noah"], "Goûter", "Goûter demain.")
    thread_id = created.json()["thread"]["id"]
    marc_live = await Live.connect(server.url, a.parents["ce1"].token)
    second = await teacher.post(
        f"/api/threads/{thread_id}/messages", json={"body": "Erreur : c'est jeudi, pas demain."}
    )
    assert second.status_code == 201
    jobs_before = await db.fetchval(
        "SELECT count(*) FROM notification_jobs WHERE thread_id = $1 AND seq = 2 AND done_at IS NULL",
        uuid.UUID(thread_id),
    )
    assert jobs_before == 1  # its notification waits for the grace period

    # Recalled within 15 minutes: gone for everyone, its notification dropped.
    assert (await teacher.delete(f"/api/threads/{thread_id}/messages/2")).status_code == 204
    recalled = await marc_live.until(lambda f: f["type"] == "message.recalled")
    assert (
        recalled["data"]["seq"] == 2
        and recalled["data"]["recalled"] is True
        and recalled["data"]["body"] == ""
    )
    shown = (await api(a.parents["ce1"].token).get(f"/api/threads/{thread_id}")).json()["messages"]
    assert [(m["seq"], m["recalled"], m["body"]) for m in shown] == [
        (1, False, "Goûter demain."),
        (2, True, ""),
    ]
    assert (
        await db.fetchval(
            "SELECT count(*) FROM notification_jobs WHERE thread_id = $1 AND seq = 2 AND done_at IS NULL",
            uuid.UUID(thread_id),
        )
        == 0
    )
    assert (await teacher.delete(f"/api/threads/{thread_id}/messages/2")).status_code == 404

    # Corrected: shown as corrected, nobody notified again (no new job).
    corrected = await teacher.patch(f"/api/threads/{thread_id}/messages/1", json={"body": "Goûter jeudi."})
    assert (
        corrected.status_code == 200
        and corrected.json()["edited_at"]
        and corrected.json()["body"] == "Goûter jeudi."
    )
    updated = await marc_live.until(lambda f: f["type"] == "message.updated")
    assert updated["data"]["body"] == "Goûter jeudi."
    assert (
        await db.fetchval("SELECT count(*) FROM notification_jobs WHERE thread_id = $1", uuid.UUID(thread_id))
        == 2
    )

    # Only the author, and not too late.
    assert (
        await api(a.parents["ce1"].token).delete(f"/api/threads/{thread_id}/messages/1")
    ).status_code == 403
    await db.execute(
        "UPDATE messages SET created_at = now() - interval '16 minutes' WHERE thread_id = $1 AND seq = 1",
        uuid.UUID(thread_id),
    )
    late = await teacher.delete(f"/api/threads/{thread_id}/messages/1")
    assert late.status_code == 409 and late.json()["error"]["code"] == "too_late"
    assert (
        await api(a.teachers["CP"].token).delete(f"/api/threads/{thread_id}/messages/1")
    ).status_code == 404
    await marc_live.close()


async def test_a_private_reply_is_filed_under_the_family_first_child(api, world):
    """Claire has Léa in CP and Inès, the elder, in CE1. Her reply to a whole-school
    announcement is about her family, filed under its first child in school order
    (Léa, CP): the child under which the class lists show the family first, not
    the eldest by birth date as before. It stays out of the teachers' sight."""
    a = world.a
    director = api(a.director.token)
    thread_id = (await announce(director, "Grève jeudi")).json()["thread"]["id"]
    claire = api(a.parents["both"].token)
    reply = await claire.post(
        f"/api/threads/{thread_id}/reply-privately", json={"body": "Ils resteront à la maison."}
    )
    assert reply.status_code == 201, reply.text
    private = reply.json()["thread"]
    assert private["child_id"] == a.children["Léa"] and private["class_ids"] == [a.classes["CP"]]
    assert (await director.get(f"/api/threads/{private['id']}")).status_code == 200
    assert (await api(a.teachers["CE1"].token).get(f"/api/threads/{private['id']}")).status_code == 404

    # A class announcement addresses one of her children only: that one.
    ce1 = await announce(api(a.teachers["CE1"].token), "Piscine", class_ids=[a.classes["CE1"]])
    reply = await claire.post(
        f"/api/threads/{ce1.json()['thread']['id']}/reply-privately", json={"body": "Oui"}
    )
    assert reply.json()["thread"]["child_id"] == a.children["Inès"]
