"""Health data (issue 13): an absence's reason and note reach only the child's
family, the class's teachers and the director, wherever absences appear.

Roles: the director, the class's teacher (CP), another class's teacher (CE1),
the child's guardian (Sophie, Hugo's mother), another family of the same class
(Claire, Léa's mother), another school's director, the platform admin. ×
the class's register, the school's day, the absence's thread (and what it is
about), the live events, a search for a word of the note; and what leaves
Liaison: the push (the subject only) and the email (no reason, no note).

The director is not in an ordinary report's thread (`liaison/absences/service.py`):
she reads the absence in the registers, and its thread comes to her only
when no teacher read it by the check time."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from liaison.absences import rules
from liaison.delivery.policy import PRIVATE_TEXT
from tests.conftest import Clients
from tests.integration import test_delivery as delivery
from tests.integration.test_everyday_authz import next_school_day
from tests.world import World, add_staff, build_world

NOTE = "Angine : amoxicilline pendant six jours."
WORD = "amoxicilline"
REASON = rules.REASONS["illness"]  # "maladie", as the message's text says it

ROLES = ["director", "class_teacher", "other_teacher", "guardian", "other_family", "director_b", "admin"]

# role -> (CP register, school's day, absence thread, its absence, absence.reported, search finds the note)
MATRIX = {
    "director": (200, 200, 404, 404, True, False),
    "class_teacher": (200, 403, 200, 200, True, True),
    "other_teacher": (403, 403, 404, 404, False, False),
    "guardian": (404, 404, 200, 200, True, True),
    "other_family": (404, 404, 404, 404, False, False),
    "director_b": (404, 404, 404, 404, False, False),
    "admin": (403, 403, 404, 404, False, False),
}


def tokens(world: World) -> dict[str, str]:
    a = world.a
    return {
        "director": a.director.token,
        "class_teacher": a.teachers["CP"].token,
        "other_teacher": a.teachers["CE1"].token,
        "guardian": a.parents["cp"].token,
        "other_family": a.parents["both"].token,
        "director_b": world.b.director.token,
        "admin": world.admin,
    }


async def position(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/events")
    assert response.status_code == 200, response.text
    pos: int = response.json()["pos"]
    return pos


async def events_since(client: httpx.AsyncClient, pos: int) -> list[dict]:
    """Every event of this user after `pos`, already written (no waiting)."""
    response = await client.get("/api/events", params={"since": pos, "timeout": 0})
    assert response.status_code == 200, response.text
    events: list[dict] = response.json()["events"]
    return events


class Reported:
    def __init__(self, world: World, day: dt.date, absence: dict, thread: dict, before: dict[str, int]):
        self.world, self.day, self.absence, self.thread, self.before = world, day, absence, thread, before


@pytest.fixture(scope="module")
async def reported(api: Clients) -> Reported:
    world = await build_world(api)
    clients = {role: api(token) for role, token in tokens(world).items()}
    before = {role: await position(client) for role, client in clients.items()}
    day = next_school_day(skip=2)
    response = await clients["guardian"].post(
        "/api/absences",
        json={"child_id": world.a.children["Hugo"], "start": day.isoformat(), "end": day.isoformat(),
              "reason": "illness", "note": NOTE},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["absence"]["note"] == NOTE
    return Reported(world, day, body["absence"], body["thread"], before)


def carries_health_data(value: object) -> bool:
    text = str(value)
    return WORD in text or NOTE in text or f"({REASON})" in text


@pytest.mark.parametrize("role", ROLES)
async def test_health_data_reaches_only_the_family_the_class_teachers_and_the_director(api, reported, role):
    world, day = reported.world, reported.day.isoformat()
    register, school_day, thread, about, event, found = MATRIX[role]
    client = api(tokens(world)[role])

    cp = await client.get(f"/api/classes/{world.a.classes['CP']}/absences", params={"date": day})
    assert cp.status_code == register, cp.text
    assert carries_health_data(cp.text) is (register == 200)
    if register == 200:
        (entry,) = [e for e in cp.json()["absences"] if e["id"] == reported.absence["id"]]
        assert entry["note"] == NOTE and entry["reason"] == "illness"

    whole = await client.get(f"/api/schools/{world.a.id}/absences", params={"date": day})
    assert whole.status_code == school_day, whole.text
    assert carries_health_data(whole.text) is (school_day == 200)

    thread_id = reported.thread["id"]
    read = await client.get(f"/api/threads/{thread_id}")
    assert read.status_code == thread, read.text
    assert carries_health_data(read.text) is (thread == 200)
    messages = await client.get(f"/api/threads/{thread_id}/messages")
    assert messages.status_code == thread, messages.text
    absence = await client.get(f"/api/threads/{thread_id}/absence")
    assert absence.status_code == about, absence.text
    assert carries_health_data(absence.text) is (about == 200)

    events = await events_since(client, reported.before[role])
    got = [e for e in events if e["type"] == "absence.reported" and e["data"]["id"] == reported.absence["id"]]
    assert bool(got) is event
    if got:
        assert got[0]["data"]["note"] == NOTE
    # Nothing else this role receives carries the reason or the note either.
    assert all(carries_health_data(e) is False for e in events if e not in got) or thread == 200

    search = await client.get("/api/search", params={"q": WORD})
    assert search.status_code == 200, search.text
    hits = [r for r in search.json()["results"] if r["thread"]["id"] == thread_id]
    assert bool(hits) is found
    assert carries_health_data(search.text) is found


async def test_cancelling_tells_the_same_people_without_the_reason(api, reported):
    world = reported.world
    clients = {role: api(token) for role, token in tokens(world).items()}
    before = {role: await position(client) for role, client in clients.items()}
    day = next_school_day(skip=4).isoformat()
    made = await clients["guardian"].post(
        "/api/absences",
        json={"child_id": world.a.children["Hugo"], "start": day, "end": day, "reason": "medical",
              "note": "Chez l'orthophoniste."},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    absence_id = made.json()["absence"]["id"]
    cancelled = await clients["guardian"].post(f"/api/absences/{absence_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    for role, client in clients.items():
        events = await events_since(client, before[role])
        told = [e for e in events if e["type"] == "absence.cancelled" and e["data"]["id"] == absence_id]
        assert bool(told) is MATRIX[role][4], role
        for event in told:
            assert "reason" not in event["data"] and "note" not in event["data"]
            assert "orthophoniste" not in str(event["data"])


# -- what leaves Liaison: the push and the email ---------------------------------------------
# On the delivery tests' own server (tests/integration/test_delivery.py), with a real push
# service and a real SMTP server: their fixtures, used here.

delivery_database, dserver, dapi, pool = (
    delivery.delivery_database,
    delivery.dserver,
    delivery.dapi,
    delivery.pool,
)
push, settings, clocked = delivery.push, delivery.settings, delivery.clocked


async def test_the_push_and_the_email_of_an_absence_carry_no_reason_nor_note(dapi, pool, push, smtp, clocked):
    await delivery.quiesce(pool)
    world = await build_world(dapi)
    a = world.a
    teacher = dapi(a.teachers["CP"].token)
    await delivery.subscribe(teacher, push, "cp-phone")
    await delivery.set_preferences(teacher)
    # A second teacher of the class, with an address and no push: told by email.
    second = await add_staff(dapi(a.director.token), dapi(), a.id, "teacher", "M. Second", ["CP"])
    address = f"second.{uuid.uuid4().hex[:6]}@example.fr"
    await pool.execute("UPDATE users SET email = $1 WHERE id = $2", address, uuid.UUID(second.user_id))
    await delivery.set_preferences(dapi(second.token), email="immediate")

    day = next_school_day(skip=2).isoformat()
    response = await dapi(a.parents["cp"].token).post(
        "/api/absences",
        json={"child_id": a.children["Hugo"], "start": day, "end": day, "reason": "illness", "note": NOTE},
    )
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    loop = await clocked()
    await loop.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2))  # urgent: due when written
    [pushed] = await push.wait_for(1)
    assert pushed.payload["body"] == thread["subject"] and thread["subject"].startswith("Absence d")
    assert not carries_health_data(pushed.payload) and REASON not in str(pushed.payload)
    [mail] = await smtp.wait_for(1)
    assert mail.rcpt_tos == [address]
    text, html = mail.text or "", mail.html or ""
    assert PRIVATE_TEXT.split(" :")[0] in text and thread["subject"] in text
    for part in (text, html, mail.header("Subject") or ""):
        assert not carries_health_data(part) and REASON not in part
