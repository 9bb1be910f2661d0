"""The class agenda and the private calendar feed, read with a real iCalendar parser."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar


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
