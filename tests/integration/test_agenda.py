"""The class agenda and the private calendar feed, read with a real iCalendar parser."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar

from liaison.web.qr import qr_svg
from tests.world import announce, open_signup, write_direct


def event(title: str, days: int = 7, **extra) -> dict:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)
    return {
        "title": title,
        "starts_at": start.isoformat().replace("+00:00", "Z"),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
        "location": "Musée des Confluences",
        **extra,
    }


def local(server, url: str) -> str:
    """The feed's address is built on PUBLIC_URL; the test server has its own port."""
    return server.url + urlsplit(url).path


async def summaries(url: str) -> set[str]:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(component["SUMMARY"]) for component in calendar.walk("VEVENT")}


async def test_class_and_school_events_and_the_feed(server, api, world):
    a = world.a
    cp_teacher = api(a.teachers["CP"].token)
    created = await cp_teacher.post(f"/api/classes/{a.classes['CP']}/events", json=event("Sortie CP"))
    assert created.status_code == 201, created.text
    assert (
        await api(a.teachers["CE1"].token).post(
            f"/api/classes/{a.classes['CE1']}/events", json=event("Piscine CE1")
        )
    ).status_code == 201
    school = await api(a.director.token).post(
        f"/api/schools/{a.id}/events", json=event("Kermesse", 30, location="Cour")
    )
    assert school.status_code == 201 and school.json()["class_id"] is None

    listed = (await api(a.parents["cp"].token).get(f"/api/classes/{a.classes['CP']}/events")).json()["events"]
    assert {e["title"] for e in listed} == {"Sortie CP", "Kermesse"}

    sophie_url = local(server, (await api(a.parents["cp"].token).get("/api/me/calendar")).json()["url"])
    assert await summaries(sophie_url) == {"Sortie CP", "Kermesse"}  # only her child's class and the school
    claire_url = local(server, (await api(a.parents["both"].token).get("/api/me/calendar")).json()["url"])
    assert await summaries(claire_url) == {"Sortie CP", "Piscine CE1", "Kermesse"}

    # Resetting the address voids the old one at once.
    new_url = local(server, (await api(a.parents["cp"].token).post("/api/me/calendar/reset")).json()["url"])
    assert new_url != sophie_url
    async with httpx.AsyncClient() as client:
        assert (await client.get(sophie_url)).status_code == 404
        forged = sophie_url.rsplit(".", 2)[0] + ".AAAAAAAAAAAAAAAAAAAAAAAA.ics"
        assert (await client.get(forged)).status_code == 404
    assert await summaries(new_url) == {"Sortie CP", "Kermesse"}


async def test_who_may_read_and_write_the_agenda(api, world):
    a, b = world.a, world.b
    cp = f"/api/classes/{a.classes['CP']}/events"
    for token, status in (
        (a.parents["cp"].token, 200),
        (a.parents["ce1"].token, 404),  # another class's family
        (a.teachers["CE1"].token, 200),  # staff of the school
        (b.parents["cm1"].token, 404),
        (b.teachers["CM1"].token, 404),
    ):
        assert (await api(token).get(cp)).status_code == status, token
    assert (await api().get(cp)).status_code == 401
    for token, status in (
        (a.parents["cp"].token, 403),
        (a.teachers["CE1"].token, 403),
        (b.director.token, 404),
    ):
        response = await api(token).post(cp, json=event("Intrus"))
        assert response.status_code == status, (token, response.text)
    bad = await api(a.teachers["CP"].token).post(
        cp, json=event("À l'envers", starts_at="2026-12-03T10:00:00Z", ends_at="2026-12-03T09:00:00Z")
    )
    assert bad.status_code == 422 and "ends_at" in bad.json()["error"]["fields"]
    assert (
        await api(a.teachers["CP"].token).post(f"/api/schools/{a.id}/events", json=event("École"))
    ).status_code == 403


def date(days: int, **extra) -> dict:
    """The body of PUT /api/threads/{id}/agenda: the title is the message's subject."""
    return {k: v for k, v in event("", days, **extra).items() if k != "title"}


async def calendar(url: str) -> list:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return Calendar.from_ical(response.content).walk("VEVENT")


