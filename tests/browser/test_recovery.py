"""Recovering an account in the web app: "Mot de passe oublié" by an emailed link
(a real SMTP server receives it), then "Mes appareils" in the preferences."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import assert_no_page_errors, check_a11y, screenshot, wait_view
from tests.conftest import clients_of
from tests.world import activate, families, import_roster, roster, school_with_director

NEW_PASSWORD = "une-phrase-facile-2027"


async def family_of(server) -> tuple[str, str]:
    """A new school's activated family on `server`: its login and email."""
    async with clients_of(server.url) as clients:
        school_id, director = await school_with_director(clients)
        rows = families("CP", 1)
        response = await import_roster(clients(director.token), school_id, roster(rows))
        guardian = response.json()["guardians"][0]
        await activate(clients(), guardian["activation_code"])
        return guardian["login"], rows[0][6]


async def test_a_forgotten_password_then_my_devices(open_app, start_server, smtp):
    server = await start_server(smtp_url=smtp.url)
    login, email = await family_of(server)
    page = await open_app(server, view="signin")
    await page.get_by_role("link", name="Mot de passe oublié ?").click()
    await wait_view(page, "password-forgot")
    await page.fill("#forgot-login", email)
    await page.get_by_role("button", name="Recevoir un lien").click()
    await expect(page.locator("#forgot-done")).to_contain_text("C'est noté")
    await check_a11y(page, "password-forgot")
    await screenshot(page, "password-forgot")

    mail = (await smtp.wait_for(1))[0]
    assert mail.rcpt_tos == [email] and mail.text is not None
    link = re.search(r"http\S+/#/password-reset\?token=\S+", mail.text)
    assert link, mail.text
    await page.goto(server.url + "/" + link.group(0).split("/", 3)[3])
    await wait_view(page, "password-reset")
    await check_a11y(page, "password-reset")
    await screenshot(page, "password-reset")
    await page.fill("#reset-password", NEW_PASSWORD)
    await page.get_by_role("button", name="Enregistrer et me connecter").click()
    await wait_view(page, "inbox")

    await page.goto(server.url + "/#/preferences")
    await wait_view(page, "preferences")
    devices = page.locator("#devices")
    await expect(devices.locator("li")).to_have_count(1)
    await expect(devices).to_contain_text("(cet appareil)")
    await check_a11y(page, "preferences")
    for width, height in ((360, 740), (1280, 800)):
        await page.set_viewport_size({"width": width, "height": height})
        await devices.scroll_into_view_if_needed()
        await screenshot(page, "preferences-devices")
    assert_no_page_errors(page)
    assert login
