"""Announcements beyond one school: to every family of an RPI, and from the
circonscription to the staff of its schools; staff in two schools.

One world for the module: schools A and B (tests/world.py) form an RPI and a
circonscription; school C, with its director, is in another circonscription.
Sophie (Hugo, in A's CP) is also Jade's guardian (B's CM1); A's CP teacher
also teaches B's CM1; B's director also directs A.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from liaison.accounts import store as accounts
from liaison.accounts.passwords import hash_password_sync
from liaison.core.context import Context
from liaison.scheduling import sender, service
from tests.world import PASSWORD, Person, World, announce, announcement, school_with_director, sign_in


@dataclass
class Territory:
    world: World
    rpi_id: str
    circ_id: str
    other_circ_id: str
    c_id: str
    c_director: Person
    circ: str  # a token of the circonscription's team
    other_circ: str  # of another circonscription's


async def _circonscription_user(db, circ_id: uuid.UUID, tag: str) -> str:
    async with db.acquire() as conn:
        await accounts.create_user(
            conn, role="circonscription", school_id=None, circonscription_id=circ_id,
            display_name=f"IEN {tag}", login=f"ien.{tag}", password_hash=hash_password_sync(PASSWORD),
        )  # fmt: skip
    return f"ien.{tag}"


@pytest.fixture(scope="module")
async def territory(api, world, db) -> Territory:
    a, b = world.a, world.b
    c_id, c_director = await school_with_director(api, "Mme Troisième")
    tag = uuid.uuid4().hex[:6]
    circ = await db.fetchval(
        "INSERT INTO circonscriptions (name, name_key) VALUES ($1, $1) RETURNING id", f"Circo {tag}"
    )
    other = await db.fetchval(
        "INSERT INTO circonscriptions (name, name_key) VALUES ($1, $1) RETURNING id", f"Autre {tag}"
    )
    await db.execute(
        "UPDATE schools SET circonscription_id = $1 WHERE id = ANY($2::uuid[])", circ, [a.id, b.id]
    )
    await db.execute("UPDATE schools SET circonscription_id = $1 WHERE id = $2", other, uuid.UUID(c_id))
    rpi = await db.fetchval("INSERT INTO rpis (name) VALUES ($1) RETURNING id", f"RPI {tag}")
    await db.execute(
        "INSERT INTO rpi_schools (rpi_id, school_id) SELECT $1, unnest($2::uuid[])", rpi, [a.id, b.id]
    )
    # A family across the RPI, a teacher and a director in both schools.
    await db.execute(
        "INSERT INTO guardianships (child_id, user_id) VALUES ($1, $2)",
        uuid.UUID(b.children["Jade"]),
        uuid.UUID(a.parents["cp"].user_id),
    )
    cp = uuid.UUID(a.teachers["CP"].user_id)
    await db.execute(
        "INSERT INTO school_staff (user_id, school_id, role) VALUES ($1, $2, 'teacher')", cp, b.id
    )
    await db.execute(
        "INSERT INTO class_staff (class_id, user_id) VALUES ($1, $2)", uuid.UUID(b.classes["CM1"]), cp
    )
    await db.execute(
        "INSERT INTO school_staff (user_id, school_id, role) VALUES ($1, $2, 'director')",
        uuid.UUID(b.director.user_id),
        a.id,
    )
    anonymous = api()
    circ_token = await sign_in(anonymous, await _circonscription_user(db, circ, f"a{tag}"), PASSWORD)
    other_token = await sign_in(anonymous, await _circonscription_user(db, other, f"b{tag}"), PASSWORD)
    return Territory(world, str(rpi), str(circ), str(other), c_id, c_director, circ_token, other_token)


async def _inbox_ids(client) -> set[str]:
    response = await client.get("/api/threads?limit=200")
    assert response.status_code == 200, response.text
    return {t["id"] for t in response.json()["threads"]}


async def test_an_rpi_announcement_reaches_every_family_and_one_signature_per_family(api, territory):
    a, b = territory.world.a, territory.world.b
    director = api(a.director.token)
    response = await director.post(
        "/api/threads", json=announcement({"rpi_id": territory.rpi_id}, require_ack=True)
    )
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    assert (thread["school_id"], thread["school_ids"]) == (a.id, [a.id, b.id])
    assert (thread["rpi_id"], thread["whole_school"], thread["to_staff"]) == (territory.rpi_id, True, False)
    assert set(thread["class_ids"]) == {a.classes["CP"], a.classes["CE1"], b.classes["CM1"]}
    # Every family of both schools, the staff of both, in their inboxes; not school C's.
    for person in (*a.parents.values(), b.parents["cm1"], b.teachers["CM1"], b.director, a.teachers["CE1"]):
        assert thread["id"] in await _inbox_ids(api(person.token))
    assert thread["id"] not in await _inbox_ids(api(territory.c_director.token))
    # Sophie signs once for Hugo (A) and Jade (B); Luc, Jade's other guardian, sees it signed.
    sophie, luc = api(a.parents["cp"].token), api(b.parents["cm1"].token)
    signed = await sophie.post(f"/api/threads/{thread['id']}/ack")
    assert signed.status_code == 200, signed.text
    seen = (await luc.get(f"/api/threads/{thread['id']}")).json()["thread"]
    assert seen["acked_at"] == signed.json()["acked_at"]
    # The board: families of both schools, school by school; each class says its school.
    board = (await director.get(f"/api/threads/{thread['id']}/receipts")).json()
    assert board["summary"]["families"] == 5
    assert board["summary"]["acked"] == 2
    by_child = {f["child"]["id"]: f for f in board["families"]}
    assert by_child[b.children["Jade"]]["class"] == {"id": b.classes["CM1"], "name": "CM1", "school_id": b.id}
    assert by_child[b.children["Jade"]]["state"] == by_child[a.children["Hugo"]]["state"] == "acked"
    assert [c["school_id"] for c in board["classes"]] == [a.id, a.id, b.id]
    assert list(by_child)[-1] == b.children["Jade"]
    # B's CM1 teacher notes a signed paper slip of A's Noah; slips never go to a family signed.
    cm1 = api(b.teachers["CM1"].token)
    noah = await cm1.post(f"/api/threads/{thread['id']}/paper-acks", json={"child_id": a.children["Noah"]})
    assert (noah.status_code, noah.json()["on_paper"]) == (201, True)
    board = (await cm1.get(f"/api/threads/{thread['id']}/receipts")).json()
    assert board["summary"]["acked"] == 3
    paper = await director.get(f"/api/threads/{thread['id']}/paper")
    assert paper.status_code == 200
    assert all(f"<strong>{name}" not in paper.text for name in ("Jade", "Hugo", "Noah"))


async def test_who_may_write_to_an_rpi(api, territory):
    a = territory.world.a
    body = announcement({"rpi_id": territory.rpi_id})
    refusals = {
        "teacher of the RPI": (api(a.teachers["CE1"].token), 403),
        "director outside it": (api(territory.c_director.token), 404),
        "family": (api(a.parents["both"].token), 403),
        "circonscription": (api(territory.circ), 403),
        "admin": (api(territory.world.admin), 403),
    }
    for who, (client, status) in refusals.items():
        response = await client.post("/api/threads", json=body)
        assert response.status_code == status, (who, response.text)
        assert response.json()["error"]["code"] == ("forbidden" if status == 403 else "not_found")
    unknown = await api(a.director.token).post(
        "/api/threads", json=announcement({"rpi_id": str(uuid.uuid4())})
    )
    assert unknown.status_code == 404, unknown.text


async def test_an_rpi_signup_takes_families_of_both_schools(api, territory):
    a, b = territory.world.a, territory.world.b
    body = announcement(
        {"rpi_id": territory.rpi_id},
        "Kermesse du RPI",
        kind="signup",
        slots=[{"label": "Buvette", "capacity": 1}],
    )
    response = await api(b.director.token).post("/api/threads", json=body)
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    assert thread["school_ids"] == [b.id, a.id]  # B's director writes from B, their first school
    slot = thread["slots"][0]["id"]
    luc = await api(b.parents["cm1"].token).post(
        f"/api/threads/{thread['id']}/signups", json={"slot_id": slot}
    )
    assert (luc.status_code, luc.json()["status"]) == (201, "confirmed")
    claire = await api(a.parents["both"].token).post(
        f"/api/threads/{thread['id']}/signups", json={"slot_id": slot}
    )
    assert (claire.status_code, claire.json()["status"]) == (201, "waitlisted")


async def test_the_circonscription_writes_to_its_schools_staff(api, territory):
    a, b = territory.world.a, territory.world.b
    circ = api(territory.circ)
    body = announcement(
        {"staff_of": {"circonscription_id": territory.circ_id}}, "Animation pédagogique", require_ack=True
    )
    response = await circ.post("/api/threads", json=body)
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    assert thread["to_staff"] is True and set(thread["school_ids"]) == {a.id, b.id}
    assert thread["school_id"] == thread["school_ids"][0]
    tid = thread["id"]
    staff = (a.director, b.director, a.teachers["CP"], a.teachers["CE1"], b.teachers["CM1"])
    for person in staff:
        assert tid in await _inbox_ids(api(person.token))
    # Never a family; nobody outside it (another circonscription's team, school C).
    for token in (
        a.parents["both"].token,
        b.parents["cm1"].token,
        territory.other_circ,
        territory.c_director.token,
    ):
        assert tid not in await _inbox_ids(api(token))
        assert (await api(token).get(f"/api/threads/{tid}")).status_code == 404
        assert (await api(token).get(f"/api/threads/{tid}/receipts")).status_code == 404
    # The CM1 teacher reads, A's director signs and answers in the thread; the author sees it.
    cm1, director = api(b.teachers["CM1"].token), api(a.director.token)
    assert (await cm1.post(f"/api/threads/{tid}/read", json={"seq": 1})).status_code == 204
    acked = await director.post(f"/api/threads/{tid}/ack")
    assert acked.status_code == 200, acked.text
    answer = await director.post(f"/api/threads/{tid}/messages", json={"body": "Nous serons trois."})
    assert answer.status_code == 201, answer.text
    messages = (await circ.get(f"/api/threads/{tid}")).json()["messages"]
    assert [m["body"] for m in messages][-1] == "Nous serons trois."
    # The receipts: who of the staff read and signed; a recipient does not see them.
    board = (await circ.get(f"/api/threads/{tid}/receipts")).json()
    assert board["summary"] == {"staff": 5, "read": 2, "acked": 1}
    rows = {s["user_id"]: s for s in board["staff"]}
    assert set(rows) == {p.user_id for p in staff}
    mine = rows[a.director.user_id]
    assert set(mine) == {"user_id", "display_name", "role", "school_id", "read_at", "acked_at"}
    assert (mine["role"], mine["school_id"], mine["acked_at"]) == ("director", a.id, acked.json()["acked_at"])
    assert rows[b.teachers["CM1"].user_id]["read_at"] is not None
    assert rows[b.teachers["CM1"].user_id]["acked_at"] is None
    assert (await cm1.get(f"/api/threads/{tid}/receipts")).status_code == 403
    assert (await circ.post(f"/api/threads/{tid}/ack")).status_code == 403  # the author does not sign
    assert (await circ.get(f"/api/threads/{tid}/paper")).status_code == 404  # no slips for the staff
    assert (await cm1.post(f"/api/threads/{tid}/reply-privately", json={"body": "x"})).status_code == 403


async def test_who_may_write_to_the_staff_of_schools(api, territory):
    a = territory.world.a
    circ, other = api(territory.circ), api(territory.other_circ)

    def to(staff_of: dict) -> dict:
        return announcement({"staff_of": staff_of}, "Note de service")

    # The team writes to some of its schools only; another circonscription's: 404.
    some = await circ.post("/api/threads", json=to({"school_ids": [a.id]}))
    assert some.status_code == 201, some.text
    assert some.json()["thread"]["school_ids"] == [a.id]
    for refused in (
        await other.post("/api/threads", json=to({"circonscription_id": territory.circ_id})),
        await other.post("/api/threads", json=to({"school_ids": [a.id]})),
        await circ.post("/api/threads", json=to({"school_ids": [a.id, territory.c_id]})),
        await circ.post("/api/threads", json=to({"school_ids": [str(uuid.uuid4())]})),
    ):
        assert refused.status_code == 404, refused.text
    # The school's staff and families do not write to the staff of schools: 403.
    for token in (a.director.token, a.teachers["CP"].token, a.parents["both"].token):
        refused = await api(token).post("/api/threads", json=to({"school_ids": [a.id]}))
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    # The admin writes to any school's staff; an unknown circonscription is 422.
    admin = api(territory.world.admin)
    created = await admin.post("/api/threads", json=to({"school_ids": [territory.c_id]}))
    assert created.status_code == 201, created.text
    assert created.json()["thread"]["id"] in await _inbox_ids(api(territory.c_director.token))
    unknown = await admin.post("/api/threads", json=to({"circonscription_id": str(uuid.uuid4())}))
    assert unknown.status_code == 422, unknown.text
    assert "audience.staff_of.circonscription_id" in unknown.json()["error"]["fields"]
    # Families are never the circonscription's to write to, nor a child's thread.
    assert (await circ.post("/api/threads", json=announcement({"school": True}))).status_code == 403
    direct = {"kind": "direct", "child_id": a.children["Hugo"], "subject": "S", "body": "B"}
    assert (await circ.post("/api/threads", json=direct)).status_code == 404
    signup = {**to({"school_ids": [a.id]}), "kind": "signup", "slots": [{"label": "L", "capacity": 1}]}
    assert (await circ.post("/api/threads", json=signup)).status_code == 422
    # Their inbox holds what they wrote, and nothing of the schools' families.
    assert some.json()["thread"]["id"] in await _inbox_ids(circ)


async def test_staff_in_two_schools_announce_in_the_school_of_their_audience(api, territory):
    a, b = territory.world.a, territory.world.b
    cp = api(a.teachers["CP"].token)
    in_b = await announce(cp, "Piscine", class_ids=[b.classes["CM1"]])
    assert in_b.status_code == 201, in_b.text
    assert (in_b.json()["thread"]["school_id"], in_b.json()["thread"]["school_ids"]) == (b.id, [b.id])
    both = await announce(cp, "Piscine", class_ids=[a.classes["CP"], b.classes["CM1"]])
    assert both.status_code == 422, both.text
    assert (await announce(cp, "Toute l'école")).status_code == 403  # a teacher, in either school
    # The inbox of a recipient in two schools holds both.
    in_a = await announce(cp, "Cahiers", class_ids=[a.classes["CP"]])
    assert {in_a.json()["thread"]["id"], in_b.json()["thread"]["id"]} <= await _inbox_ids(cp)
    sophie = await _inbox_ids(api(a.parents["cp"].token))
    assert {in_a.json()["thread"]["id"], in_b.json()["thread"]["id"]} <= sophie
    # A director of two schools: the first by default, the other when named, none elsewhere.
    director = api(b.director.token)
    first = await director.post("/api/threads", json=announcement({"school": True}))
    assert first.json()["thread"]["school_id"] == b.id
    named = await director.post("/api/threads", json=announcement({"school": True, "school_id": a.id}))
    assert named.status_code == 201, named.text
    assert named.json()["thread"]["school_id"] == a.id
    assert named.json()["thread"]["id"] in await _inbox_ids(api(a.parents["ce1"].token))
    elsewhere = await director.post(
        "/api/threads", json=announcement({"school": True, "school_id": territory.c_id})
    )
    assert elsewhere.status_code == 422, elsewhere.text


async def test_announcements_beyond_one_school_can_be_scheduled(server, api, db, territory):
    """The scheduler sends an RPI's and a staff audience as an immediate post would."""
    ctx = Context(server.app.state.pool, server.app.state.bus, server.settings)
    a, b = territory.world.a, territory.world.b
    send_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    tag = uuid.uuid4().hex[:6]
    cases = (
        (api(a.director.token), {"rpi_id": territory.rpi_id}, b.parents["cm1"]),
        (api(territory.circ), {"staff_of": {"circonscription_id": territory.circ_id}}, b.teachers["CM1"]),
    )
    for author, audience, reader in cases:
        subject = f"Programmé {tag} {len(audience)}{next(iter(audience))}"
        response = await author.post("/api/threads", json=announcement(audience, subject, send_at=send_at))
        assert response.status_code == 202, response.text
        due = dt.datetime.fromisoformat(response.json()["scheduled"]["send_at"].replace("Z", "+00:00"))
        await service.send_due(ctx, due, sender.send)
        threads = (await api(reader.token).get("/api/threads?limit=200")).json()["threads"]
        assert subject in {t["subject"] for t in threads}
        assert await db.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 1
    malformed = announcement({"rpi_id": "pas-un-id"}, send_at=send_at)
    refused = await api(a.director.token).post("/api/threads", json=malformed)
    assert refused.status_code == 422
    assert "audience.rpi_id" in refused.json()["error"]["fields"]
