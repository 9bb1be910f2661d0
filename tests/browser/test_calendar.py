"""The school calendar screen in Chromium: the director reaches it from the
school page, chooses the zone and the week, closes a day and opens it again;
the page shows the zone's holidays. axe-core and screenshots at 360 and 1280 px.
A school of this module's own: the shared world keeps its default calendar."""

from __future__ import annotations

import datetime as dt

from playwright.async_api import expect

from liaison.core.clock import paris_today
from tests.browser.conftest import (
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_touch_targets,
    check_a11y,
    screenshot,
    wait_view,
)
from tests.world import school_with_director


async def test_the_director_sets_the_school_calendar(open_app, server, api):
    school_id, director = await school_with_director(api, "Mme Calendrier")
    page = await open_app(server, login=director.login, path="/#/staff", view="staff")
    await page.get_by_role("link", name="Calendrier et vacances").click()
    await wait_view(page, "calendar")
    await expect(page.locator("h1")).to_have_text("Calendrier de l'école")
    # The default: zone C, the four-day week; the holidays of zone C are listed.
    await expect(page.get_by_role("radio", name="Zone C")).to_be_checked()
    for day, checked in (("Lundi", True), ("Mercredi", False), ("Jeudi", True), ("Samedi", False)):
        assert await page.get_by_label(day, exact=True).is_checked() is checked
    await expect(page.locator(".holidays h2")).to_have_text("Vacances et jours fériés (zone C)")
    await expect(page.locator(".holiday-list li").first).to_be_visible()

    # Zone A and four and a half days.
    await page.get_by_role("radio", name="Zone A").check()
    await page.get_by_label("Mercredi", exact=True).check()
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.locator("#toast")).to_have_text("Le calendrier de l'école est enregistré.")
    await expect(page.locator(".holidays h2")).to_have_text("Vacances et jours fériés (zone A)")
    saved = (await api(director.token).get(f"/api/schools/{school_id}/calendar")).json()
    assert (saved["zone"], saved["week"]) == ("A", ["mon", "tue", "wed", "thu", "fri"])

    # A closure: nothing typed is refused in the page, then the day is added.
    await page.get_by_role("button", name="Ajouter la fermeture").click()
    await expect(page.locator(".closure-form .error")).to_have_text("Choisissez le jour. Indiquez le motif.")
    day = paris_today() + dt.timedelta(days=10)
    await page.get_by_label("Jour fermé").fill(day.isoformat())
    await page.get_by_label("Motif").fill("Journée pédagogique")
    await page.get_by_role("button", name="Ajouter la fermeture").click()
    row = page.locator(f'.closure-list li[data-date="{day.isoformat()}"]')
    await expect(row).to_contain_text("Journée pédagogique")
    saved = (await api(director.token).get(f"/api/schools/{school_id}/calendar")).json()
    assert saved["closures"] == [{"date": day.isoformat(), "label": "Journée pédagogique"}]

    await assert_touch_targets(page, "calendar", skip_choices=True)  # their labels are the targets
    await check_a11y(page, "calendar")
    await screenshot(page, "calendar")
    await page.set_viewport_size({"width": 320, "height": 740})
    await assert_no_sideways_scrolling(page, "calendar")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await check_a11y(page, "calendar")
    await screenshot(page, "calendar")

    # The day opened again.
    await row.get_by_role("button").click()
    await expect(page.locator(".closures .empty")).to_have_text("Aucune fermeture ajoutée.")
    saved = (await api(director.token).get(f"/api/schools/{school_id}/calendar")).json()
    assert saved["closures"] == []
    assert_no_page_errors(page)