async def test_an_announcement_puts_its_date_in_the_agenda(server, api, world):
    a = world.a
    cp_teacher, director = api(a.teachers["CP"].token), api(a.director.token)
    made = await announce(cp_teacher, "Réunion de rentrée CP", class_ids=[a.classes["CP"]])
    thread_id = made.json()["thread"]["id"]
    when = date(10, description="Salle polyvalente")
    put = await cp_teacher.put(f"/api/threads/{thread_id}/agenda", json=when)
    assert put.status_code == 200, put.text
    (created,) = put.json()["events"]
    assert created["title"] == "Réunion de rentrée CP" and created["class_id"] == a.classes["CP"]
    assert created["thread_id"] == thread_id and created["signup_thread_id"] is None
    assert created["starts_at"] == when["starts_at"].replace("Z", ".000Z")
    assert created["location"] == "Musée des Confluences" and created["description"] == "Salle polyvalente"

    # The class's families see it, with the way back to the message; in the feed too.
    listed = (await api(a.parents["cp"].token).get(f"/api/classes/{a.classes['CP']}/events")).json()["events"]
    assert [e["id"] for e in listed if e["thread_id"] == thread_id] == [created["id"]]
    sophie_url = local(server, (await api(a.parents["cp"].token).get("/api/me/calendar")).json()["url"])
    (shown,) = [e for e in await calendar(sophie_url) if str(e["SUMMARY"]) == "Réunion de rentrée CP"]
    assert str(shown["URL"]).endswith(f"/#/threads/{thread_id}")

    # Setting it again moves it (never a second copy); DELETE takes it away.
    moved = await cp_teacher.put(f"/api/threads/{thread_id}/agenda", json=date(11, location=""))
    (again,) = moved.json()["events"]
    assert again["starts_at"] > created["starts_at"] and again["location"] == ""
    listed = (await cp_teacher.get(f"/api/classes/{a.classes['CP']}/events")).json()["events"]
    assert [e["id"] for e in listed if e["thread_id"] == thread_id] == [again["id"]]
    assert (await cp_teacher.delete(f"/api/threads/{thread_id}/agenda")).status_code == 204
    listed = (await cp_teacher.get(f"/api/classes/{a.classes['CP']}/events")).json()["events"]
    assert not [e for e in listed if e["thread_id"] == thread_id]

    # Two classes: one event in each class's agenda, once in a feed that follows both.
    both = await announce(director, "Photo de classe", class_ids=[a.classes["CP"], a.classes["CE1"]])
    both_id = both.json()["thread"]["id"]
    put = await director.put(f"/api/threads/{both_id}/agenda", json=date(12))
    assert sorted(e["class_id"] for e in put.json()["events"]) == sorted([a.classes["CP"], a.classes["CE1"]])
    claire_url = local(server, (await api(a.parents["both"].token).get("/api/me/calendar")).json()["url"])
    assert [str(e["SUMMARY"]) for e in await calendar(claire_url)].count("Photo de classe") == 1

    # The whole school: one school-wide event; a sign-up keeps its link to the slots.
    school = await announce(director, "Kermesse de juin")
    put = await director.put(f"/api/threads/{school.json()['thread']['id']}/agenda", json=date(40))
    assert [e["class_id"] for e in put.json()["events"]] == [None]
    signup = await open_signup(cp_teacher, "Goûter", {"Gâteaux": 3}, class_ids=[a.classes["CP"]])
    signup_id = signup.json()["thread"]["id"]
    put = await cp_teacher.put(f"/api/threads/{signup_id}/agenda", json=date(13))
    assert put.json()["events"][0]["signup_thread_id"] == signup_id


async def test_who_may_put_a_message_date_in_the_agenda(api, world):
    a, b = world.a, world.b
    director, cp_teacher = api(a.director.token), api(a.teachers["CP"].token)
    when = date(9)
    whole = (await announce(director, "Grève jeudi")).json()["thread"]["id"]
    ce1 = (await announce(api(a.teachers["CE1"].token), "Piscine", class_ids=[a.classes["CE1"]])).json()
    conversation = (await write_direct(cp_teacher, a.children["Hugo"])).json()["thread"]["id"]
    for token, thread_id, status in (
        (a.parents["both"].token, whole, 403),  # a family reads it, does not file it
        (a.teachers["CP"].token, whole, 403),  # the school's agenda is the direction's
        (a.teachers["CP"].token, ce1["thread"]["id"], 404),  # not a member of it
        (b.director.token, whole, 404),
        (a.teachers["CP"].token, conversation, 403),  # a conversation has no date to share
    ):
        response = await api(token).put(f"/api/threads/{thread_id}/agenda", json=when)
        assert response.status_code == status, (token, response.text)
        assert (await api(token).delete(f"/api/threads/{thread_id}/agenda")).status_code == status
    assert (await api().put(f"/api/threads/{whole}/agenda", json=when)).status_code == 401
    backwards = await director.put(
        f"/api/threads/{whole}/agenda",
        json={"starts_at": "2026-12-03T10:00:00Z", "ends_at": "2026-12-03T09:00:00Z"},
    )
    assert backwards.status_code == 422 and "ends_at" in backwards.json()["error"]["fields"]
    bad = await director.put(f"/api/threads/{whole}/agenda", json={"starts_at": "demain", "ends_at": "x"})
    assert bad.status_code == 422
    unknown = await director.put(f"/api/threads/{whole}/agenda", json={**when, "title": "x"})
    assert unknown.status_code == 422  # the title is the message's subject
    listed = (await director.get(f"/api/schools/{a.id}/events")).json()["events"]
    assert not [e for e in listed if e["thread_id"] == whole]  # nothing was written


async def test_the_feed_address_as_a_qr_code(api, world):
    parent = api(world.a.parents["cp"].token)
    url = (await parent.get("/api/me/calendar")).json()["url"]
    response = await parent.get("/api/me/calendar/qr")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "no-store" in response.headers["cache-control"]
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    # The very code of the webcal: address, drawn on the server.
    assert response.content == qr_svg("webcal:" + url.split(":", 1)[1], "Adresse de votre agenda Liaison")
    assert (await api().get("/api/me/calendar/qr")).status_code == 401
