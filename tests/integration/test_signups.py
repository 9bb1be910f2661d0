"""Sign-ups: never more confirmed than places, a waiting list in arrival order."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.conftest import Clients
from tests.live import Live
from tests.world import (
    activate,
    add_staff,
    admin_token,
    create_school,
    families,
    import_roster,
    open_signup,
    roster,
)


@pytest.fixture(scope="module")
async def class_of_fifty(api: Clients) -> dict[str, Any]:
    """A class of 50 families, each with an activated guardian, and its teacher."""
    anonymous = api()
    admin = api(await admin_token(anonymous))
    school_id = await create_school(admin)
    teacher = await add_staff(admin, anonymous, school_id, "teacher", "Mme Sortie", ["CM1"])
    rows = families("CM1", 50, birth_date="01/01/2017")
    response = await import_roster(api(teacher.token), school_id, roster(rows))
    assert response.status_code == 403  # a teacher does not import: the admin does
    response = await import_roster(admin, school_id, roster(rows))
    guardians = response.json()["guardians"]
    tokens = await asyncio.gather(*(activate(anonymous, g["activation_code"]) for g in guardians))
    me = (await api(teacher.token).get("/api/me")).json()
    return {"teacher": teacher, "class_id": me["classes"][0]["id"], "parents": tokens}


async def new_outing(api: Clients, world: dict[str, Any], capacity: int = 4) -> tuple[str, str]:
    response = await open_signup(
        api(world["teacher"].token),
        "Sortie au parc de la Tête d'Or",
        {"Accompagnateurs jeudi": capacity},
        class_ids=[world["class_id"]],
        body="Nous cherchons des parents accompagnateurs.",
    )
    assert response.status_code == 201, response.text
    thread = response.json()["thread"]
    assert thread["kind"] == "signup" and thread["slots"][0]["capacity"] == capacity
    return thread["id"], thread["slots"][0]["id"]


async def test_fifty_families_for_four_places(api, class_of_fifty):
    thread_id, slot_id = await new_outing(api, class_of_fifty)
    parents = class_of_fifty["parents"]
    responses = await asyncio.gather(
        *(
            api(token).post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
            for token in parents
        )
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("confirmed") == 4 and statuses.count("waitlisted") == 46

    board = (await api(class_of_fifty["teacher"].token).get(f"/api/threads/{thread_id}/signups")).json()
    slot = board["slots"][0]
    assert (slot["confirmed"], slot["waitlisted"]) == (4, 46)
    waiting = [s["signup_id"] for s in slot["signups"] if s["status"] == "waitlisted"]
    confirmed = [
        (i, r.json()["signup_id"]) for i, r in enumerate(responses) if r.json()["status"] == "confirmed"
    ]

    # Withdrawals confirm the waiting families in their order of arrival.
    signup_owner = {r.json()["signup_id"]: parents[i] for i, r in enumerate(responses)}
    for expected_next, (_, signup_id) in zip(waiting[:2], confirmed[:2], strict=True):
        owner = api(signup_owner[signup_id])
        assert (await owner.delete(f"/api/threads/{thread_id}/signups/{signup_id}")).status_code == 204
        board = (await api(class_of_fifty["teacher"].token).get(f"/api/threads/{thread_id}/signups")).json()
        statuses = {s["signup_id"]: s["status"] for s in board["slots"][0]["signups"]}
        assert statuses[expected_next] == "confirmed"
        assert board["slots"][0]["confirmed"] == 4
    assert board["slots"][0]["waitlisted"] == 44


async def test_one_signup_per_family_and_live_counts(server, api, class_of_fifty):
    thread_id, slot_id = await new_outing(api, class_of_fifty, capacity=1)
    first, second = class_of_fifty["parents"][:2]
    watcher = await Live.connect(server.url, second)
    signed = await api(first).post(
        f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id, "note": "Je peux conduire."}
    )
    assert signed.status_code == 201 and signed.json()["status"] == "confirmed"
    again = await api(first).post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    assert again.status_code == 200 and again.json() == signed.json()
    update = await watcher.until(lambda f: f["type"] == "signup.updated")
    assert update["data"]["slots"][0]["confirmed"] == 1
    assert "Je peux conduire" not in str(update["data"])  # names and notes stay with the staff
    fifth = await api(second).post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    assert fifth.json()["status"] == "waitlisted"
    thread = (await api(second).get(f"/api/threads/{thread_id}")).json()["thread"]
    assert thread["slots"][0]["mine"] == {"signup_id": fifth.json()["signup_id"], "status": "waitlisted"}
    await watcher.close()


async def test_who_may_sign_up(api, class_of_fifty):
    thread_id, slot_id = await new_outing(api, class_of_fifty)
    teacher = api(class_of_fifty["teacher"].token)
    assert (
        await teacher.post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    ).status_code == 403
    parent = api(class_of_fifty["parents"][0])
    assert (await parent.get(f"/api/threads/{thread_id}/signups")).status_code == 403  # names: staff only
    unknown = await parent.post(f"/api/threads/{thread_id}/signups", json={"slot_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    other = await parent.delete(f"/api/threads/{thread_id}/signups/{uuid.uuid4()}")
    assert other.status_code == 404
    bad = await open_signup(teacher, "x", {}, body="y")
    assert bad.status_code == 422 and "slots" in bad.json()["error"]["fields"]


async def test_the_staff_see_who_signed_up_live_and_on_paper(server, api, class_of_fifty):
    thread_id, slot_id = await new_outing(api, class_of_fifty, capacity=1)
    teacher = api(class_of_fifty["teacher"].token)
    first, second, third = (api(t) for t in class_of_fifty["parents"][2:5])
    watcher = await Live.connect(server.url, class_of_fifty["teacher"].token)
    for parent, note in ((first, "Je peux conduire."), (second, ""), (third, "Après 10 h <seulement>")):
        assert (
            await parent.post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id, "note": note})
        ).status_code == 201
        # The staff's screen hears of each sign-up (never with the names: it asks for them).
        update = await watcher.until(
            lambda f: f["type"] == "signup.updated" and f["data"]["thread_id"] == thread_id
        )
        assert "note" not in str(update["data"])
    await watcher.close()

    view = (await teacher.get(f"/api/threads/{thread_id}/signups")).json()
    (slot,) = view["slots"]
    assert (slot["confirmed"], slot["waitlisted"], slot["mine"]) == (1, 2, None)
    people = [await parent.get("/api/me") for parent in (first, second, third)]
    names = [p.json()["user"]["display_name"] for p in people]
    children = [p.json()["children"][0] for p in people]
    # The confirmed family, then the waiting list in the order it will be called.
    assert [s["status"] for s in slot["signups"]] == ["confirmed", "waitlisted", "waitlisted"]
    assert [s["guardian"]["display_name"] for s in slot["signups"]] == names
    assert [s["child"] for s in slot["signups"]] == [
        {"id": c["id"], "display_name": c["display_name"], "class_id": class_of_fifty["class_id"]}
        for c in children
    ]
    assert [s["note"] for s in slot["signups"]] == ["Je peux conduire.", "", "Après 10 h <seulement>"]
    assert all(s["signed_up_at"].endswith("Z") for s in slot["signups"])

    # On paper: the same list, escaped, for the staff only.
    paper = await teacher.get(f"/api/threads/{thread_id}/signups/print")
    assert paper.status_code == 200 and paper.headers["content-type"].startswith("text/html")
    assert paper.headers["cache-control"] == "no-store"
    text = paper.text
    assert "Accompagnateurs jeudi : 1 famille inscrite sur 1 place" in text
    assert (
        text.index(children[0]["display_name"])
        < text.index("Liste d'attente")
        < text.index(children[1]["display_name"])
        < text.index(children[2]["display_name"])
    )
    assert "Après 10 h &lt;seulement&gt;" in text and "<seulement>" not in text
    assert names[0] in text and "CM1" in text

    # Families keep seeing counts and their own sign-up only.
    family = api(class_of_fifty["parents"][2])
    assert (await family.get(f"/api/threads/{thread_id}/signups")).status_code == 403
    assert (await family.get(f"/api/threads/{thread_id}/signups/print")).status_code == 403
    seen = (await family.get(f"/api/threads/{thread_id}")).json()["thread"]["slots"][0]
    assert seen["mine"]["status"] == "confirmed" and "signups" not in seen
    assert (await api().get(f"/api/threads/{thread_id}/signups/print")).status_code == 401


async def test_a_family_of_two_children_signs_up_once(api, world):
    """Claire has Léa in CP and Inès (the elder) in CE1: a sign-up of the whole
    school is filed under Léa, first in school order, as her private replies are."""
    a = world.a
    made = await open_signup(api(a.director.token), "Kermesse", {"Stand crêpes": 2})
    thread_id, slot_id = made.json()["thread"]["id"], made.json()["thread"]["slots"][0]["id"]
    claire = api(a.parents["both"].token)
    signed = await claire.post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    assert signed.status_code == 201
    again = await claire.post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    assert again.status_code == 200 and again.json() == signed.json()
    view = (await api(a.director.token).get(f"/api/threads/{thread_id}/signups")).json()
    (line,) = view["slots"][0]["signups"]
    assert line["child"]["id"] == a.children["Léa"] and line["child"]["class_id"] == a.classes["CP"]
    assert line["guardian"]["id"] == a.parents["both"].user_id
