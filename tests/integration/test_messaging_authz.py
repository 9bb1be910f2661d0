"""Who may do what with threads, over HTTP and WebSocket, and what hostile input gets.

The expected status of each cell says what the person learns: 2xx allowed,
403 "it exists but not for you", 404 "not even known to exist" (the very
answer an unknown id gets), 401 "sign in", 409 "nothing to do here".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import socket
import time
import uuid

import httpx
import pytest
import websockets

from tests.blog_world import activate_paul, make_pupil
from tests.conftest import Clients
from tests.live import Live
from tests.world import (
    DIRECT_BODY,
    Person,
    World,
    announce,
    announcement,
    build_world,
    direct,
    write_direct,
)

ROLES = ["anonymous", "admin", "director_a", "teacher_cp", "teacher_ce1", "parent_both", "parent_cp",
         "parent_ce1", "pupil_a", "director_b", "teacher_b", "parent_b"]  # fmt: skip
# parent_both: Claire (Léa in CP, Inès in CE1); parent_cp: Sophie (Hugo, CP);
# parent_ce1: Marc (Noah, CE1); pupil_a: Léa's own account; *_b: school B (Luc, Jade in CM1).


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    world = await build_world(api)
    world.pupil = await make_pupil(api, world.a, "Léa")  # Léa's own pupil account
    world.paul = await activate_paul(api, world.a)  # Léa's second guardian
    return world


def people(world) -> dict[str, Person | None]:
    a, b = world.a, world.b
    return {
        "anonymous": None,
        "admin": Person(world.admin, "", ""),
        "director_a": a.director,
        "teacher_cp": a.teachers["CP"],
        "teacher_ce1": a.teachers["CE1"],
        "parent_both": a.parents["both"],
        "parent_cp": a.parents["cp"],
        "parent_ce1": a.parents["ce1"],
        "pupil_a": world.pupil,
        "director_b": b.director,
        "teacher_b": b.teachers["CM1"],
        "parent_b": b.parents["cm1"],
    }


def client_of(api, person: Person | None) -> httpx.AsyncClient:
    return api(person.token if person else None)


def tag() -> str:
    return uuid.uuid4().hex[:12]


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, response.text
    return error


def assert_invalid(response: httpx.Response, *fields: str) -> dict:
    error = assert_error(response, 422, "invalid")
    for name in fields:
        assert name in error["fields"], (name, error)
    return error


# -- starting a direct thread ------------------------------------------------------------

CHILDREN = ["Hugo", "Léa", "Noah", "Jade", "unknown", "malformed"]
# Hugo: Sophie's, CP. Léa: Claire's (and Paul's), CP. Noah: Marc's, CE1. Jade: school B.
START_DIRECT = {
    "anonymous":   dict(Hugo=401, Léa=401, Noah=401, Jade=401, unknown=401, malformed=401),
    "admin":       dict(Hugo=403, Léa=403, Noah=403, Jade=403, unknown=404, malformed=404),
    "director_a":  dict(Hugo=201, Léa=201, Noah=201, Jade=404, unknown=404, malformed=404),
    "teacher_cp":  dict(Hugo=201, Léa=201, Noah=403, Jade=404, unknown=404, malformed=404),
    "teacher_ce1": dict(Hugo=403, Léa=403, Noah=201, Jade=404, unknown=404, malformed=404),
    "parent_both": dict(Hugo=404, Léa=201, Noah=404, Jade=404, unknown=404, malformed=404),
    "parent_cp":   dict(Hugo=201, Léa=404, Noah=404, Jade=404, unknown=404, malformed=404),
    "parent_ce1":  dict(Hugo=404, Léa=404, Noah=201, Jade=404, unknown=404, malformed=404),
    "pupil_a":     dict(Hugo=403, Léa=403, Noah=403, Jade=404, unknown=404, malformed=404),
    "director_b":  dict(Hugo=404, Léa=404, Noah=404, Jade=201, unknown=404, malformed=404),
    "teacher_b":   dict(Hugo=404, Léa=404, Noah=404, Jade=201, unknown=404, malformed=404),
    "parent_b":    dict(Hugo=404, Léa=404, Noah=404, Jade=201, unknown=404, malformed=404),
}  # fmt: skip


def child_ref(world, name: str) -> str:
    if name == "unknown":
        return str(uuid.uuid4())
    if name == "malformed":
        return "pas-un-identifiant"
    return world.a.children.get(name) or world.b.children[name]


@pytest.mark.parametrize("role", ROLES)
async def test_start_direct_matrix(api, world, role):
    person = people(world)[role]
    client = client_of(api, person)
    unknown = await client.post("/api/threads", json=direct(str(uuid.uuid4())))
    for name in CHILDREN:
        child_id = child_ref(world, name)
        response = await write_direct(client, child_id, client_id=f"d-{tag()}")
        expected = START_DIRECT[role][name]
        assert response.status_code == expected, (role, name, response.text)
        if expected == 201:
            thread, message = response.json()["thread"], response.json()["message"]
            assert (thread["kind"], thread["child_id"], thread["author"]["id"]) == (
                "direct",
                child_id,
                person.user_id,
            )
            assert (message["seq"], message["thread_id"], message["body"]) == (1, thread["id"], DIRECT_BODY)
        elif expected == 404:
            # A child one may not know of answers exactly like one that does not exist.
            assert (
                response.json()
                == unknown.json()
                == {"error": {"code": "not_found", "message": "Introuvable."}}
            )
        else:
            assert_error(response, expected, {401: "unauthorized", 403: "forbidden"}[expected])


async def test_a_direct_thread_reaches_the_class_teachers_only(api, world):
    a = world.a
    sophie = api(a.parents["cp"].token)
    created = await write_direct(sophie, a.children["Hugo"], subject=f"Cantine {tag()}")
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    assert (await api(a.teachers["CP"].token).get(f"/api/threads/{thread_id}")).status_code == 200
    for outsider in (a.director, a.teachers["CE1"], a.parents["both"], world.pupil):
        assert (await api(outsider.token).get(f"/api/threads/{thread_id}")).status_code == 404
    # Asked for, the director joins.
    created = await write_direct(sophie, a.children["Hugo"], include_director=True)
    thread_id = created.json()["thread"]["id"]
    assert (await api(a.director.token).get(f"/api/threads/{thread_id}")).status_code == 200


# -- starting an announcement ---------------------------------------------------------------------

AUDIENCES = ["school", "cp", "ce1", "cp_ce1", "class_b", "unknown", "malformed"]
START_ANNOUNCEMENT = {
    "anonymous":   dict(school=401, cp=401, ce1=401, cp_ce1=401, class_b=401, unknown=401, malformed=401),
    "admin":       dict(school=403, cp=403, ce1=403, cp_ce1=403, class_b=403, unknown=403, malformed=422),
    "director_a":  dict(school=201, cp=201, ce1=201, cp_ce1=201, class_b=422, unknown=422, malformed=422),
    "teacher_cp":  dict(school=403, cp=201, ce1=403, cp_ce1=403, class_b=422, unknown=422, malformed=422),
    "teacher_ce1": dict(school=403, cp=403, ce1=201, cp_ce1=403, class_b=422, unknown=422, malformed=422),
    "parent_both": dict(school=403, cp=403, ce1=403, cp_ce1=403, class_b=403, unknown=403, malformed=422),
    "parent_cp":   dict(school=403, cp=403, ce1=403, cp_ce1=403, class_b=403, unknown=403, malformed=422),
    "parent_ce1":  dict(school=403, cp=403, ce1=403, cp_ce1=403, class_b=403, unknown=403, malformed=422),
    "pupil_a":     dict(school=403, cp=403, ce1=403, cp_ce1=403, class_b=403, unknown=403, malformed=422),
    "director_b":  dict(school=201, cp=422, ce1=422, cp_ce1=422, class_b=201, unknown=422, malformed=422),
    "teacher_b":   dict(school=403, cp=422, ce1=422, cp_ce1=422, class_b=201, unknown=422, malformed=422),
    "parent_b":    dict(school=403, cp=403, ce1=403, cp_ce1=403, class_b=403, unknown=403, malformed=422),
}  # fmt: skip


def audience_of(world, name: str) -> dict:
    classes = world.a.classes
    return {
        "school": {"school": True},
        "cp": {"class_ids": [classes["CP"]]},
        "ce1": {"class_ids": [classes["CE1"]]},
        "cp_ce1": {"class_ids": [classes["CP"], classes["CE1"]]},
        "class_b": {"class_ids": [world.b.classes["CM1"]]},
        "unknown": {"class_ids": [str(uuid.uuid4())]},
        "malformed": {"class_ids": ["pas-une-classe"]},
    }[name]


@pytest.mark.parametrize("role", ROLES)
async def test_start_announcement_matrix(api, world, role):
    person = people(world)[role]
    client = client_of(api, person)
    answers = {}
    for name in AUDIENCES:
        audience = audience_of(world, name)
        response = await client.post("/api/threads", json=announcement(audience, client_id=f"a-{tag()}"))
        expected = START_ANNOUNCEMENT[role][name]
        assert response.status_code == expected, (role, name, response.text)
        answers[name] = response.json()
        if expected == 201:
            thread = response.json()["thread"]
            assert (thread["kind"], thread["author"]["id"]) == ("announcement", person.user_id)
            assert thread["whole_school"] is (name == "school")
            if "class_ids" in audience:
                assert sorted(thread["class_ids"]) == sorted(audience["class_ids"])
        elif expected == 422:
            assert answers[name] == {
                "error": {
                    "code": "invalid",
                    "message": "Certains champs sont invalides.",
                    "fields": {"audience.class_ids": "Classe inconnue."},
                }
            }
        else:
            assert_error(response, expected, {401: "unauthorized", 403: "forbidden"}[expected])
    # A class of another school, an id that exists nowhere and one that is not
    # even well formed: one answer, nothing learnt.
    if START_ANNOUNCEMENT[role]["unknown"] == 422:
        foreign = "cp" if role.endswith("_b") else "class_b"
        assert answers[foreign] == answers["unknown"] == answers["malformed"]


async def test_announcement_audience_is_the_school_or_classes(api, world):
    director = api(world.a.director.token)
    cp = world.a.classes["CP"]
    both_or_neither = [
        {"school": True, "class_ids": [cp]},
        {},
        {"school": False},
        {"class_ids": []},
        {"school": False, "class_ids": []},
    ]
    for audience in both_or_neither:
        response = await director.post("/api/threads", json=announcement(audience))
        assert_invalid(response, "audience")
    for audience in ({"school": "yes"}, {"class_ids": cp}, {"class_ids": [cp], "teachers": True}, "school"):
        assert_invalid(await director.post("/api/threads", json=announcement(audience)))


async def test_an_announcement_reaches_exactly_its_audience(api, world):
    a = world.a
    teacher = api(a.teachers["CE1"].token)
    created = await announce(teacher, class_ids=[a.classes["CE1"]])
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    for insider in (a.parents["both"], a.parents["ce1"], a.director, a.teachers["CE1"]):
        assert (await api(insider.token).get(f"/api/threads/{thread_id}")).status_code == 200
    for outsider in (a.parents["cp"], a.teachers["CP"], world.pupil, world.paul, world.b.director):
        assert (await api(outsider.token).get(f"/api/threads/{thread_id}")).status_code == 404


# -- inside existing threads -------------------------------------------------------------------------

ACTIONS = ["get", "messages", "post", "read", "ack", "receipts", "reply"]

# Marc's direct thread about Noah, with Noah's teacher (CE1); the director is not in it.
# Marc wrote it: he may follow its receipts (API.md: "the author and the staff").
IN_DIRECT = {
    "anonymous":   dict(get=401, messages=401, post=401, read=401, ack=401, receipts=401, reply=401),
    "admin":       dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "director_a":  dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "teacher_cp":  dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "teacher_ce1": dict(get=200, messages=200, post=201, read=204, ack=403, receipts=200, reply=403),
    "parent_both": dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "parent_cp":   dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "parent_ce1":  dict(get=200, messages=200, post=201, read=204, ack=409, receipts=200, reply=403),
    "pupil_a":     dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "director_b":  dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "teacher_b":   dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "parent_b":    dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
}  # fmt: skip

# The CP teacher's announcement to the CP, to be signed: the CP families
# (Claire, Sophie), the CP teacher and the director are in it.
IN_ANNOUNCEMENT = {
    "anonymous":   dict(get=401, messages=401, post=401, read=401, ack=401, receipts=401, reply=401),
    "admin":       dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "director_a":  dict(get=200, messages=200, post=201, read=204, ack=403, receipts=200, reply=403),
    "teacher_cp":  dict(get=200, messages=200, post=201, read=204, ack=403, receipts=200, reply=403),
    "teacher_ce1": dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "parent_both": dict(get=200, messages=200, post=403, read=204, ack=200, receipts=403, reply=201),
    "parent_cp":   dict(get=200, messages=200, post=403, read=204, ack=200, receipts=403, reply=201),
    "parent_ce1":  dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "pupil_a":     dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "director_b":  dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "teacher_b":   dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
    "parent_b":    dict(get=404, messages=404, post=404, read=404, ack=404, receipts=404, reply=404),
}  # fmt: skip

ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "ack_not_required"}


async def act(client: httpx.AsyncClient, action: str, thread_id: str) -> httpx.Response:
    path = f"/api/threads/{thread_id}"
    t = tag()
    if action == "get":
        return await client.get(path)
    if action == "messages":
        return await client.get(f"{path}/messages")
    if action == "post":
        return await client.post(f"{path}/messages", json={"body": f"Message {t}", "client_id": f"m-{t}"})
    if action == "read":
        return await client.post(f"{path}/read", json={"seq": 1})
    if action == "ack":
        return await client.post(f"{path}/ack")
    if action == "receipts":
        return await client.get(f"{path}/receipts")
    if action == "reply":
        return await client.post(
            f"{path}/reply-privately", json={"body": f"Réponse {t}", "client_id": f"r-{t}"}
        )
    raise AssertionError(action)


def check_allowed(action: str, response: httpx.Response, thread_id: str, person: Person) -> None:
    if action == "read":
        assert response.content == b""
        return
    body = response.json()
    if action == "get":
        assert body["thread"]["id"] == thread_id
        assert body["messages"] and {m["thread_id"] for m in body["messages"]} == {thread_id}
    elif action == "messages":
        seqs = [m["seq"] for m in body["messages"]]
        assert seqs == list(range(1, len(seqs) + 1))
    elif action == "post":
        assert (body["thread_id"], body["author"]["id"]) == (thread_id, person.user_id)
        assert body["seq"] >= 2 and body["body"].startswith("Message ")
    elif action == "ack":
        assert dt.datetime.fromisoformat(body["acked_at"].replace("Z", "+00:00"))
    elif action == "receipts":
        assert set(body["summary"]) == {"families", "read", "acked", "unreached", "pending"}
        assert body["families"] and body["thread"]["id"] == thread_id
    elif action == "reply":
        thread = body["thread"]
        assert (thread["kind"], thread["reply_to_thread_id"]) == ("direct", thread_id)
        assert body["message"]["author"]["id"] == person.user_id
    else:
        raise AssertionError(action)


@pytest.fixture(scope="module")
async def threads(api: Clients, world: World) -> dict[str, str]:
    a = world.a
    marc = api(a.parents["ce1"].token)
    made = await write_direct(marc, a.children["Noah"], subject="Rendez-vous")
    assert made.status_code == 201, made.text
    teacher = api(a.teachers["CP"].token)
    announced = await announce(teacher, class_ids=[a.classes["CP"]], require_ack=True)
    assert announced.status_code == 201, announced.text
    return {"direct": made.json()["thread"]["id"], "announcement": announced.json()["thread"]["id"]}


@pytest.mark.parametrize(("kind", "matrix"), [("direct", IN_DIRECT), ("announcement", IN_ANNOUNCEMENT)])
@pytest.mark.parametrize("action", ACTIONS)
async def test_thread_matrix(api, world, threads, kind, matrix, action):
    thread_id = threads[kind]
    for role in ROLES:
        person = people(world)[role]
        client = client_of(api, person)
        response = await act(client, action, thread_id)
        expected = matrix[role][action]
        assert response.status_code == expected, (kind, role, action, response.text)
        if expected < 300:
            check_allowed(action, response, thread_id, person)
            continue
        assert_error(response, expected, ERROR_CODES[expected])
        if expected == 404:
            # Someone else's thread answers exactly like a thread that does not exist.
            unknown = await act(client, action, str(uuid.uuid4()))
            assert (
                response.json()
                == unknown.json()
                == {"error": {"code": "not_found", "message": "Introuvable."}}
            )


async def test_inboxes_list_only_ones_own_threads(api, world, threads):
    for role, person in people(world).items():
        if person is None:
            response = await api().get("/api/threads")
            assert_error(response, 401, "unauthorized")
            continue
        listed = {
            t["id"]
            for t in (await api(person.token).get("/api/threads", params={"limit": 200})).json()["threads"]
        }
        assert (threads["direct"] in listed) is (IN_DIRECT[role]["get"] == 200), role
        assert (threads["announcement"] in listed) is (IN_ANNOUNCEMENT[role]["get"] == 200), role


async def test_a_guardian_signs_once_for_both_children(api, world):
    a = world.a
    director = api(a.director.token)
    created = await announce(director, subject=f"Autorisation {tag()}", require_ack=True)
    assert created.status_code == 201, created.text
    thread_id = created.json()["thread"]["id"]
    claire, paul = api(a.parents["both"].token), api(world.paul.token)
    assert (await paul.get(f"/api/threads/{thread_id}")).json()["thread"]["acked_at"] is None

    signed = await claire.post(f"/api/threads/{thread_id}/ack")
    assert signed.status_code == 200, signed.text
    acked_at = signed.json()["acked_at"]
    assert acked_at.endswith("Z")

    board = (await director.get(f"/api/threads/{thread_id}/receipts")).json()
    families = {f["child"]["id"]: f for f in board["families"]}
    assert families[a.children["Léa"]]["acked_at"] == families[a.children["Inès"]]["acked_at"] == acked_at
    assert (
        families[a.children["Hugo"]]["acked_at"] is None and families[a.children["Noah"]]["acked_at"] is None
    )
    assert board["summary"]["families"] == 4 and board["summary"]["acked"] == 2
    lea_guardians = {g["user_id"] for g in families[a.children["Léa"]]["guardians"]}
    assert lea_guardians == {a.parents["both"].user_id, world.paul.user_id}

    # Both guardians see the family's signature; signing again changes nothing, whoever does.
    for guardian in (claire, paul):
        assert (await guardian.get(f"/api/threads/{thread_id}")).json()["thread"]["acked_at"] == acked_at
        again = await guardian.post(f"/api/threads/{thread_id}/ack")
        assert again.status_code == 200 and again.json() == {"acked_at": acked_at}
    # Another family has not signed.
    sophie = api(a.parents["cp"].token)
    assert (await sophie.get(f"/api/threads/{thread_id}")).json()["thread"]["acked_at"] is None
    board = (await director.get(f"/api/threads/{thread_id}/receipts")).json()
    assert board["summary"]["acked"] == 2


async def test_paul_signs_for_lea_only(api, world):
    """A guardian signs for the children of the audience he is a guardian of."""
    a = world.a
    teacher = api(a.teachers["CP"].token)
    created = await announce(teacher, class_ids=[a.classes["CP"]], require_ack=True)
    thread_id = created.json()["thread"]["id"]
    signed = await api(world.paul.token).post(f"/api/threads/{thread_id}/ack")
    assert signed.status_code == 200, signed.text
    claire_view = (await api(a.parents["both"].token).get(f"/api/threads/{thread_id}")).json()["thread"]
    assert claire_view["acked_at"] == signed.json()["acked_at"]
    board = (await teacher.get(f"/api/threads/{thread_id}/receipts")).json()
    assert {f["child"]["id"]: bool(f["acked_at"]) for f in board["families"]} == {
        a.children["Léa"]: True,
        a.children["Hugo"]: False,
    }


# -- hostile input -----------------------------------------------------------------------------------

HOSTILE = "'; DROP TABLE messages;-- <img src=x onerror=alert(1)> 👩‍👧 \u202e"


@pytest.fixture
async def conversation(api: Clients, world: World) -> str:
    """A fresh direct thread between Sophie and Hugo's teacher."""
    sophie = api(world.a.parents["cp"].token)
    made = await write_direct(sophie, world.a.children["Hugo"], subject=f"Sujet {tag()}")
    assert made.status_code == 201, made.text
    return made.json()["thread"]["id"]


