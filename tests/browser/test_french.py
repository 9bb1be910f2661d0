"""French that reads right on screen: names elide ("Cahier d'Éden"), counts agree
("Son autre parent"), and an absence reported offline says so without a "null"."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from tests.browser.conftest import (
    LIVE_TIMEOUT,
    assert_no_page_errors,
    check_a11y,
    page_errors,
    screenshot,
    wait_view,
)
from tests.conftest import Clients
from tests.world import (
    PASSWORD,
    Person,
    School,
    activate,
    add_staff,
    import_roster,
    roster,
    school_with_director,
)

PARIS = ZoneInfo("Europe/Paris")
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(scope="module")
async def eden(api: Clients) -> School:
    """A CP with Éden, whose two parents are Claire (activated) and Karim."""
    school_id, director = await school_with_director(api)
    school = School(school_id, director=director)
    anonymous = api()
    school.teachers["CP"] = await add_staff(
        api(director.token), anonymous, school_id, "teacher", "Mme Lefèvre", ["CP"]
    )
    tag = uuid.uuid4().hex[:6]
    rows = [
        (
            "CP",
            f"Roux{tag}",
            "Éden",
            "04/05/2020",
            f"Roux{tag}",
            "Claire",
            f"claire.{tag}@example.fr",
            "Mère",
        ),
        ("CP", f"Roux{tag}", "Éden", "04/05/2020", f"Roux{tag}", "Karim", "", "Père"),
    ]
    response = await import_roster(api(director.token), school_id, roster(rows))
    assert response.status_code == 200, response.text
    claire = next(g for g in response.json()["guardians"] if g["display_name"].startswith("Claire"))
    token = await activate(anonymous, claire["activation_code"], PASSWORD)
    school.parents["claire"] = Person(token, claire["user_id"], claire["login"], claire["display_name"])
    school.children["Éden"] = claire["children"][0]
    return school


def assert_no_errors_but_offline(page) -> None:
    expected = re.compile(
        r"Failed to load resource: net::ERR_(INTERNET_DISCONNECTED|FAILED)|WebSocket connection to '.*' failed"
    )
    errors = page_errors(page)
    errors[:] = [e for e in errors if not expected.search(e)]
    assert_no_page_errors(page)


async def test_names_elide_and_counts_agree(open_app, server, eden):
    page = await open_app(
        server, login=eden.parents["claire"].login, path=f"/#/cahier/{eden.children['Éden']}", view="cahier"
    )
    await expect(page.locator("h1")).to_have_text("Cahier d'Éden")
    await page.goto(server.url + "/#/consent")
    await wait_view(page, "consent")
    # One other parent: singular.
    await expect(page.locator(".consent-child h3").first).to_have_text("Son autre parent")
    await expect(page.locator(".consent-state")).to_contain_text("la photo d'Éden")
    assert_no_page_errors(page)


async def next_school_day(api: Clients, school: School) -> str:
    """From today on, the first day the school's calendar has classes."""
    assert school.director is not None
    calendar = (await api(school.director.token).get(f"/api/schools/{school.id}/calendar")).json()
    off = {c["date"] for c in calendar["closures"]}
    day = dt.datetime.now(PARIS).date()
    while True:
        iso = day.isoformat()
        holiday = any(h["start"] <= iso <= h["end"] for h in calendar["holidays"])
        if WEEK[day.weekday()] in calendar["week"] and not holiday and iso not in off:
            return iso
        day += dt.timedelta(days=1)


async def test_an_absence_reported_offline_reads_right(open_app, server, eden, api, db):
    page = await open_app(server, login=eden.parents["claire"].login, path="/#/absence", view="absence")
    await page.context.set_offline(True)
    await expect(page.locator("#offline")).to_be_visible()
    day = await next_school_day(api, eden)
    await page.locator("[data-when=dates]").click()
    await page.fill("input[name=start]", day)
    await page.fill("input[name=end]", day)
    await page.locator("[data-reason=illness]").click()
    await expect(page.locator("h1")).to_have_text("En attente du réseau")
    done = page.locator(".view-absence")
    await expect(done).to_contain_text("la déclaration pour Éden partira dès le retour du réseau")
    assert "null" not in await done.inner_text()
    await screenshot(page, "absence-offline")
    await check_a11y(page, "absence-offline")

    # Back online: the outbox sends it, and the open screen says so.
    await page.context.set_offline(False)
    await expect(page.locator("h1")).to_have_text("C'est envoyé", timeout=LIVE_TIMEOUT)
    await expect(done).to_contain_text("L'école est prévenue de l'absence d'Éden")
    assert "null" not in await done.inner_text()
    link = await done.locator('a.button[href^="#/threads/"]').get_attribute("href")
    thread_id = uuid.UUID(link.removeprefix("#/threads/"))
    subject = await db.fetchval("SELECT subject FROM threads WHERE id = $1", thread_id)
    assert subject.startswith("Absence d'Éden – ")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await screenshot(page, "absence-sent-after-offline")
    await check_a11y(page, "absence-sent-after-offline")

    # The report itself: elided subject, no gendered "absent·e" for "Écouter" to read.
    await page.goto(server.url + link)
    await wait_view(page, "thread")
    await expect(page.locator("h1")).to_contain_text("Absence d'Éden")
    body = await page.locator("li.message .body").first.inner_text()
    assert "·" not in body and "Éden ne sera pas en classe" in body
    assert_no_errors_but_offline(page)
