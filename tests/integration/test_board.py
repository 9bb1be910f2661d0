"""The board of an announcement: paper signatures, reminders, the state of each
family, who may follow it, and classes in school order."""

from __future__ import annotations

import pytest

from liaison.directory.csv_import import class_key
from tests.live import Live
from tests.world import announce, families, import_roster, roster, school_with_director, write_direct


async def test_paper_signatures_count_and_reminders_once_a_day(server, api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    created = await announce(
        teacher,
        "Autorisation de sortie",
        class_ids=[a.classes["CP"]],
        body="Merci de signer.",
        require_ack=True,
    )
    thread_id = created.json()["thread"]["id"]
    board_live = await Live.connect(server.url, a.teachers["CP"].token)
    assert (await api(a.parents["cp"].token).post(f"/api/threads/{thread_id}/ack")).status_code == 200

    recorded = await teacher.post(
        f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Léa"]}
    )
    assert recorded.status_code == 201 and recorded.json()["on_paper"] is True
    paper_event = await board_live.until(lambda f: f["type"] == "ack.created" and f["data"].get("on_paper"))
    assert paper_event["data"]["child_ids"] == [a.children["Léa"]]

    board = (await teacher.get(f"/api/threads/{thread_id}/receipts")).json()
    assert board["summary"]["acked"] == 2
    # Signed on paper: reached, even though no channel says so.
    assert board["summary"]["unreached"] == 0
    lea = next(f for f in board["families"] if f["child"]["id"] == a.children["Léa"])
    assert lea["acked_on_paper"] is True and lea["acked_at"]
    hugo = next(f for f in board["families"] if f["child"]["id"] == a.children["Hugo"])
    assert hugo["acked_on_paper"] is False
    # Claire (Léa's guardian) sees her family signed.
    assert (await api(a.parents["both"].token).get(f"/api/threads/{thread_id}")).json()["thread"]["acked_at"]
    # Everyone signed: no slip left to print.
    assert '<section class="slip">' not in (await teacher.get(f"/api/threads/{thread_id}/paper")).text

    assert (await teacher.post(f"/api/threads/{thread_id}/remind")).status_code == 201
    again = await teacher.post(f"/api/threads/{thread_id}/remind")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reminded"
    # Families cannot use the board's actions.
    assert (await api(a.parents["cp"].token).post(f"/api/threads/{thread_id}/remind")).status_code == 403
    sophie = api(a.parents["cp"].token)
    forged = await sophie.post(f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Hugo"]})
    assert forged.status_code == 403
    outsider = await api(world.b.teachers["CM1"].token).post(
        f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Léa"]}
    )
    assert outsider.status_code == 404
    await board_live.close()


async def test_a_family_nobody_can_tell_is_unreached_at_once(api, world):
    """Sophie turned push and email off: nothing will ever reach Hugo's family, red
    at once; Léa's family (Claire's email waits its grace period) is pending."""
    a = world.a
    director = api(a.director.token)
    sophie = api(a.parents["cp"].token)
    changed = await sophie.put("/api/me/preferences", json={"email": "off", "push": False})
    assert changed.status_code == 200, changed.text
    thread_id = (await announce(director, "Cantine", class_ids=[a.classes["CP"]])).json()["thread"]["id"]
    board = (await director.get(f"/api/threads/{thread_id}/receipts")).json()
    hugo, lea = (
        next(f for f in board["families"] if f["child"]["id"] == a.children[n]) for n in ("Hugo", "Léa")
    )
    assert (hugo["state"], hugo["notify_at"]) == ("unreached", None)
    assert lea["state"] == "pending" and lea["notify_at"]
    assert (board["summary"]["unreached"], board["summary"]["pending"]) == (1, 1)
    assert hugo["class"] == {"id": a.classes["CP"], "name": "CP"}
    assert board["classes"] == [{"id": a.classes["CP"], "name": "CP", "families": 2}]
    # One slip: Hugo's; Léa's family will be told by its own notifications.
    paper = (await director.get(f"/api/threads/{thread_id}/paper")).text
    assert paper.count('<section class="slip">') == 1 and "<strong>Hugo" in paper
    assert "1 autre famille sera prévenue par ses notifications" in paper


async def test_the_board_says_when_the_families_were_last_reminded(api, world):
    a = world.a
    teacher = api(a.teachers["CE1"].token)
    thread_id = (
        await announce(teacher, "Photo de classe", class_ids=[a.classes["CE1"]], require_ack=True)
    ).json()["thread"]["id"]
    assert (await teacher.get(f"/api/threads/{thread_id}/receipts")).json()["reminded_at"] is None
    reminded = await teacher.post(f"/api/threads/{thread_id}/remind")
    assert reminded.status_code == 201
    board = (await teacher.get(f"/api/threads/{thread_id}/receipts")).json()
    assert board["reminded_at"] == reminded.json()["reminded_at"]
    # Again the same day (the director, say): refused, saying when it went and when it may go again.
    again = await api(a.director.token).post(f"/api/threads/{thread_id}/remind")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reminded"
    message = again.json()["error"]["message"]
    assert message.startswith("Les familles ont déjà été relancées ") and "demain à" in message


async def test_the_author_of_a_direct_thread_follows_its_receipts(api, world):
    """API.md: the receipts and the slips are for "the author and the staff who can
    see the thread"; acting on the board (remind, paper signatures) is the staff's."""
    a = world.a
    marc = api(a.parents["ce1"].token)
    made = await write_direct(marc, a.children["Noah"], "Rendez-vous")
    thread_id = made.json()["thread"]["id"]
    board = await marc.get(f"/api/threads/{thread_id}/receipts")
    assert board.status_code == 200, board.text
    [noah] = board.json()["families"]
    assert noah["child"]["id"] == a.children["Noah"] and noah["state"] == "read"  # he wrote it
    assert (await marc.get(f"/api/threads/{thread_id}/paper")).status_code == 200
    assert (await marc.post(f"/api/threads/{thread_id}/remind")).status_code == 403
    forged = await marc.post(f"/api/threads/{thread_id}/paper-acks", json={"child_id": a.children["Noah"]})
    assert forged.status_code == 403
    # The teacher may see the board; nothing to remind in a thread that asks for no signature.
    teacher = api(a.teachers["CE1"].token)
    assert (await teacher.get(f"/api/threads/{thread_id}/receipts")).status_code == 200
    remind = await teacher.post(f"/api/threads/{thread_id}/remind")
    assert remind.status_code == 409 and remind.json()["error"]["code"] == "ack_not_required"
    # Another family of the school does not know the thread exists.
    assert (await api(a.parents["cp"].token).get(f"/api/threads/{thread_id}/receipts")).status_code == 404


# -- classes in school order ------------------------------------------------------------------

LEVELS = [
    ("TPS", 0), ("PS", 1), ("Petite section", 1), ("MS", 2), ("PS-MS", 1), ("GS", 3),
    ("Grande Section", 3), ("GS/CP", 3), ("CP", 4), ("CP A", 4), ("CPb", 4), ("CE1", 5),
    ("CE 1", 5), ("CE1-CE2", 5), ("CE2", 6), ("Ce2 B", 6), ("CM1", 7), ("Classe de CM1", 7),
    ("CM2", 8), ("CM2–B", 8), ("ULIS", 9), ("UPE2A", 9), ("Psychomotricité", 9),
]  # fmt: skip


@pytest.mark.parametrize(("name", "rank"), LEVELS)
async def test_the_level_of_a_class_from_its_name(db, name, rank):
    assert await db.fetchval("SELECT class_level_rank($1)", class_key(name)) == rank


async def test_classes_come_in_school_order(api):
    school_id, director = await school_with_director(api)
    principal = api(director.token)
    scrambled = ["CM2", "CE1 B", "ULIS", "PS", "CE1 A", "GS", "CP", "MS", "CE2-CM1", "CM1", "CE2"]
    made = await principal.post(
        f"/api/schools/{school_id}/staff",
        json={"role": "teacher", "display_name": "Mme Tous", "class_names": scrambled},
    )
    assert made.status_code == 201, made.text
    in_order = ["PS", "MS", "GS", "CP", "CE1 A", "CE1 B", "CE2", "CE2-CM1", "CM1", "CM2", "ULIS"]
    classes = (await principal.get("/api/me")).json()["classes"]
    assert [c["name"] for c in classes] == in_order
    # The board of a school-wide announcement: class by class, in that order.
    rows = [row for name in reversed(scrambled) for row in families(name, 2)]
    assert (await import_roster(principal, school_id, roster(rows))).status_code == 200
    thread_id = (await announce(principal, "Kermesse")).json()["thread"]["id"]
    board = (await principal.get(f"/api/threads/{thread_id}/receipts")).json()
    assert [c["name"] for c in board["classes"]] == in_order
    assert all(c["families"] == 2 for c in board["classes"])
    shown = [f["class"]["name"] for f in board["families"]]
    assert shown == [name for name in in_order for _ in range(2)]
