"""Absence reports: a family reports, the teacher sees it at once, the family sees it
was seen; one report per child and day (409 `already_reported`); the family
cancels; the register is the class's; the check time flags what nobody read."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from liaison.absences import rules
from liaison.calendar.days import Calendar
from liaison.core.clock import PARIS, paris_today
from tests.live import Live

# The world's schools keep the default calendar: a four-day week, zone C.
CALENDAR = Calendar()


def school_day(after: dt.date | None = None, skip: int = 0) -> dt.date:
    """The first school day after `after` (today by default), or the `skip`-th after it."""
    return CALENDAR.next_school_days((after or paris_today()) + dt.timedelta(days=1), skip + 1)[-1]


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


async def register_of(client, class_id: str, day: dt.date) -> list[dict]:
    response = await client.get(f"/api/classes/{class_id}/absences", params={"date": day.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()["absences"]


async def test_a_reported_absence_is_seen_live_and_the_family_sees_it_was_read(server, api, world):
    a = world.a
    day = school_day()
    teacher_live = await Live.connect(server.url, a.teachers["CP"].token)
    director_live = await Live.connect(server.url, a.director.token)
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)
    sophie = api(a.parents["cp"].token)
    response = await sophie.post(
        "/api/absences", json=report(a.children["Hugo"], day, client_id="abs-hugo-1")
    )
    assert response.status_code == 201, response.text
    absence, thread = response.json()["absence"], response.json()["thread"]
    assert (thread["kind"], thread["urgent"], thread["child_id"]) == ("absence", True, a.children["Hugo"])
    assert thread["unexplained"] is False
    assert absence["start"] == day.isoformat() and absence["seen_at"] is None
    assert absence["cancelled_at"] is None
    assert thread["subject"] == rules.subject("Hugo", day, day)

    reported = await teacher_live.next("absence.reported")
    assert reported["data"]["id"] == absence["id"] and reported["data"]["reason"] == "illness"
    # The director sees it live (the school's day), but it is not in her inbox.
    assert (await director_live.next("absence.reported"))["data"]["id"] == absence["id"]
    director = api(a.director.token)
    assert (await director.get(f"/api/threads/{thread['id']}")).status_code == 404
    inbox = (await director.get("/api/threads")).json()["threads"]
    assert thread["id"] not in [t["id"] for t in inbox]

    teacher = api(a.teachers["CP"].token)
    listed = await register_of(teacher, a.classes["CP"], day)
    assert [x["id"] for x in listed] == [absence["id"]]
    assert listed[0]["reported_by"]["id"] == a.parents["cp"].user_id and listed[0]["unexplained"] is False

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
    assert (await register_of(teacher, a.classes["CP"], day))[0]["seen_at"] == seen["data"]["read_at"]

    # A phone retrying gives the first report, not a second one (nor a 409).
    again = await sophie.post("/api/absences", json=report(a.children["Hugo"], day, client_id="abs-hugo-1"))
    assert again.status_code == 201 and again.json()["absence"]["id"] == absence["id"]
    assert again.json()["thread"]["id"] == thread["id"]
    for live in (teacher_live, director_live, sophie_live):
        await live.close()


async def test_spans_and_half_days_in_the_register(api, world):
    a = world.a
    start = school_day(paris_today() + dt.timedelta(days=14))
    end = start + dt.timedelta(days=3)
    claire = api(a.parents["both"].token)
    response = await claire.post(
        "/api/absences", json=report(a.children["Inès"], start, end, part="morning", reason="family")
    )
    assert response.status_code == 201, response.text
    teacher = api(a.teachers["CE1"].token)
    for day in (start, end):
        assert [x["part"] for x in await register_of(teacher, a.classes["CE1"], day)] == ["morning"]
    assert await register_of(teacher, a.classes["CE1"], end + dt.timedelta(days=1)) == []


async def test_one_report_per_child_and_half_day(api, world):
    """A second report overlapping a live one (dates and part) is refused with the
    first; the other half-day, or after cancelling, is accepted."""
    a = world.a
    following = CALENDAR.next_school_days(school_day(paris_today() + dt.timedelta(days=40)), 3)
    claire = api(a.parents["both"].token)
    first = await claire.post(
        "/api/absences", json=report(a.children["Léa"], following[0], following[1], part="morning")
    )
    assert first.status_code == 201, first.text
    existing = first.json()["absence"]

    for start, end, part in (
        (following[1], following[1], "morning"),  # inside it
        (following[0], following[2], "day"),  # around it: a day meets the morning
        (following[1], following[2], "morning"),  # across its end
    ):
        twice = await claire.post("/api/absences", json=report(a.children["Léa"], start, end, part=part))
        assert twice.status_code == 409, twice.text
        error = twice.json()["error"]
        assert error["code"] == "already_reported" and error["message"]
        assert error["absence"]["id"] == existing["id"] and error["absence"]["start"] == existing["start"]
        assert error["absence"]["reported_by"]["id"] == a.parents["both"].user_id
    # The afternoons are free; another child of the family too.
    afternoon = await claire.post(
        "/api/absences", json=report(a.children["Léa"], following[0], following[1], part="afternoon")
    )
    assert afternoon.status_code == 201, afternoon.text
    assert (
        await claire.post("/api/absences", json=report(a.children["Inès"], following[0]))
    ).status_code == 201
    teacher = api(a.teachers["CP"].token)
    listed = await register_of(teacher, a.classes["CP"], following[0])
    assert sorted(x["part"] for x in listed if x["child"]["id"] == a.children["Léa"]) == [
        "afternoon",
        "morning",
    ]


async def waiting_for_locks(db, count: int) -> None:
    """Until `count` transactions of this database wait for an advisory lock."""
    for _ in range(1000):
        waiting = await db.fetchval(
            """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} transactions never waited for the child's lock")