async def last_seq(client: httpx.AsyncClient, thread_id: str) -> int:
    response = await client.get(f"/api/threads/{thread_id}")
    assert response.status_code == 200, response.text
    return response.json()["thread"]["last_seq"]


async def test_bodies_over_the_limit_write_nothing(api, world, db, conversation):
    sophie = api(world.a.parents["cp"].token)
    before = await last_seq(sophie, conversation)
    response = await sophie.post(f"/api/threads/{conversation}/messages", json={"body": "a" * 20_001})
    assert assert_invalid(response, "body")["fields"]["body"] == "Au plus 20000 caractères."
    assert await last_seq(sophie, conversation) == before
    # Exactly the limit is fine, and comes back whole.
    response = await sophie.post(f"/api/threads/{conversation}/messages", json={"body": "é" * 20_000})
    assert response.status_code == 201, response.text
    assert response.json()["body"] == "é" * 20_000 and response.json()["seq"] == before + 1

    subject = f"Trop long {tag()}"
    response = await write_direct(sophie, world.a.children["Hugo"], subject=subject, body="b" * 20_001)
    assert_invalid(response, "body")
    teacher = api(world.a.teachers["CP"].token)
    response = await teacher.post(
        "/api/threads",
        json=announcement({"class_ids": [world.a.classes["CP"]]}, subject=subject, body="c" * 25_000),
    )
    assert_invalid(response, "body")
    response = await write_direct(sophie, world.a.children["Hugo"], subject="s" * 201)
    assert_invalid(response, "subject")
    assert await db.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 0


