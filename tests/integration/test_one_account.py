"""One person, one account: a family known in two schools, a teacher shared by
two schools, another school's letter joined to a family's account; and what
each school sees stays its own (the director of A learns nothing of B)."""

from __future__ import annotations

import io
import uuid

import asyncpg
import httpx
from PIL import Image

from tests.conftest import Clients
from tests.world import World, activate, announce, direct, import_roster, roster


def _tag(world: World) -> str:
    """The tag build_world put in every family name of this world."""
    return next(iter(world.a.parents.values())).display_name.split()[-1].removeprefix("Martin")


async def _members(client: httpx.AsyncClient, class_id: str) -> dict:
    response = await client.get(f"/api/classes/{class_id}/members")
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_family_known_in_another_school_keeps_one_account(
    api: Clients, world: World, db: asyncpg.Pool
) -> None:
    tag = _tag(world)
    claire = world.a.parents["both"]
    director_a, director_b = api(world.a.director.token), api(world.b.director.token)
    rows = [
        # Claire, as school B's roster writes her: her address in capitals.
        ("PS", f"Martin{tag}", "Zoé", "04/04/2023", f"MARTIN{tag}", "claire", f"Claire.{tag}@Example.FR", "Mère"),
        ("PS", f"Roux{tag}", "Tom", "05/05/2023", f"Roux{tag}", "Nadia", f"nadia.{tag}@example.fr", "Mère"),
    ]  # fmt: skip
    first = await import_roster(director_b, world.b.id, roster(rows))
    assert first.status_code == 200, first.text
    imported = first.json()
    assert imported["guardians_created"] == 1 and imported["children_created"] == 2
    by_name = {g["display_name"].split()[0]: g for g in imported["guardians"]}
    assert by_name["Claire"]["user_id"] == claire.user_id
    assert by_name["Claire"]["existing_account"] is True and by_name["Claire"]["activation_code"] is None
    assert by_name["Nadia"]["existing_account"] is False and by_name["Nadia"]["activation_code"]
    zoe = by_name["Claire"]["children"][0]

    again = (await import_roster(director_b, world.b.id, roster(rows))).json()
    assert again["guardians_created"] == 0 and again["children_created"] == 0
    assert [(g["user_id"], g["existing_account"], g["children"]) for g in again["guardians"]] == [
        (g["user_id"], g["existing_account"], g["children"]) for g in imported["guardians"]
    ]
    assert [g["activation_code"] is None for g in again["guardians"]] == [True, False]
    identities = await db.fetchval(
        "SELECT count(*) FROM guardian_identities WHERE user_id = $1", uuid.UUID(claire.user_id)
    )
    assert identities == 2  # one in each school

    # No letter from B for a family that has its account through A.
    letters_b = await director_b.get(f"/api/schools/{world.b.id}/activation-letters")
    assert letters_b.status_code == 200
    assert f"Roux{tag}" in letters_b.text and "Zoé" not in letters_b.text

    # The family sees both schools, every child and class.
    me = (await api(claire.token).get("/api/me")).json()
    assert me["school"]["id"] == world.a.id
    assert [s["id"] for s in me["schools"]] == [world.a.id, world.b.id]
    assert me["user"]["school_ids"] == [world.a.id, world.b.id]
    children = {c["first_name"]: c["school_id"] for c in me["children"]}
    assert children == {"Léa": world.a.id, "Inès": world.a.id, "Zoé": world.b.id}
    assert {c["school_id"] for c in me["classes"]} == {world.a.id, world.b.id}
    assert {s["id"]: (s["circonscription_id"], s["rpi_id"]) for s in me["schools"]} == {
        world.a.id: (None, None),
        world.b.id: (None, None),
    }

    # B writes to its families: Claire reads it; A's director sees nothing of it.
    subject = f"Kermesse de l'école B {tag}"
    posted = await announce(director_b, subject, body=f"Zoé et les PS {tag} chantent.")
    assert posted.status_code == 201, posted.text
    thread_b = posted.json()["thread"]["id"]
    inbox = (await api(claire.token).get("/api/threads")).json()["threads"]
    assert thread_b in [t["id"] for t in inbox]

    # What A's director is shown, everywhere, says nothing of B.
    answers = []
    for class_id in world.a.classes.values():
        members = await _members(director_a, class_id)
        assert {c["school_id"] for c in members["children"]} == {world.a.id}
        assert "Zoé" not in {c["first_name"] for c in members["children"]}
        answers.append(members)
    thread_a = (await announce(director_a, f"Piscine {tag}", require_ack=True)).json()["thread"]["id"]
    answers.append((await director_a.get(f"/api/threads/{thread_a}/receipts")).json())
    answers.append((await director_a.get("/api/threads")).json())
    answers.append((await director_a.get("/api/search", params={"q": "Kermesse"})).json())
    answers.append((await director_a.get("/api/search", params={"q": "Zoé"})).json())
    letters_a = await director_a.get(f"/api/schools/{world.a.id}/activation-letters")
    assert (await director_a.get(f"/api/threads/{thread_b}")).status_code == 404
    seen = "\n".join([letters_a.text, *(str(a) for a in answers)])
    for secret in (world.b.id, zoe, thread_b, "Zoé", "Kermesse", "Victor-Hugo"):
        assert secret not in seen, secret
    assert (await director_a.get(f"/api/schools/{world.b.id}/activation-letters")).status_code == 404


