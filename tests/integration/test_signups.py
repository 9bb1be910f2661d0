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
