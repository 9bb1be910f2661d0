"""Absence reports: a family reports, the teacher sees it at once, the family sees it was seen."""

from __future__ import annotations

import datetime as dt

import pytest

from liaison.absences import rules
from tests.live import Live


def next_school_day(after: dt.date | None = None) -> dt.date:
    day = (after or dt.date.today()) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def report(child_id: str, start: dt.date, end: dt.date | None = None, **extra) -> dict:
    return {
        "child_id": child_id,
        "start": start.isoformat(),
        "end": (end or start).isoformat(),
        "part": "day",
        "reason": "illness",
        "note": "Fièvre depuis cette nuit.",
        **extra,
    }


async def test_a_reported_absence_is_seen_live_and_the_family_sees_it_was_read(server, api, world):
    a = world.a
    day = next_school_day()
    teacher_live = await Live.connect(server.url, a.teachers["CP"].token)
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)
    sophie = api(a.parents["cp"].token)
    response = await sophie.post(
        "/api/absences", json=report(a.children["Hugo"], day, client_id="abs-hugo-1")
    )
    assert response.status_code == 201, response.text
    absence, thread = response.json()["absence"], response.json()["thread"]
    assert (thread["kind"], thread["urgent"], thread["child_id"]) == ("absence", True, a.children["Hugo"])
    assert absence["start"] == day.isoformat() and absence["seen_at"] is None
    assert thread["subject"] == rules.subject("Hugo", day, day)

    reported = await teacher_live.next("absence.reported")
    assert reported["data"]["id"] == absence["id"] and reported["data"]["reason"] == "illness"

    teacher = api(a.teachers["CP"].token)
    register = (
        await teacher.get(f"/api/classes/{a.classes['CP']}/absences", params={"date": day.isoformat()})
    ).json()
    assert [x["id"] for x in register["absences"]] == [absence["id"]]
    assert register["absences"][0]["reported_by"]["id"] == a.parents["cp"].user_id

    # The teacher opens it: the family sees "Vu par …", the register shows when.
    assert (await teacher.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})).status_code == 204
    seen = await sophie_live.until(lambda f: f["type"] == "receipt.updated")
    assert seen["data"]["user_id"] == a.teachers["CP"].user_id and seen["data"]["display_name"]
    assert seen["data"]["is_staff"] is True
    # Opened later, the thread says the same: "Vu par" survives a reload.
    opened = (await sophie.get(f"/api/threads/{thread['id']}")).json()["thread"]
    assert [(r["user_id"], r["is_staff"], r["read_seq"]) for r in opened["seen_by"]] == [
        (a.teachers["CP"].user_id, True, 1)
    ]
    register = (
        await teacher.get(f"/api/classes/{a.classes['CP']}/absences", params={"date": day.isoformat()})
    ).json()
    assert register["absences"][0]["seen_at"] == seen["data"]["read_at"]

    # A phone retrying gives the first report, not a second one.
    again = await sophie.post("/api/absences", json=report(a.children["Hugo"], day, client_id="abs-hugo-1"))
    assert again.status_code == 201 and again.json()["absence"]["id"] == absence["id"]
    await teacher_live.close()
    await sophie_live.close()


async def test_spans_and_half_days_in_the_register(api, world):
    a = world.a
    start = next_school_day(dt.date.today() + dt.timedelta(days=14))
    end = start + dt.timedelta(days=3)
    claire = api(a.parents["both"].token)
    response = await claire.post(
        "/api/absences", json=report(a.children["Inès"], start, end, part="morning", reason="family")
    )
    assert response.status_code == 201, response.text
    teacher = api(a.teachers["CE1"].token)
    for day in (start, end):
        listed = (
            await teacher.get(f"/api/classes/{a.classes['CE1']}/absences", params={"date": day.isoformat()})
        ).json()
        assert [x["part"] for x in listed["absences"]] == ["morning"]
    after = (
        await teacher.get(
            f"/api/classes/{a.classes['CE1']}/absences",
            params={"date": (end + dt.timedelta(days=1)).isoformat()},
        )
    ).json()
    assert after["absences"] == []


