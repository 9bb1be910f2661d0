"""Issue 12 in Chromium: the teacher sees who volunteered on a sign-up (live,
and on paper); an announcement puts its date in the agenda; the agenda offers
the calendar feed as a QR code. axe and screenshots at phone and desktop sizes."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from tests.browser.conftest import (
    BOTH_SIZES,
    LIVE_TIMEOUT,
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_touch_targets,
    check_a11y,
    live_ready,
    screenshot,
)
from tests.world import open_signup, thread_and_message

PARIS = ZoneInfo("Europe/Paris")


@BOTH_SIZES
async def test_the_teacher_sees_who_volunteered(open_app, server, api, world, width, height):
    a = world.a
    tag = uuid.uuid4().hex[:5]
    teacher = api(a.teachers["CP"].token)
    thread, _ = thread_and_message(
        await open_signup(
            teacher, f"Sortie à la ferme {tag}", {"Accompagnateurs": 1}, class_ids=[a.classes["CP"]]
        )
    )
    slot_id = thread["slots"][0]["id"]
    claire, sophie = api(a.parents["both"].token), api(a.parents["cp"].token)
    signed = await claire.post(
        f"/api/threads/{thread['id']}/signups", json={"slot_id": slot_id, "note": f"Je peux conduire {tag}."}
    )
    assert signed.status_code == 201

    page = await open_app(
        server,
        login=a.teachers["CP"].login,
        width=width,
        height=height,
        path=f"/#/threads/{thread['id']}",
        view="thread",
    )
    staff = page.locator(".signup-staff")
    await expect(staff.get_by_role("heading", name="Les inscriptions")).to_be_visible()
    slot = staff.locator(".slot")
    await expect(slot.locator(".status")).to_have_text("1 famille inscrite sur 1 place · complet")
    confirmed = slot.locator(".families:not(.waiting) .family")
    await expect(confirmed).to_have_count(1)
    await expect(confirmed).to_contain_text("Léa")
    await expect(confirmed.locator(".by")).to_contain_text(f"Parent : {a.parents['both'].display_name}")
    await expect(confirmed.locator(".note")).to_have_text(f"Note : Je peux conduire {tag}.")
    printing = page.get_by_role("link", name="Imprimer la liste")
    await expect(printing).to_have_attribute("href", f"/api/threads/{thread['id']}/signups/print")

    # Hugo's family signs up meanwhile: the full slot puts it on the waiting list, live.
    await live_ready(page)
    assert (
        await sophie.post(f"/api/threads/{thread['id']}/signups", json={"slot_id": slot_id})
    ).status_code == 201
    waiting = slot.locator(".families.waiting .family")
    await expect(waiting).to_have_count(1, timeout=LIVE_TIMEOUT)
    await expect(waiting).to_contain_text("Hugo")
    await expect(slot.locator(".status")).to_have_text(
        "1 famille inscrite sur 1 place · complet · 1 en liste d'attente"
    )
    await check_a11y(page, "thread-signup-staff")
    await screenshot(page, "thread-signup-staff")
    if width < 600:
        await assert_touch_targets(page, "thread-signup-staff")
        await page.set_viewport_size({"width": 320, "height": height})
        await assert_no_sideways_scrolling(page, "thread-signup-staff")
    assert_no_page_errors(page)

    # On paper: the same names, and the waiting list after the confirmed family.
    printed = await page.context.new_page()
    await printed.goto(server.url + f"/api/threads/{thread['id']}/signups/print")
    await expect(printed.locator("h1")).to_have_text(f"Sortie à la ferme {tag}")
    rows = printed.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text(f"Je peux conduire {tag}.")
    await expect(rows.nth(1)).to_contain_text("Hugo")
    await check_a11y(printed, "signups-print")
    await screenshot(printed, "signups-print")

    # The families keep seeing the places and their own sign-up, never the names.
    if width < 600:
        family = await open_app(
            server, login=a.parents["cp"].login, path=f"/#/threads/{thread['id']}", view="thread"
        )
        await expect(family.locator(".slot .mine")).to_contain_text("liste d'attente")
        await expect(family.locator(".signup-staff")).to_have_count(0)
        await expect(family.get_by_text(f"Je peux conduire {tag}.")).to_have_count(0)
        assert_no_page_errors(family)


@BOTH_SIZES
async def test_an_announcement_puts_its_date_in_the_agenda(open_app, server, world, width, height):
    a = world.a
    tag = uuid.uuid4().hex[:5]
    subject = f"Réunion de parents {tag}"
    day = (dt.datetime.now(PARIS) + dt.timedelta(days=5)).date().isoformat()
    page = await open_app(
        server,
        login=a.teachers["CP"].login,
        width=width,
        height=height,
        path="/#/write/announcement",
        view="compose",
    )
    await page.get_by_label("Objet").fill(subject)
    await page.get_by_label("Message", exact=True).fill("Rendez-vous en classe pour parler de l'année.")
    await page.get_by_label("Ajouter la date à l'agenda (sortie, réunion…)").check()
    await page.locator("[name=agenda_day]").fill(day)
    await page.locator("[name=agenda_start]").fill("18:00")
    await page.locator("[name=agenda_end]").fill("17:00")
    await page.get_by_role("button", name="Envoyer").click()
    await expect(page.locator("[name=agenda_end] + .field-error")).to_have_text("La fin est avant le début.")
    await page.locator("[name=agenda_end]").fill("19:30")
    await expect(page.locator("[name=agenda_end] + .field-error")).to_have_count(0)
    await page.locator("[name=agenda_location]").fill("Salle polyvalente")
    await check_a11y(page, "compose-agenda-date")
    await screenshot(page, "compose-agenda-date")
    await page.get_by_role("button", name="Envoyer").click()
    await page.wait_for_url(re.compile(r"#/threads/[0-9a-f-]+$"))
    thread_id = page.url.rsplit("/", 1)[1]

    await page.goto(server.url + "/#/agenda")
    event = page.locator(".event").filter(has_text=subject)
    await expect(event).to_have_count(1)
    await expect(event.locator(".when")).to_have_text("18:00 – 19:30")
    await expect(event).to_contain_text("Salle polyvalente")
    await expect(event.get_by_role("link", name="Voir le message")).to_have_attribute(
        "href", f"#/threads/{thread_id}"
    )

    # The feed's QR code, drawn by the server, beside its webcal: link.
    qr = page.locator("#calendar-qr")
    await expect(qr).to_be_visible()
    await expect(qr).to_have_attribute("src", re.compile(r"^/api/me/calendar/qr"))
    await page.wait_for_function("() => document.querySelector('#calendar-qr').naturalWidth > 0")
    webcal = page.get_by_role("link", name="Ajouter à mon agenda")
    await expect(webcal).to_have_attribute("href", re.compile(r"^webcal://[^/]+/calendar/\S+$"))
    await check_a11y(page, "agenda-teacher")
    await screenshot(page, "agenda-teacher")
    assert_no_page_errors(page)


async def test_one_family_letter_from_the_school_page(open_app, server, world):
    """The director reprints the letter of a parent who has not activated yet."""
    a = world.a
    page = await open_app(
        server, login=a.director.login, width=1280, height=800, path="/#/staff", view="staff"
    )
    cp = page.locator(".class-item").filter(has=page.get_by_role("heading", name="Classe CP"))
    await cp.locator("summary").click()
    paul = cp.locator(".guardian-list li").filter(has_text="Paul")
    again = paul.get_by_role("link", name=re.compile("^Réimprimer sa lettre"))
    await expect(again).to_have_attribute(
        "href", re.compile(rf"^/api/schools/{a.id}/activation-letters\?guardian_id=")
    )
    claire = cp.locator(".guardian-list li").filter(has_text="Claire")
    await expect(claire.get_by_role("link", name=re.compile("^Réimprimer"))).to_have_count(0)  # activated
    await check_a11y(page, "staff-letter-again")
    await screenshot(page, "staff-letter-again")

    letter = await page.context.new_page()
    await letter.goto(server.url + await again.get_attribute("href"))
    await expect(letter.locator("main.letter")).to_have_count(1)
    await expect(letter.get_by_role("button", name="Imprimer la lettre")).to_be_visible()
    await expect(letter.locator("main.letter")).to_contain_text("Paul")
    assert_no_page_errors(page)