async def test_a_teacher_shared_by_two_schools_has_one_account(
    api: Clients, world: World, db: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:6]
    email = f"remplacant.{tag}@example.fr"
    director_a, director_b = api(world.a.director.token), api(world.b.director.token)
    created = await director_a.post(
        f"/api/schools/{world.a.id}/staff",
        json={
            "role": "teacher",
            "display_name": f"M. Remplaçant {tag}",
            "email": email,
            "class_names": ["CP"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["existing_account"] is False and created.json()["activation_code"]
    teacher = api(await activate(api(), created.json()["activation_code"]))
    shared = await director_b.post(
        f"/api/schools/{world.b.id}/staff",
        json={"role": "teacher", "display_name": "Autre nom", "email": email.upper(), "class_names": ["CM2"]},
    )
    assert shared.status_code == 201, shared.text
    body = shared.json()
    assert body["existing_account"] is True and body["activation_code"] is None
    assert body["user"]["id"] == created.json()["user"]["id"]
    # B's director sees the teacher as B knows them, nothing of A.
    assert (body["user"]["school_id"], body["user"]["school_ids"]) == (world.b.id, [world.b.id])
    me = (await teacher.get("/api/me")).json()
    assert me["user"]["school_ids"] == [world.a.id, world.b.id]
    assert [s["id"] for s in me["schools"]] == [world.a.id, world.b.id]
    assert sorted((c["name"], c["school_id"]) for c in me["classes"]) == [
        ("CM2", world.b.id),
        ("CP", world.a.id),
    ]
    # B's letters: none for an account A opened.
    assert "Remplaçant" not in (await director_b.get(f"/api/schools/{world.b.id}/activation-letters")).text

    # A parent's or the territory's address is refused, nothing written.
    claire_email = await db.fetchval(
        "SELECT email FROM users WHERE id = $1", uuid.UUID(world.a.parents["both"].user_id)
    )
    refused = await director_b.post(
        f"/api/schools/{world.b.id}/staff",
        json={"role": "teacher", "display_name": "Claire", "email": claire_email, "class_names": []},
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"
    assert "famille" in refused.json()["error"]["message"]

    # A photo sent for the right school; a school of theirs only.
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(picture, "JPEG")
    for school_id, via_query in ((world.b.id, False), (world.a.id, True)):
        sent = await teacher.post(
            "/api/media",
            params={"school_id": school_id} if via_query else None,
            data={} if via_query else {"school_id": school_id},
            files={"file": ("photo.jpg", picture.getvalue(), "image/jpeg")},
        )
        assert sent.status_code == 201, sent.text
        kept = await db.fetchval("SELECT school_id FROM media WHERE id = $1", uuid.UUID(sent.json()["id"]))
        assert str(kept) == school_id
    elsewhere = await teacher.post(
        "/api/media",
        data={"school_id": str(uuid.uuid4())},
        files={"file": ("photo.jpg", picture.getvalue(), "image/jpeg")},
    )
    assert elsewhere.status_code == 404, elsewhere.text


async def test_another_schools_letter_joins_the_family_account(
    api: Clients, world: World, db: asyncpg.Pool
) -> None:
    tag = _tag(world)
    sophie = world.a.parents["cp"]
    director_b = api(world.b.director.token)
    # B knows Sophie without her address: a new account and a letter.
    rows = [("MS", f"Petit{tag}", "Jules", "03/03/2022", f"Petit{tag}", "Sophie", "", "Mère")]
    imported = (await import_roster(director_b, world.b.id, roster(rows))).json()
    letter = imported["guardians"][0]
    assert letter["existing_account"] is False and letter["activation_code"]
    # B writes to its families before Sophie joins: the letter's account holds it.
    sent = await announce(director_b, f"Sortie {tag}", require_ack=True)
    assert sent.status_code == 201, sent.text

    # A staff member's code, a co-parent's code: refused, and still good.
    staff = (
        await director_b.post(
            f"/api/schools/{world.b.id}/staff", json={"role": "teacher", "display_name": f"Mme Lien {tag}"}
        )
    ).json()
    refused = await api(sophie.token).post("/api/me/link", json={"code": staff["activation_code"]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid"
    assert "famille" in refused.json()["error"]["fields"]["code"]
    director_a = api(world.a.director.token)
    lea = next(
        c for c in (await _members(director_a, world.a.classes["CP"]))["children"] if c["first_name"] == "Léa"
    )
    paul = next(g for g in lea["guardians"] if g["display_name"].startswith("Paul"))
    paul_code = (await director_a.post(f"/api/users/{paul['user_id']}/new-letter")).json()["activation_code"]
    co_parent = await api(world.a.parents["both"].token).post("/api/me/link", json={"code": paul_code})
    assert co_parent.status_code == 422, co_parent.text
    teacher = api(world.a.teachers["CP"].token)
    assert (await teacher.post("/api/me/link", json={"code": letter["activation_code"]})).status_code == 403

    linked = await api(sophie.token).post("/api/me/link", json={"code": letter["activation_code"].lower()})
    assert linked.status_code == 200, linked.text
    assert {(c["first_name"], c["school_id"]) for c in linked.json()["children"]} == {
        ("Hugo", world.a.id),
        ("Jules", world.b.id),
    }
    old = uuid.UUID(letter["user_id"])
    assert await db.fetchval("SELECT count(*) FROM users WHERE id = $1", old) == 0
    assert await db.fetchval("SELECT count(*) FROM guardian_identities WHERE user_id = $1", old) == 0
    me = (await api(sophie.token).get("/api/me")).json()
    assert [s["id"] for s in me["schools"]] == [world.a.id, world.b.id]
    # What B sent before is hers now, to read and sign for Jules.
    thread_id = sent.json()["thread"]["id"]
    inbox = (await api(sophie.token).get("/api/threads?limit=200")).json()["threads"]
    assert thread_id in {t["id"] for t in inbox}
    assert (await api(sophie.token).post(f"/api/threads/{thread_id}/ack")).status_code == 200
    again = await api(sophie.token).post("/api/me/link", json={"code": letter["activation_code"]})
    assert again.status_code == 404 and again.json()["error"]["code"] == "unknown_code"
    # Importing B's file again finds Sophie's account: nothing new, no letter.
    reimported = (await import_roster(director_b, world.b.id, roster(rows))).json()
    assert reimported["guardians_created"] == 0
    assert reimported["guardians"][0]["user_id"] == sophie.user_id
    assert reimported["guardians"][0]["existing_account"] is True
    assert reimported["guardians"][0]["activation_code"] is None
    # The codes refused earlier still open their accounts.
    assert await activate(api(), staff["activation_code"])
    assert await activate(api(), paul_code)


async def test_a_family_writing_in_one_school_shows_no_other_school(api: Clients, world: World) -> None:
    """Claire has a child in B (the first test): her message to A's teacher,
    as the teacher sees it, names no school but A."""
    claire = world.a.parents["both"]
    written = await api(claire.token).post("/api/threads", json=direct(world.a.children["Léa"]))
    assert written.status_code == 201, written.text
    thread_id = written.json()["thread"]["id"]
    teacher_a = api(world.a.teachers["CP"].token)  # the class's teacher, in the family's thread
    for path in (f"/api/threads/{thread_id}", f"/api/threads/{thread_id}/messages"):
        shown = await teacher_a.get(path)
        assert shown.status_code == 200, shown.text
        assert world.b.id not in shown.text, path