async def test_empty_and_blank_bodies_are_refused(api, world, conversation):
    sophie = api(world.a.parents["cp"].token)
    before = await last_seq(sophie, conversation)
    for body in ("", " ", "   \n\t  ", "\u00a0\u2003"):
        response = await sophie.post(f"/api/threads/{conversation}/messages", json={"body": body})
        assert assert_invalid(response, "body")["fields"]["body"] == "Ce champ ne peut pas être vide.", repr(
            body
        )
        response = await write_direct(sophie, world.a.children["Hugo"], body=body)
        assert_invalid(response, "body")
        response = await write_direct(sophie, world.a.children["Hugo"], subject=body)
        assert_invalid(response, "subject")
    assert await last_seq(sophie, conversation) == before


async def test_wrong_types_name_the_field(api, world, conversation):
    a = world.a
    sophie = api(a.parents["cp"].token)
    teacher = api(a.teachers["CP"].token)
    path = f"/api/threads/{conversation}"
    cases = [
        (sophie, f"{path}/read", {"seq": "2"}, "seq"),
        (sophie, f"{path}/read", {"seq": 1.5}, "seq"),
        (sophie, f"{path}/read", {"seq": True}, "seq"),
        (sophie, f"{path}/read", {"seq": -1}, "seq"),
        (sophie, f"{path}/read", {}, "seq"),
        (sophie, f"{path}/messages", {"body": 12}, "body"),
        (sophie, f"{path}/messages", {"body": ["a"]}, "body"),
        (sophie, f"{path}/messages", {"body": "ok", "client_id": 7}, "client_id"),
        (sophie, "/api/threads", direct(a.children["Hugo"], include_director="yes"), "include_director"),
        (sophie, "/api/threads", direct(12345), "child_id"),
        (
            teacher,
            "/api/threads",
            announcement({"class_ids": [a.classes["CP"]]}, require_ack="yes"),
            "require_ack",
        ),
        (teacher, "/api/threads", announcement({"class_ids": [a.classes["CP"]]}, urgent=1), "urgent"),
        (teacher, "/api/threads", announcement({"class_ids": a.classes["CP"]}), "audience.class_ids"),
    ]
    for client, url, body, field in cases:
        error = assert_invalid(await client.post(url, json=body), field)
        assert error["fields"][field], (url, body)
    # Not a JSON object at all, or not JSON.
    for raw in (b"[1, 2]", b'"texte"', b"null"):
        response = await sophie.post(
            f"{path}/messages", content=raw, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 400, "bad_request")
    response = await sophie.post(
        f"{path}/messages", content=b"{body:", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_json")
    response = await sophie.post(
        f"{path}/messages", content=b"body=x", headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 415, "unsupported_media_type")
    response = await sophie.post("/api/threads", json={**direct(a.children["Hugo"]), "kind": "broadcast"})
    assert_invalid(response, "kind")
    assert await last_seq(sophie, conversation) == 1


async def test_unknown_fields_are_refused(api, world, conversation):
    a = world.a
    sophie = api(a.parents["cp"].token)
    path = f"/api/threads/{conversation}"
    cases = [
        (f"{path}/messages", {"body": "Bonjour", "author_id": a.director.user_id}, "author_id"),
        (f"{path}/messages", {"body": "Bonjour", "seq": 1}, "seq"),
        (f"{path}/read", {"seq": 1, "user_id": a.parents["both"].user_id}, "user_id"),
        (f"{path}/reply-privately", {"body": "Bonjour", "thread_id": conversation}, "thread_id"),
        ("/api/threads", direct(a.children["Hugo"], school_id=world.b.id), "school_id"),
        ("/api/threads", direct(a.children["Hugo"], members=[a.parents["both"].user_id]), "members"),
        ("/api/threads", direct(a.children["Hugo"], require_ack=True), "require_ack"),
    ]
    for url, body, field in cases:
        error = assert_invalid(await sophie.post(url, json=body))
        assert set(error["fields"]) == {field}, (url, error)
        assert set(error["fields"].values()) == {"Ce champ n'est pas attendu."}
    assert await last_seq(sophie, conversation) == 1


async def test_client_id_length(api, world, conversation):
    sophie = api(world.a.parents["cp"].token)
    url = f"/api/threads/{conversation}/messages"
    error = assert_invalid(
        await sophie.post(url, json={"body": "Bonjour", "client_id": "x" * 65}), "client_id"
    )
    assert error["fields"]["client_id"] == "Au plus 64 caractères."
    assert_invalid(await sophie.post(url, json={"body": "Bonjour", "client_id": ""}), "client_id")
    assert await last_seq(sophie, conversation) == 1
    response = await sophie.post(url, json={"body": "Bonjour", "client_id": f"{tag()}{'y' * 52}"})
    assert response.status_code == 201 and len(response.json()["client_id"]) == 64


async def test_hostile_text_is_stored_and_returned_verbatim(api, world, db, conversation):
    a = world.a
    sophie = api(a.parents["cp"].token)
    teacher = api(a.teachers["CP"].token)
    posted = await sophie.post(f"/api/threads/{conversation}/messages", json={"body": HOSTILE})
    assert posted.status_code == 201, posted.text
    assert posted.json()["body"] == HOSTILE
    listed = (await teacher.get(f"/api/threads/{conversation}/messages")).json()["messages"]
    assert listed[-1]["body"] == HOSTILE and listed[-1]["id"] == posted.json()["id"]
    full = (await teacher.get(f"/api/threads/{conversation}")).json()
    assert full["messages"][-1]["body"] == HOSTILE
    assert (
        await db.fetchval("SELECT body FROM messages WHERE id = $1", uuid.UUID(posted.json()["id"]))
        == HOSTILE
    )
    assert (
        await db.fetchval("SELECT count(*) FROM messages WHERE thread_id = $1", uuid.UUID(conversation)) == 2
    )

    created = await write_direct(sophie, a.children["Hugo"], subject=HOSTILE, body=HOSTILE)
    assert created.status_code == 201, created.text
    assert created.json()["thread"]["subject"] == HOSTILE and created.json()["message"]["body"] == HOSTILE
    thread_id = created.json()["thread"]["id"]
    inbox = (await teacher.get("/api/threads", params={"limit": 200})).json()["threads"]
    assert next(t for t in inbox if t["id"] == thread_id)["subject"] == HOSTILE


async def test_text_postgresql_cannot_store_is_refused_not_a_500(api, world, conversation):
    """NUL characters and lone surrogates are valid JSON (escaped) but no PostgreSQL text."""
    a = world.a
    sophie = api(a.parents["cp"].token)

    async def send(url: str, body: dict) -> httpx.Response:
        raw = json.dumps(body).encode()  # \u escapes, as a client may send them
        return await sophie.post(url, content=raw, headers={"Content-Type": "application/json"})

    messages = f"/api/threads/{conversation}/messages"
    for text in ("avant\u0000après", "\ud83d", "a\udfffb"):
        assert_invalid(await send(messages, {"body": text}), "body")
        assert_invalid(await send(messages, {"body": "Bonjour", "client_id": f"id{text}"}), "client_id")
        assert_invalid(await send("/api/threads", direct(a.children["Hugo"], subject=text)), "subject")
        assert_invalid(await send("/api/threads", direct(a.children["Hugo"], body=text)), "body")
    assert await last_seq(sophie, conversation) == 1


async def test_someone_elses_thread_in_every_path(api, world, conversation):
    """Luc (school B), Marc (same school) and the CE1 teacher on Sophie's thread:
    404 everywhere, the very answer an unknown id gets."""
    for outsider in (world.b.parents["cm1"], world.a.parents["ce1"], world.a.teachers["CE1"]):
        client = api(outsider.token)
        for action in ACTIONS:
            hidden = await act(client, action, conversation)
            unknown = await act(client, action, str(uuid.uuid4()))
            assert hidden.status_code == unknown.status_code == 404, (action, hidden.text)
            assert hidden.json() == unknown.json()
    # A malformed id is unknown too.
    sophie = api(world.a.parents["cp"].token)
    for path in ("/api/threads/123", "/api/threads/pas-un-uuid/messages", "/api/threads/%27%3B--/ack"):
        response = await (sophie.get(path) if "ack" not in path else sophie.post(path))
        assert_error(response, 404, "not_found")
    assert await last_seq(sophie, conversation) == 1


async def test_client_id_is_per_user_and_per_thread(api, world, db):
    a = world.a
    sophie, teacher = api(a.parents["cp"].token), api(a.teachers["CP"].token)
    first = (await write_direct(sophie, a.children["Hugo"])).json()["thread"]["id"]
    second = (await write_direct(sophie, a.children["Hugo"])).json()["thread"]["id"]
    client_id = f"cid-{tag()}"
    posted = await sophie.post(f"/api/threads/{first}/messages", json={"body": "Un", "client_id": client_id})
    assert posted.status_code == 201, posted.text
    # The same message again (a retry) gives the first result.
    again = await sophie.post(f"/api/threads/{first}/messages", json={"body": "Un", "client_id": client_id})
    assert again.status_code == 201 and again.json() == posted.json()
    # Reused for another thread: a conflict, nothing written.
    reused = await sophie.post(
        f"/api/threads/{second}/messages", json={"body": "Deux", "client_id": client_id}
    )
    assert assert_error(reused, 409, "client_id_reused")
    assert await last_seq(sophie, second) == 1
    # ... and for a new thread, a reply or anything else: never someone's earlier message.
    for url, body in (
        ("/api/threads", direct(a.children["Hugo"], client_id=client_id)),
        ("/api/threads", direct(a.children["Hugo"], subject="Autre sujet", client_id=client_id)),
    ):
        response = await sophie.post(url, json=body)
        assert_error(response, 409, "client_id_reused")
    # Another user's client ids are theirs: two independent creates.
    mine = await teacher.post(
        f"/api/threads/{first}/messages", json={"body": "Trois", "client_id": client_id}
    )
    assert mine.status_code == 201, mine.text
    assert (
        mine.json()["id"] != posted.json()["id"] and mine.json()["author"]["id"] == a.teachers["CP"].user_id
    )
    assert mine.json()["seq"] == posted.json()["seq"] + 1
    response = await announce(teacher, class_ids=[a.classes["CP"]], client_id=client_id)
    assert_error(response, 409, "client_id_reused")
    count = await db.fetchval("SELECT count(*) FROM messages WHERE client_id = $1", client_id)
    assert count == 2


async def test_two_users_same_client_id_for_new_threads(api, world):
    a = world.a
    client_id = f"shared-{tag()}"
    sophie, claire = api(a.parents["cp"].token), api(a.parents["both"].token)
    one = await write_direct(sophie, a.children["Hugo"], client_id=client_id)
    two = await write_direct(claire, a.children["Léa"], client_id=client_id)
    assert one.status_code == two.status_code == 201, (one.text, two.text)
    assert one.json()["thread"]["id"] != two.json()["thread"]["id"]
    assert one.json()["thread"]["child_id"] == a.children["Hugo"]
    assert two.json()["thread"]["child_id"] == a.children["Léa"]
    # Each retry finds its own.
    retry = await write_direct(claire, a.children["Léa"], client_id=client_id)
    assert retry.json()["thread"]["id"] == two.json()["thread"]["id"]


async def test_a_reply_with_a_reused_client_id_is_a_conflict(api, world):
    a = world.a
    teacher, sophie = api(a.teachers["CP"].token), api(a.parents["cp"].token)
    first = (await announce(teacher, class_ids=[a.classes["CP"]])).json()["thread"]["id"]
    second = (await announce(teacher, class_ids=[a.classes["CP"]])).json()["thread"]["id"]
    client_id = f"reply-{tag()}"
    replied = await sophie.post(
        f"/api/threads/{first}/reply-privately", json={"body": "Oui", "client_id": client_id}
    )
    assert replied.status_code == 201, replied.text
    again = await sophie.post(
        f"/api/threads/{first}/reply-privately", json={"body": "Oui", "client_id": client_id}
    )
    assert again.status_code == 201 and again.json()["message"]["id"] == replied.json()["message"]["id"]
    other = await sophie.post(
        f"/api/threads/{second}/reply-privately", json={"body": "Non", "client_id": client_id}
    )
    assert_error(other, 409, "client_id_reused")


# -- WebSocket ----------------------------------------------------------------------------------------


def ws_url(server) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


async def close_code(connection, within: float) -> int | None:
    """Read until the server closes; the code it sent."""
    async with asyncio.timeout(within):
        try:
            while True:
                await connection.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


async def session_cookie(api, person: Person) -> str:
    response = await api().post(
        "/api/session", json={"login": person.login, "password": "cahier-de-liaison-2026"}
    )
    assert response.status_code == 200, response.text
    return response.cookies["liaison_session"]


async def test_websocket_needs_authentication(server, api, world):
    url = ws_url(server)
    cookie = await session_cookie(api, world.a.parents["cp"])

    async def silent() -> tuple[int | None, float]:
        started = time.monotonic()
        async with websockets.connect(url, proxy=None) as connection:
            return await close_code(connection, 10), time.monotonic() - started

    async def foreign_cookie() -> tuple[int | None, float]:
        started = time.monotonic()
        async with websockets.connect(
            url,
            proxy=None,
            origin="https://evil.example",
            additional_headers={"Cookie": f"liaison_session={cookie}"},
        ) as connection:
            return await close_code(connection, 10), time.monotonic() - started

    async def wrong_token() -> int | None:
        async with websockets.connect(url, proxy=None) as connection:
            await connection.send(json.dumps({"type": "auth", "token": "faux-" + tag()}))
            return await close_code(connection, 5)

    async def bad_first_frame(frame: str) -> int | None:
        async with websockets.connect(url, proxy=None) as connection:
            await connection.send(frame)
            return await close_code(connection, 5)

    (silent_code, silent_time), (foreign_code, foreign_time), *others = await asyncio.gather(
        silent(),
        foreign_cookie(),
        wrong_token(),
        bad_first_frame("{pas du json"),
        bad_first_frame(json.dumps({"type": "auth", "token": 42})),
        bad_first_frame(json.dumps({"type": "ping"})),
        bad_first_frame(json.dumps({"type": "auth", "token": "x" * 5000})),
    )
    assert silent_code == 4401 and 4.5 < silent_time < 8, (silent_code, silent_time)
    # The cookie of a page of another site is not used: it waits for the auth frame, like a silent one.
    assert foreign_code == 4401 and 4.5 < foreign_time < 8, (foreign_code, foreign_time)
    assert others == [4401] * 5


async def test_websocket_cookie_from_our_origin(server, api, world):
    url = ws_url(server)
    sophie = world.a.parents["cp"]
    cookie = await session_cookie(api, sophie)
    async with websockets.connect(
        url, proxy=None, origin=server.url, additional_headers={"Cookie": f"liaison_session={cookie}"}
    ) as connection:
        ready = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert ready["type"] == "ready" and isinstance(ready["pos"], int)
        await connection.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(connection.recv(), 5)) == {"type": "pong"}
    # A foreign page's socket gets in with the token, not with the cookie.
    async with websockets.connect(
        url,
        proxy=None,
        origin="https://evil.example",
        additional_headers={"Cookie": f"liaison_session={cookie}"},
    ) as connection:
        await connection.send(json.dumps({"type": "auth", "token": sophie.token}))
        assert json.loads(await asyncio.wait_for(connection.recv(), 5))["type"] == "ready"