async def test_two_reports_at_once_give_one_201_and_one_409(api, world, db):
    """Both reports are inside their transaction, thread written, before either
    checks: the child's lock makes the second one see the first."""
    a = world.a
    day = school_day(paris_today() + dt.timedelta(days=50))
    marc = api(a.parents["ce1"].token)
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('absences:' || $1::uuid::text))", a.children["Noah"]
        )
        sent = [
            asyncio.ensure_future(
                marc.post("/api/absences", json=report(a.children["Noah"], day, client_id=f"race-{i}"))
            )
            for i in range(2)
        ]
        await waiting_for_locks(db, 2)
    answers = await asyncio.gather(*sent)
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    created = next(r for r in answers if r.status_code == 201).json()["absence"]
    assert all(r.json()["error"]["absence"]["id"] == created["id"] for r in answers if r.status_code == 409)
    rows = await db.fetch(
        "SELECT id FROM absences WHERE child_id = $1::uuid AND start_date = $2", a.children["Noah"], day
    )
    assert [str(r["id"]) for r in rows] == [created["id"]]
    # The refused one wrote nothing: no thread either.
    threads = await db.fetchval(
        "SELECT count(*) FROM threads WHERE kind = 'absence' AND child_id = $1::uuid AND subject = $2",
        a.children["Noah"],
        rules.subject("Noah", day, day),
    )
    assert threads == 1
    # The same client_id sent twice at once: one report, both answers 201 with it.
    again = school_day(day)
    twins = await asyncio.gather(
        *(
            marc.post("/api/absences", json=report(a.children["Noah"], again, client_id="twin"))
            for _ in range(2)
        )
    )
    assert [r.status_code for r in twins] == [201, 201], [r.text for r in twins]
    assert twins[0].json()["absence"]["id"] == twins[1].json()["absence"]["id"]


