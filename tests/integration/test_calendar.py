"""The school calendar over HTTP (`GET`/`PUT /api/schools/{id}/calendar`), and the
days off it makes the workers skip: scheduled messages, the 17:00 digest, the
reminders of a signature request.

The module runs on a database and server of its own, with the delivery tests'
fixtures (a delivery loop handles every due job of its database): the loops are
stepped on a fixed clock (`clocked`), so "nothing was sent" is a fact. Every day
used is taken from the calendar the test set, never from the day the test runs.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import httpx
import pytest

from liaison.calendar.days import Calendar, school_year_window
from liaison.core.clock import PARIS, iso, paris_today
from liaison.core.context import Context
from liaison.scheduling import sender, service
from tests.conftest import Clients
from tests.integration import test_delivery as delivery
from tests.integration.test_delivery import (
    announce,
    created,
    email_of,
    mails_to,
    paris,
    quiesce,
    set_preferences,
    subscribed,
)
from tests.world import World, build_world, calendar_of

FOUR_DAYS = ["mon", "tue", "thu", "fri"]

# The delivery tests' fixtures: a database and a server of this module's own, the
# push receiver, the delivery loop on a fixed clock.
delivery_database = delivery.delivery_database
dserver = delivery.dserver
dapi = delivery.dapi
pool = delivery.pool
push = delivery.push
settings = delivery.settings
clocked = delivery.clocked


@pytest.fixture(scope="module")
async def world(dapi: Clients) -> World:
    return await build_world(dapi)


def path(school_id: str) -> str:
    return f"/api/schools/{school_id}/calendar"


async def set_calendar(client: httpx.AsyncClient, school_id: str, **body: object) -> dict:
    response = await client.put(path(school_id), json=body)
    assert response.status_code == 200, response.text
    return response.json()


def tomorrow() -> dt.date:
    return paris_today() + dt.timedelta(days=1)


# == GET and PUT ================================================================================


async def test_a_school_that_never_set_it_has_the_four_day_week_of_zone_c(dapi, world):
    b = world.b
    answer = (await dapi(b.parents["cm1"].token).get(path(b.id))).json()
    assert answer["zone"] == "C" and answer["week"] == FOUR_DAYS and answer["closures"] == []
    start, end = school_year_window(paris_today())
    holidays = answer["holidays"]
    assert holidays == sorted(holidays, key=lambda h: (h["start"], h["end"]))
    labels = {h["label"] for h in holidays}
    assert {"Vacances de Noël", "Vacances d'hiver", "Vacances de printemps"} <= labels
    for holiday in holidays:
        assert set(holiday) == {"start", "end", "label"} and holiday["start"] <= holiday["end"]
        assert holiday["end"] >= start.isoformat() and holiday["start"] <= end.isoformat()
    if start.year == 2026:  # the data of the package: the 2026-2027 school year
        assert {"start": "2026-12-19", "end": "2027-01-03", "label": "Vacances de Noël"} in holidays
        assert {"start": "2026-11-11", "end": "2026-11-11", "label": "Armistice"} in holidays


@pytest.mark.parametrize(
    ("who", "get", "put"),
    [
        ("anonymous", 401, 401),
        ("admin", 200, 200),
        ("director", 200, 200),
        ("teacher", 200, 403),
        ("parent", 200, 403),
        ("other_director", 404, 404),
        ("other_parent", 404, 404),
    ],
)
async def test_who_reads_and_who_sets_the_calendar(dapi, world, who, get, put):
    a, b = world.a, world.b
    token = {
        "anonymous": None,
        "admin": world.admin,
        "director": a.director.token,
        "teacher": a.teachers["CP"].token,
        "parent": a.parents["cp"].token,
        "other_director": b.director.token,
        "other_parent": b.parents["cm1"].token,
    }[who]
    client = dapi(token)
    assert (await client.get(path(a.id))).status_code == get
    before = (await dapi(a.director.token).get(path(a.id))).json()
    # Even a valid body: the rule is asked first.
    response = await client.put(path(a.id), json={"week": before["week"]})
    assert response.status_code == put, response.text
    if put == 200:
        assert response.json() == before


async def test_an_unknown_school_is_404_even_for_the_admin(dapi, world):
    admin = dapi(world.admin)
    unknown = str(uuid.uuid4())
    assert (await admin.get(path(unknown))).status_code == 404
    assert (await admin.put(path(unknown), json={"zone": "A"})).status_code == 404


async def test_the_director_sets_the_zone_the_week_and_closures(dapi, world):
    a = world.a
    director, sophie = dapi(a.director.token), dapi(a.parents["cp"].token)
    year = school_year_window(paris_today())[0].year
    strike, training = dt.date(year, 12, 10), dt.date(year + 1, 3, 4)
    answer = await set_calendar(
        director,
        a.id,
        zone="B",
        week=["fri", "mon", "wed", "tue", "thu"],
        closures=[
            {"date": training.isoformat(), "label": "  Journée pédagogique "},
            {"date": strike.isoformat(), "label": "Grève"},
        ],
    )
    assert answer["zone"] == "B"
    assert answer["week"] == ["mon", "tue", "wed", "thu", "fri"]  # in the week's order
    assert answer["closures"] == [
        {"date": strike.isoformat(), "label": "Grève"},
        {"date": training.isoformat(), "label": "Journée pédagogique"},
    ]
    # The families see what the director set, with the holidays of zone B.
    seen = (await sophie.get(path(a.id))).json()
    assert seen == answer
    winter_b = [h for h in seen["holidays"] if h["label"] == "Vacances d'hiver"]
    zone_c = (await set_calendar(director, a.id, zone="C"))["holidays"]
    assert winter_b != [h for h in zone_c if h["label"] == "Vacances d'hiver"]

    # What is not given is kept; an empty list removes every closure.
    kept = await set_calendar(director, a.id, closures=[])
    assert (kept["zone"], kept["week"], kept["closures"]) == ("C", ["mon", "tue", "wed", "thu", "fri"], [])
    assert (await set_calendar(director, a.id, week=FOUR_DAYS))["week"] == FOUR_DAYS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"zone": "D"}, "zone"),
        ({"zone": "a"}, "zone"),
        ({"zone": 1}, "zone"),
        ({"week": []}, "week"),
        ({"week": ["mon", "mon"]}, "week"),
        ({"week": ["lundi"]}, "week"),
        ({"week": "mon"}, "week"),
        ({"closures": [{"date": "2026-02-30", "label": "Grève"}]}, "closures.0.date"),
        ({"closures": [{"date": "10/12/2026", "label": "Grève"}]}, "closures.0.date"),
        ({"closures": [{"date": "1999-12-31", "label": "Grève"}]}, "closures.0.date"),
        ({"closures": [{"date": "2026-12-10", "label": "   "}]}, "closures.0.label"),
        ({"closures": [{"date": "2026-12-10", "label": "x" * 101}]}, "closures.0.label"),
        ({"closures": [{"date": "2026-12-10"}]}, "closures.0.label"),
        (
            {"closures": [{"date": "2026-12-10", "label": "A"}, {"date": "2026-12-10", "label": "B"}]},
            "closures.1.date",
        ),
        ({"closures": [{"date": "2026-12-10", "label": "A", "extra": 1}]}, "closures.0.extra"),
        ({"zone": "A", "holidays": []}, "holidays"),
    ],
)
async def test_an_invalid_calendar_is_422_naming_the_field_and_changes_nothing(dapi, world, body, field):
    a = world.a
    director = dapi(a.director.token)
    before = (await director.get(path(a.id))).json()
    response = await director.put(path(a.id), json={"week": ["mon"], **body})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"].values())
    assert (await director.get(path(a.id))).json() == before


# == scheduled messages ===========================================================================


def next_weekday(after: dt.date, weekday: int) -> dt.date:
    day = after + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


async def test_a_message_scheduled_on_a_day_off_goes_the_next_school_day(dserver, dapi, world, pool):
    a = world.a
    director, teacher = dapi(a.director.token), dapi(a.teachers["CP"].token)
    await set_calendar(director, a.id, zone="A", week=FOUR_DAYS, closures=[])
    wednesday = next_weekday(tomorrow(), 2)
    send_at = paris(wednesday, 9, 30)
    subject = f"Piscine {uuid.uuid4().hex[:6]}"
    response = await teacher.post(
        "/api/threads",
        json={
            "kind": "announcement",
            "subject": subject,
            "body": "Penser au bonnet de bain.",
            "audience": {"class_ids": [a.classes["CP"]]},
            "send_at": iso(send_at),
        },
    )
    assert response.status_code == 202, response.text
    moved = dt.datetime.fromisoformat(response.json()["scheduled"]["send_at"].replace("Z", "+00:00"))
    calendar = await calendar_of(teacher, a.id)
    local = moved.astimezone(PARIS)
    assert local.date() > wednesday and calendar.is_school_day(local.date())
    assert local.time() == dt.time(9, 30)
    assert moved == calendar.next_school_moment(send_at)
    [listed] = [
        s for s in (await teacher.get("/api/scheduled")).json()["scheduled"] if s["subject"] == subject
    ]
    assert listed["send_at"] == iso(moved)

    ctx = Context(dserver.app.state.pool, dserver.app.state.bus, dserver.settings)
    await service.send_due(ctx, send_at, sender.send)
    assert await pool.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 0
    await service.send_due(ctx, moved, sender.send)
    assert await pool.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 1


async def test_a_day_closed_after_scheduling_holds_the_message_to_the_next_school_day(
    dserver, dapi, world, pool
):
    a = world.a
    director, teacher = dapi(a.director.token), dapi(a.teachers["CE1"].token)
    await set_calendar(director, a.id, zone="A", week=FOUR_DAYS, closures=[])
    calendar = await calendar_of(teacher, a.id)
    day = calendar.next_school_days(tomorrow() + dt.timedelta(days=1), 1)[0]
    send_at = paris(day, 8, 0)
    subject = f"Sortie {uuid.uuid4().hex[:6]}"
    response = await teacher.post(
        "/api/threads",
        json={
            "kind": "announcement",
            "subject": subject,
            "body": "Départ à 8 h 30.",
            "audience": {"class_ids": [a.classes["CE1"]]},
            "send_at": iso(send_at),
        },
    )
    assert response.status_code == 202 and response.json()["scheduled"]["send_at"] == iso(send_at)
    # A strike is announced: the director closes that day.
    await set_calendar(director, a.id, closures=[{"date": day.isoformat(), "label": "Grève"}])

    ctx = Context(dserver.app.state.pool, dserver.app.state.bus, dserver.settings)
    await service.send_due(ctx, send_at, sender.send)
    assert await pool.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 0
    later = (await calendar_of(teacher, a.id)).next_school_moment(send_at)
    assert later.astimezone(PARIS).date() > day
    [listed] = [
        s for s in (await teacher.get("/api/scheduled")).json()["scheduled"] if s["subject"] == subject
    ]
    assert listed["send_at"] == iso(later)
    await service.send_due(ctx, later, sender.send)
    assert await pool.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 1
    await set_calendar(director, a.id, closures=[])


# == the digest and the reminders =================================================================


async def closed_next_school_day(director: httpx.AsyncClient, school_id: str) -> tuple[dt.date, Calendar]:
    """The four-day week of zone A with the next school day after today closed:
    that day and the calendar."""
    await set_calendar(director, school_id, zone="A", week=FOUR_DAYS, closures=[])
    day = (await calendar_of(director, school_id)).next_school_days(tomorrow(), 1)[0]
    await set_calendar(director, school_id, closures=[{"date": day.isoformat(), "label": "Fermeture"}])
    return day, await calendar_of(director, school_id)


async def test_no_digest_on_a_day_off(dapi, world, smtp, pool: asyncpg.Pool, clocked):
    await quiesce(pool)
    a = world.a
    director = dapi(a.director.token)
    sophie = dapi(a.parents["cp"].token)
    await set_preferences(sophie, email="digest")
    closed, calendar = await closed_next_school_day(director, a.id)
    await announce(dapi(a.teachers["CP"].token), "Kermesse", class_ids=[a.classes["CP"]])
    address = email_of(world, "cp")
    loop = await clocked()

    await loop.at(paris(closed, 17, 0))
    await loop.at(paris(closed, 18, 30))
    assert mails_to(smtp, address) == []
    next_day = calendar.next_school_days(closed, 1)[0]
    assert next_day > closed
    await loop.at(paris(next_day, 17, 0))
    [digest] = mails_to(smtp, address)
    assert "Kermesse" in (digest.text or "")
    await set_calendar(director, a.id, closures=[])
    await set_preferences(sophie, email="immediate")


async def test_a_reminder_due_on_a_day_off_waits_for_the_next_school_day(
    dapi, world, push, smtp, pool: asyncpg.Pool, clocked, dserver
):
    await quiesce(pool)
    a = world.a
    director = dapi(a.director.token)
    marc = dapi(a.parents["ce1"].token)
    await subscribed(marc, push, "marc")
    # The day after the announcement is closed, whatever today is.
    closed, calendar = await closed_next_school_day(director, a.id)
    _, message = await announce(director, "Autorisation de sortie", require_ack=True)
    start = created(message)
    loop = await clocked()
    await loop.at(start + dt.timedelta(seconds=2))
    [first] = await push.wait_for(1)
    assert not first.payload["body"].startswith("Rappel")

    reminder_after = dt.timedelta(hours=dserver.settings.escalation_reminder_hours)
    due = calendar.add_school_time(start, reminder_after)
    assert due > start + reminder_after and calendar.is_school_day(due.astimezone(PARIS).date())
    assert due.astimezone(PARIS).date() > closed
    jobs = await pool.fetch(
        "SELECT kind, due_at FROM notification_jobs WHERE thread_id = $1 AND kind <> 'message' ORDER BY due_at",
        uuid.UUID(message["thread_id"]),
    )
    assert jobs[0]["kind"] == "reminder" and abs(jobs[0]["due_at"] - due) < dt.timedelta(seconds=1)
    for job in jobs:
        assert calendar.is_school_day(job["due_at"].astimezone(PARIS).date())

    await loop.at(start + reminder_after + dt.timedelta(minutes=1))  # on the naive clock: a day off
    await loop.at(due - dt.timedelta(minutes=1))
    assert len(push.attempts) == 1
    await loop.at(due + dt.timedelta(minutes=1))
    [_, reminder] = await push.wait_for(2)
    assert reminder.payload["body"] == "Rappel : signature attendue — Autorisation de sortie"
    await set_calendar(director, a.id, closures=[])