async def test_websocket_bad_frames_get_an_error_and_the_socket_goes_on(server, world):
    live = await Live.connect(server.url, world.a.parents["cp"].token)
    frames = [
        "{pas du json",
        "",
        "[1, 2]",
        '"texte"',
        "null",
        "{}",
        json.dumps({"type": 5}),
        json.dumps({"type": "inconnu"}),
        json.dumps({"type": "resume", "since": -1}),
        json.dumps({"type": "resume", "since": "3"}),
        json.dumps({"type": "resume", "since": 1.5}),
        json.dumps({"type": "resume", "since": True}),
        json.dumps({"type": "resume"}),
    ]
    for frame in frames:
        await live.connection.send(frame)
        error = await live.next("error")
        assert error["code"] == "bad_frame" and error["message"], frame
        await live.connection.send(json.dumps({"type": "ping"}))
        assert await live.next("pong") == {"type": "pong"}
    await live.close()


@pytest.mark.parametrize("first", [True, False])
async def test_websocket_survives_deeply_nested_json(server, world, first):
    live = await Live.connect(server.url, world.a.parents["cp"].token)
    if not first:  # also as the very first frame, while live events wait for a resume
        await live.connection.send(json.dumps({"type": "ping"}))
        assert await live.next("pong") == {"type": "pong"}
    await live.connection.send("[" * 50_000)
    assert (await live.next("error"))["code"] == "bad_frame"
    await live.connection.send(json.dumps({"type": "ping"}))
    assert await live.next("pong") == {"type": "pong"}
    await live.close()


