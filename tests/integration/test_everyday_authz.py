"""The authorisation matrix of the everyday uses (issues 5 and 12): absences (reports,
cancelling, the registers, the roll call), the board,
sign-ups, recalled and scheduled messages, the agenda.

Each role (signed out; admin; school A's director, CP teacher, CE1 teacher,
Sophie (Hugo, CP), Marc (Noah, CE1); school B's director, teacher and parent)
× each endpoint on school A's resources. 2xx allowed, 403 "exists but not for
you", 404 "not even known to exist", 401 "sign in".
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from liaison.calendar.days import Calendar
from liaison.core.clock import paris_today
from tests.conftest import Clients
from tests.world import World, announce, build_world, open_signup, roll_call_day

ROLES = ["anonymous", "admin", "director_a", "teacher_cp", "teacher_ce1", "sophie", "marc",
         "director_b", "teacher_b", "parent_b"]  # fmt: skip


def expect(
    anonymous, admin, director_a, teacher_cp, teacher_ce1, sophie, marc, director_b, teacher_b, parent_b
):
    return dict(zip(ROLES, (anonymous, admin, director_a, teacher_cp, teacher_ce1, sophie, marc, director_b,
                            teacher_b, parent_b), strict=True))  # fmt: skip


OK = (200, 201, 202, 204)
MATRIX = {
    # Hugo's absence: only his family reports; the staff of the school know he exists.
    "report_absence_hugo": expect(401, 404, 403, 403, 403, OK, 404, 404, 404, 404),
    # The CP register: a reason is health data, its teachers and the director only.
    "cp_register": expect(401, 403, OK, OK, 403, 404, 404, 404, 404, 404),
    # The school's day: the director.
    "school_register": expect(401, 403, OK, 403, 403, 404, 404, 404, 404, 404),
    # The CP roll call: its teachers.
    "cp_roll_call": expect(401, 403, 403, OK, 403, 404, 404, 404, 404, 404),
    # Hugo's reported absence: only his family cancels; who reads the register knows it.
    "cancel_absence_hugo": expect(401, 403, 403, 403, 404, OK, 404, 404, 404, 404),
    # The check time: the director (and the admin).
    "check_time": expect(401, OK, OK, 403, 403, 403, 403, 404, 404, 404),
    # The board of the CP teacher's announcement asking for a signature.
    "board": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    "remind": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    "paper_ack": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    # The CP sign-up: its families volunteer; the names are for its staff.
    "sign_up": expect(401, 404, 403, 403, 404, OK, 404, 404, 404, 404),
    "signup_names": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    "signup_print": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    # The sign-up's date in the CP agenda: its staff who write that agenda.
    "signup_date": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    # The CP teacher's own message: only its author recalls or corrects it.
    "recall": expect(401, 404, 403, OK, 404, 403, 404, 404, 404, 404),
    "correct": expect(401, 404, 403, OK, 404, 403, 404, 404, 404, 404),
    # Scheduling into the CP announcement: its staff may post, families may not.
    "schedule_into": expect(401, 404, OK, OK, 404, 403, 404, 404, 404, 404),
    # The CP agenda: read by its families and the school's staff, written by its teacher and the director.
    "cp_agenda_read": expect(401, OK, OK, OK, OK, OK, 404, 404, 404, 404),
    "cp_agenda_write": expect(401, OK, OK, OK, 403, 403, 404, 404, 404, 404),
    "school_agenda_write": expect(401, OK, OK, 403, 403, 403, 403, 404, 404, 404),
    # Everyone's own calendar address, as a QR code.
    "calendar_qr": expect(401, OK, OK, OK, OK, OK, OK, OK, OK, OK),
}


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    world = await build_world(api)
    a = world.a
    teacher = api(a.teachers["CP"].token)
    board = await announce(
        teacher, "Autorisation", class_ids=[a.classes["CP"]], body="À signer.", require_ack=True
    )
    signup = await open_signup(
        teacher, "Sortie", {"Jeudi": 100}, class_ids=[a.classes["CP"]], body="Qui vient ?"
    )
    world.board_id = board.json()["thread"]["id"]
    world.signup_id = signup.json()["thread"]["id"]
    world.slot_id = signup.json()["thread"]["slots"][0]["id"]
    day = next_school_day(skip=1).isoformat()
    reported = await api(a.parents["cp"].token).post(
        "/api/absences", json={"child_id": a.children["Hugo"], "start": day, "end": day, "reason": "illness"}
    )
    assert reported.status_code == 201, reported.text
    world.absence_id = reported.json()["absence"]["id"]
    return world


def tokens(world) -> dict[str, str | None]:
    a, b = world.a, world.b
    return {
        "anonymous": None,
        "admin": world.admin,
        "director_a": a.director.token,
        "teacher_cp": a.teachers["CP"].token,
        "teacher_ce1": a.teachers["CE1"].token,
        "sophie": a.parents["cp"].token,
        "marc": a.parents["ce1"].token,
        "director_b": b.director.token,
        "teacher_b": b.teachers["CM1"].token,
        "parent_b": b.parents["cm1"].token,
    }


def next_school_day(skip: int = 0) -> dt.date:
    """A school day of the default calendar (the world's schools keep it), three days on or later."""
    return Calendar().next_school_days(paris_today() + dt.timedelta(days=3), skip + 1)[-1]


def when(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


async def call(api, client, endpoint: str, world):
    a = world.a
    if endpoint == "report_absence_hugo":
        day = next_school_day().isoformat()
        return await client.post(
            "/api/absences",
            json={
                "child_id": a.children["Hugo"],
                "start": day,
                "end": day,
                "reason": "illness",
                "client_id": uuid.uuid4().hex,
            },
        )
    if endpoint == "cp_register":
        return await client.get(f"/api/classes/{a.classes['CP']}/absences")
    if endpoint == "school_register":
        return await client.get(f"/api/schools/{a.id}/absences")
    if endpoint == "cp_roll_call":
        body = {"date": roll_call_day().isoformat(), "part": "afternoon", "absent": []}
        return await client.post(f"/api/classes/{a.classes['CP']}/roll-call", json=body)
    if endpoint == "cancel_absence_hugo":
        return await client.post(f"/api/absences/{world.absence_id}/cancel")
    if endpoint == "check_time":
        return await client.put(f"/api/schools/{a.id}/absence-settings", json={"check_time": "08:20"})
    if endpoint == "board":
        return await client.get(f"/api/threads/{world.board_id}/receipts")
    if endpoint == "remind":
        response = await client.post(f"/api/threads/{world.board_id}/remind")
        # Once a day: a second allowed caller gets 409 (allowed, but already done today).
        return response if response.status_code != 409 else _Allowed()
    if endpoint == "paper_ack":
        return await client.post(
            f"/api/threads/{world.board_id}/paper-acks", json={"child_id": a.children["Léa"]}
        )
    if endpoint == "sign_up":
        return await client.post(f"/api/threads/{world.signup_id}/signups", json={"slot_id": world.slot_id})
    if endpoint == "signup_names":
        return await client.get(f"/api/threads/{world.signup_id}/signups")
    if endpoint == "signup_print":
        return await client.get(f"/api/threads/{world.signup_id}/signups/print")
    if endpoint == "signup_date":
        return await client.put(
            f"/api/threads/{world.signup_id}/agenda", json={"starts_at": when(5), "ends_at": when(6)}
        )
    if endpoint == "calendar_qr":
        return await client.get("/api/me/calendar/qr")
    if endpoint in ("recall", "correct"):
        # A fresh message of the CP teacher into the board thread each time.
        posted = await api(a.teachers["CP"].token).post(
            f"/api/threads/{world.board_id}/messages", json={"body": "Précision."}
        )
        seq = posted.json()["seq"]
        path = f"/api/threads/{world.board_id}/messages/{seq}"
        return await (
            client.delete(path) if endpoint == "recall" else client.patch(path, json={"body": "Corrigé."})
        )
    if endpoint == "schedule_into":
        return await client.post(
            f"/api/threads/{world.board_id}/messages", json={"body": "Plus tard.", "send_at": when(1)}
        )
    event = {"title": "Sortie", "starts_at": when(5), "ends_at": when(6)}
    if endpoint == "cp_agenda_read":
        return await client.get(f"/api/classes/{a.classes['CP']}/events")
    if endpoint == "cp_agenda_write":
        return await client.post(f"/api/classes/{a.classes['CP']}/events", json=event)
    if endpoint == "school_agenda_write":
        return await client.post(f"/api/schools/{a.id}/events", json=event)
    raise AssertionError(endpoint)


class _Allowed:
    status_code = 200

    def json(self):
        return {}


@pytest.mark.parametrize("endpoint", list(MATRIX))
@pytest.mark.usefixtures("in_term")  # the roll call row needs a school day in the last 31 days
async def test_everyday_matrix(api, world, endpoint):
    people = tokens(world)
    for role in ROLES:
        response = await call(api, api(people[role]), endpoint, world)
        expected = MATRIX[endpoint][role]
        allowed = expected if isinstance(expected, tuple) else (expected,)
        assert response.status_code in allowed, (endpoint, role, response.status_code, response.json())
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message"}


async def test_a_closed_signup_refuses(api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    closed = await open_signup(
        teacher, "Fini", {"Hier": 3}, class_ids=[a.classes["CP"]], body="Trop tard.", closes_at=when(-1)
    )
    assert closed.status_code == 201, closed.text
    slot = closed.json()["thread"]["slots"][0]
    refused = await api(a.parents["cp"].token).post(
        f"/api/threads/{closed.json()['thread']['id']}/signups", json={"slot_id": slot["id"]}
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "closed"