@pytest.mark.parametrize(
    ("start_days", "end_days", "field"),
    [
        (3, 1, "end"),  # end before start
        (0, 40, "end"),  # over 31 days
        (-400, -400, "start"),  # far in the past
        (400, 400, "start"),  # far in the future
    ],
)
async def test_invalid_spans(api, world, start_days, end_days, field):
    a = world.a
    today = dt.date.today()
    body = report(
        a.children["Noah"], today + dt.timedelta(days=start_days), today + dt.timedelta(days=end_days)
    )
    response = await api(a.parents["ce1"].token).post("/api/absences", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


async def test_weekend_only_and_malformed_input(api, world):
    a = world.a
    marc = api(a.parents["ce1"].token)
    saturday = dt.date.today() + dt.timedelta(days=(5 - dt.date.today().weekday()) % 7 or 7)
    response = await marc.post(
        "/api/absences", json=report(a.children["Noah"], saturday, saturday + dt.timedelta(days=1))
    )
    assert response.status_code == 422 and "samedi" in response.json()["error"]["fields"]["start"]
    for bad, field in (
        ({"start": "31/12/2026"}, "start"),
        ({"reason": "flemme"}, "reason"),
        ({"part": "soir"}, "part"),
    ):
        body = {**report(a.children["Noah"], next_school_day()), **bad}
        response = await marc.post("/api/absences", json=body)
        assert response.status_code == 422 and field in response.json()["error"]["fields"], response.text


async def test_who_may_report_and_read_the_register(api, world):
    a, b = world.a, world.b
    day = next_school_day()
    # Another family's child, a child of another school: unknown (404); the staff: 403.
    for token, child in (
        (a.parents["cp"].token, a.children["Noah"]),
        (b.parents["cm1"].token, a.children["Hugo"]),
    ):
        response = await api(token).post("/api/absences", json=report(child, day))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = await api(a.teachers["CP"].token).post("/api/absences", json=report(a.children["Hugo"], day))
    assert response.status_code == 403
    path = f"/api/classes/{a.classes['CP']}/absences"
    expected = {
        a.teachers["CP"].token: 200,
        a.teachers["CE1"].token: 200,
        a.director.token: 200,
        a.parents["cp"].token: 404,
        b.director.token: 404,
        b.teachers["CM1"].token: 404,
    }
    for token, status in expected.items():
        assert (await api(token).get(path, params={"date": day.isoformat()})).status_code == status
    assert (await api().get(path)).status_code == 401


async def test_unread_absences_are_flagged_to_the_director_at_check_time(server, api, db, world):
    from liaison.absences import checks
    from liaison.core.clock import PARIS

    a = world.a
    day = next_school_day(dt.date.today() + dt.timedelta(days=30))
    noah = await api(a.parents["ce1"].token).post("/api/absences", json=report(a.children["Noah"], day))
    lea = await api(a.parents["both"].token).post("/api/absences", json=report(a.children["Léa"], day))
    assert noah.status_code == lea.status_code == 201
    # The CP teacher reads Léa's report in time; nobody reads Noah's.
    lea_thread = lea.json()["thread"]["id"]
    await api(a.teachers["CP"].token).post(f"/api/threads/{lea_thread}/read", json={"seq": 1})
    director_live = await Live.connect(server.url, a.director.token)
    before = dt.datetime.combine(day, dt.time(8, 19), tzinfo=PARIS)
    at = dt.datetime.combine(day, dt.time(8, 20), tzinfo=PARIS)
    bus = server.app.state.bus
    pool = server.app.state.pool
    assert await checks.check_once(pool, bus, before) == 0
    assert await checks.check_once(pool, bus, at) >= 1
    flagged = await director_live.until(
        lambda f: f["type"] == "absence.unseen" and f["data"]["child"]["id"] == a.children["Noah"]
    )
    assert flagged["data"]["absence_id"] == noah.json()["absence"]["id"]
    # Once only, and not for Léa (read in time).
    assert await checks.check_once(pool, bus, at + dt.timedelta(minutes=1)) == 0
    register = (
        await api(a.director.token).get(
            f"/api/classes/{a.classes['CE1']}/absences", params={"date": day.isoformat()}
        )
    ).json()
    assert [x["flagged_at"] is not None for x in register["absences"]] == [True]
    cp = (
        await api(a.director.token).get(
            f"/api/classes/{a.classes['CP']}/absences", params={"date": day.isoformat()}
        )
    ).json()
    assert [x["flagged_at"] for x in cp["absences"]] == [None]
    await director_live.close()


async def test_check_time_per_school(api, world):
    a = world.a
    path = f"/api/schools/{a.id}/absence-settings"
    director = api(a.director.token)
    assert (await director.get(path)).json() == {"check_time": "08:20"}
    assert (await director.put(path, json={"check_time": "08:05"})).json() == {"check_time": "08:05"}
    assert (await director.put(path, json={"check_time": "8h05"})).status_code == 422
    assert (await api(a.teachers["CP"].token).put(path, json={"check_time": "09:00"})).status_code == 403
    assert (await api(world.b.director.token).get(path)).status_code == 404
    assert (await director.get(path)).json() == {"check_time": "08:05"}