# -- a client too slow to follow -----------------------------------------------------------------------


async def realtime_connections(client: httpx.AsyncClient) -> float:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    match = re.search(r"^liaison_realtime_connections (\S+)$", response.text, re.MULTILINE)
    assert match, response.text
    return float(match.group(1))


async def test_a_socket_that_never_reads_is_cut_and_others_keep_up(server, api, world):
    b = world.b
    director = api(b.director.token)
    made = await write_direct(director, b.children["Jade"], subject=f"Flot {tag()}")
    assert made.status_code == 201, made.text
    thread_id = made.json()["thread"]["id"]
    metrics = api()

    # Luc's socket: authenticated, then never read again, with a tiny receive buffer.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    slow = await websockets.connect(
        ws_url(server),
        sock=sock,
        proxy=None,
        max_queue=1,
        max_size=2**22,
        ping_interval=None,
        compression=None,
    )
    await slow.send(json.dumps({"type": "auth", "token": b.parents["cm1"].token}))
    assert json.loads(await asyncio.wait_for(slow.recv(), 5))["type"] == "ready"
    # The teacher's socket reads everything.
    fast = await Live.connect(server.url, b.teachers["CM1"].token)
    seen: set[int] = set()
    caught_up = asyncio.Event()
    wanted = 1

    async def follow() -> None:
        while True:
            frame = await fast.next("message.created")
            if frame["data"]["thread_id"] == thread_id:
                seen.add(frame["data"]["seq"])
                if len(seen) >= wanted:
                    caught_up.set()

    follower = asyncio.create_task(follow())
    baseline = await realtime_connections(metrics)
    body = "Le cahier de liaison déborde. " * 666  # 19,980 characters
    assert 19_900 < len(body) <= 20_000

    async def post(i: int) -> None:
        response = await director.post(f"/api/threads/{thread_id}/messages", json={"body": f"{i} {body}"})
        assert response.status_code == 201, response.text

    posted, cut = 0, False
    try:
        # About 1,350 are needed here: the 1,000 events of the queue, and what the
        # kernel buffers of the connection hold (~140 frames of 20 kB).
        # Bounded by count, not time: a loaded machine posts more slowly, not fewer.
        while not cut and posted < 3_000:
            await asyncio.gather(*(post(posted + i) for i in range(50)))
            posted += 50
            # The reader gets every event at once, however stuck the other socket is.
            wanted = posted
            caught_up.clear()
            if len(seen) < wanted:
                await asyncio.wait_for(caught_up.wait(), 5)
            cut = await realtime_connections(metrics) < baseline
        # The server gives up on the slow socket shortly after its queue overflows.
        deadline = time.monotonic() + 30  # a bound for a broken server, not a timing
        while not cut and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            cut = await realtime_connections(metrics) < baseline
        assert cut, f"the slow socket was never cut ({posted} messages posted)"
        assert posted > 1_000  # it had to overflow its queue of 1,000 events
        assert seen == set(range(2, posted + 2))
        assert await realtime_connections(metrics) == baseline - 1  # only the slow one went
        # Read now, the slow socket gets what the kernel held for it, then the end.
        # (The 4429 close frame cannot pass a send buffer that stays full: the
        # server gives up on it and drops the connection, which reads as 1006.)
        drained = 0
        with pytest.raises(websockets.ConnectionClosed) as ended:
            async with asyncio.timeout(10):
                while True:
                    await slow.recv()
                    drained += 1
        assert drained < posted
        # (Or the server's keepalive gave up first on a peer that answers no ping: 1011.)
        assert ended.value.rcvd is None or ended.value.rcvd.code in (4429, 1011), ended.value
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await fast.close()
        slow.transport.abort()