async def test_the_family_cancels_and_the_teacher_is_told(server, api, world):
    a = world.a
    day = school_day(paris_today() + dt.timedelta(days=60))
    sophie = api(a.parents["cp"].token)
    made = await sophie.post("/api/absences", json=report(a.children["Hugo"], day))
    assert made.status_code == 201, made.text
    absence, thread = made.json()["absence"], made.json()["thread"]
    teacher = api(a.teachers["CP"].token)
    await teacher.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})
    teacher_live = await Live.connect(server.url, a.teachers["CP"].token)
    director_live = await Live.connect(server.url, a.director.token)
    path = f"/api/absences/{absence['id']}/cancel"

    # Only the family cancels: those who read the register know it (403), others not (404).
    for token, status in (
        (a.teachers["CP"].token, 403),
        (a.director.token, 403),
        (a.teachers["CE1"].token, 404),
        (a.parents["ce1"].token, 404),
        (world.b.director.token, 404),
        (world.b.parents["cm1"].token, 404),
    ):
        assert (await api(token).post(path)).status_code == status, token
    assert (await api().post(path)).status_code == 401
    assert (await sophie.post("/api/absences/00000000-0000-0000-0000-000000000000/cancel")).status_code == 404

    cancelled = await sophie.post(path)
    assert cancelled.status_code == 200, cancelled.text
    shown = cancelled.json()
    assert shown["id"] == absence["id"] and shown["cancelled_at"] is not None
    assert shown["seen_at"] is not None  # the teacher had read it
    event = await teacher_live.next("absence.cancelled")
    assert event["data"]["id"] == absence["id"] and event["data"]["cancelled_at"] == shown["cancelled_at"]
    assert event["data"]["cancelled_by"]["id"] == a.parents["cp"].user_id
    assert (await director_live.next("absence.cancelled"))["data"]["id"] == absence["id"]
    # The thread says so; the registers no longer list it.
    messages = (await teacher.get(f"/api/threads/{thread['id']}")).json()["messages"]
    assert messages[-1]["body"] == rules.CANCELLED and messages[-1]["author"]["id"] == a.parents["cp"].user_id
    assert await register_of(teacher, a.classes["CP"], day) == []
    school = (
        await api(a.director.token).get(f"/api/schools/{a.id}/absences", params={"date": day.isoformat()})
    ).json()
    assert absence["id"] not in [x["id"] for x in school["absences"]]
    about = (await sophie.get(f"/api/threads/{thread['id']}/absence")).json()
    assert about["absence"]["cancelled_at"] == shown["cancelled_at"] and about["message_seq"] == 1

    # Again: the same answer, nothing more written.
    again = await sophie.post(path)
    assert again.status_code == 200 and again.json() == shown
    after = (await teacher.get(f"/api/threads/{thread['id']}")).json()["messages"]
    assert len(after) == len(messages)
    # The day is free again for a new report.
    assert (await sophie.post("/api/absences", json=report(a.children["Hugo"], day))).status_code == 201
    await teacher_live.close()
    await director_live.close()


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
    today = paris_today()
    body = report(
        a.children["Noah"], today + dt.timedelta(days=start_days), today + dt.timedelta(days=end_days)
    )
    response = await api(a.parents["ce1"].token).post("/api/absences", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


async def test_days_without_school_and_malformed_input(api, world):
    a = world.a
    marc = api(a.parents["ce1"].token)
    today = paris_today()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    response = await marc.post(
        "/api/absences", json=report(a.children["Noah"], saturday, saturday + dt.timedelta(days=1))
    )
    assert response.status_code == 422 and "samedi" in response.json()["error"]["fields"]["start"]
    # A Wednesday of a four-day week, and school holidays, are no school days either.
    wednesday = saturday + dt.timedelta(days=4)
    holidays = next(p for p in CALENDAR.holidays(today, today + dt.timedelta(days=366)) if p.start > today)
    for start, end in (
        (wednesday, wednesday),
        (holidays.start, min(holidays.end, holidays.start + dt.timedelta(days=30))),
    ):
        assert not CALENDAR.school_days(start, end)
        response = await marc.post("/api/absences", json=report(a.children["Noah"], start, end))
        assert response.status_code == 422, (start, end, response.text)
        assert "pas classe" in response.json()["error"]["fields"]["start"]
    for bad, field in (
        ({"start": "31/12/2026"}, "start"),
        ({"reason": "flemme"}, "reason"),
        ({"part": "soir"}, "part"),
    ):
        body = {**report(a.children["Noah"], school_day()), **bad}
        response = await marc.post("/api/absences", json=body)
        assert response.status_code == 422 and field in response.json()["error"]["fields"], response.text


async def test_who_may_report_and_read_the_register(api, world):
    a, b = world.a, world.b
    day = school_day()
    # Another family's child, a child of another school: unknown (404); the staff: 403.
    for token, child in (
        (a.parents["cp"].token, a.children["Noah"]),
        (b.parents["cm1"].token, a.children["Hugo"]),
    ):
        response = await api(token).post("/api/absences", json=report(child, day))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = await api(a.teachers["CP"].token).post("/api/absences", json=report(a.children["Hugo"], day))
    assert response.status_code == 403
    # A reason is health data: the class's teachers and the director only.
    path = f"/api/classes/{a.classes['CP']}/absences"
    expected = {
        a.teachers["CP"].token: 200,
        a.director.token: 200,
        a.teachers["CE1"].token: 403,
        world.admin: 403,
        a.parents["cp"].token: 404,
        b.director.token: 404,
        b.teachers["CM1"].token: 404,
    }
    for token, status in expected.items():
        assert (await api(token).get(path, params={"date": day.isoformat()})).status_code == status
    assert (await api().get(path)).status_code == 401
    school = f"/api/schools/{a.id}/absences"
    for token, status in {
        a.director.token: 200,
        a.teachers["CP"].token: 403,
        world.admin: 403,
        a.parents["cp"].token: 404,
        b.director.token: 404,
    }.items():
        assert (await api(token).get(school)).status_code == status
    assert (await api(a.director.token).get(school, params={"date": "demain"})).status_code == 400


async def test_unread_absences_are_flagged_to_the_director_at_check_time(server, api, db, world):
    from liaison.absences import checks

    a = world.a
    day = school_day(paris_today() + dt.timedelta(days=30))
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
    # The flagged report comes into her inbox, live.
    joined = await director_live.until(
        lambda f: f["type"] == "thread.created" and f["data"]["id"] == noah.json()["thread"]["id"]
    )
    assert joined["data"]["unread"] == 1
    director = api(a.director.token)
    assert (await director.get(f"/api/threads/{noah.json()['thread']['id']}")).status_code == 200
    assert (await director.get(f"/api/threads/{lea_thread}")).status_code == 404
    # Once only, and not for Léa (read in time).
    assert await checks.check_once(pool, bus, at + dt.timedelta(minutes=1)) == 0
    ce1 = await register_of(director, a.classes["CE1"], day)
    assert [x["flagged_at"] is not None for x in ce1] == [True]
    assert [x["flagged_at"] for x in await register_of(director, a.classes["CP"], day)] == [None]
    await director_live.close()


async def test_no_check_on_a_day_without_school(server, api, world):
    """A report spanning a Wednesday of a four-day week is not checked that day."""
    from liaison.absences import checks

    a = world.a
    tuesday = school_day(paris_today() + dt.timedelta(days=70))
    while tuesday.weekday() != 1 or not CALENDAR.is_school_day(tuesday + dt.timedelta(days=2)):
        tuesday = school_day(tuesday)
    wednesday, thursday = tuesday + dt.timedelta(days=1), tuesday + dt.timedelta(days=2)
    made = await api(a.parents["cp"].token).post(
        "/api/absences", json=report(a.children["Hugo"], tuesday, thursday)
    )
    assert made.status_code == 201, made.text
    state = server.app.state
    teacher = api(a.teachers["CP"].token)
    for day, flagged in ((wednesday, False), (thursday, True)):
        await checks.check_once(state.pool, state.bus, dt.datetime.combine(day, dt.time(9), tzinfo=PARIS))
        hugo = [
            x
            for x in await register_of(teacher, a.classes["CP"], day)
            if x["id"] == made.json()["absence"]["id"]
        ]
        assert [x["flagged_at"] is not None for x in hugo] == [flagged]


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
