"""A director's second factor in the web app (turned on in the preferences, then
asked at sign-in), and a new letter for a family that lost its password."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pyotp
from playwright.async_api import Dialog, expect

from tests.browser.conftest import (
    SIZES,
    assert_no_page_errors,
    check_a11y,
    screenshot,
    sign_in,
    wait_view,
)
from tests.world import PASSWORD, activate, families, import_roster, roster, school_with_director


def code_of(secret: str, ahead: int = 0) -> str:
    """The app's code now, or `ahead` steps later (a code serves once: a second
    use within the same 30 s takes the next one, still accepted)."""
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30 * ahead))


async def test_a_director_turns_on_the_second_factor_then_signs_in(open_app, server, api):
    _, director = await school_with_director(api, "Mme Double")
    page = await open_app(server, login=director.login, path="/#/preferences", view="preferences")

    # Turn it on: the key comes from the otpauth:// address the app reads from the QR code.
    async with page.expect_response("**/api/me/second-factor/setup") as setup:
        await page.get_by_role("button", name="Activer la double authentification").click()
    uri = (await (await setup.value).json())["otpauth_uri"]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    shown = await page.locator("#second-factor-secret").inner_text()
    assert shown.replace(" ", "") == secret, shown
    box = page.locator("#second-factor-box")
    await expect(box.locator("img.qr")).to_be_visible()
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await check_a11y(page, "second-factor-setup")
        await box.scroll_into_view_if_needed()
        await screenshot(page, "second-factor-setup")
    await page.fill("#second-factor-code", code_of(secret))
    await box.get_by_role("button", name="Activer", exact=True).click()
    codes = box.locator("#recovery-codes li")
    await expect(codes).to_have_count(10)
    recovery = await codes.all_inner_texts()
    await box.get_by_role("button", name="J'ai gardé mes codes").click()
    await expect(box).to_contain_text("Codes de secours restants : 10")

    # Signed out, then in: the password, then the code step.
    await page.locator("#sign-out").click()
    await wait_view(page, "signin")
    await sign_in(page, director.login)
    form = page.locator("#second-factor")
    await expect(form).to_be_visible()
    await expect(page.locator("#totp-code")).to_be_focused()
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await check_a11y(page, "second-factor-signin")
        await screenshot(page, "second-factor-signin")
    await page.fill("#totp-code", "000000")
    await form.get_by_role("button", name="Valider").click()
    await expect(page.locator("#totp-error")).to_contain_text("Code incorrect")
    # The code of activation has served: the next one of the app opens the session.
    await page.fill("#totp-code", code_of(secret, ahead=1))
    await form.get_by_role("button", name="Valider").click()
    await wait_view(page, "inbox")

    # A recovery code instead (the phone is lost): once.
    await page.goto(server.url + "/#/preferences")
    await wait_view(page, "preferences")
    await page.locator("#sign-out").click()
    await wait_view(page, "signin")
    await sign_in(page, director.login)
    await page.fill("#totp-code", recovery[0])
    await page.locator("#second-factor").get_by_role("button", name="Valider").click()
    await wait_view(page, "inbox")
    anonymous = api()
    again = await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    reused = {"challenge": again.json()["error"]["challenge"], "code": recovery[0]}
    assert (await anonymous.post("/api/session/second-factor", json=reused)).status_code == 401
    assert_no_page_errors(page)


async def test_a_new_letter_for_a_family_without_email(open_app, server, api):
    """The director gives a new letter to a family that forgot its password and
    has no email: the old password stops working, the letter opens to print."""
    school_id, director = await school_with_director(api, "M. Lettres")
    rows = [(*row[:6], "", row[7]) for row in families("CE1", 1)]  # no email: paper only
    imported = await import_roster(api(director.token), school_id, roster(rows))
    guardian = imported.json()["guardians"][0]
    await activate(api(), guardian["activation_code"])

    page = await open_app(server, login=director.login, path="/#/staff", view="staff")
    await page.get_by_text("Élèves et parents").click()
    family = page.locator(f'li[data-user-id="{guardian["user_id"]}"]')
    await expect(family).to_contain_text("compte activé")
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await family.get_by_role("button", name="Nouvelle lettre").click()
    result = family.locator(".new-letter-result")
    await expect(result).to_contain_text("L'ancien mot de passe ne marche plus")
    assert "mot de passe actuel ne marchera plus" in asked[0]
    code = (await result.locator("dd.code").inner_text()).strip()
    old = await api().post("/api/session", json={"login": guardian["login"], "password": PASSWORD})
    assert old.status_code == 401
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await check_a11y(page, "staff-new-letter")
        await family.scroll_into_view_if_needed()
        await screenshot(page, "staff-new-letter")

    async with page.expect_popup() as popup:
        await result.get_by_role("link", name="Ouvrir la lettre à imprimer").click()
    letter = await popup.value
    await letter.wait_for_load_state()
    assert guardian["login"] in await letter.content()
    await activate(api(), code, "une-autre-phrase-2027")  # the code shown on screen works too
    assert_no_page_errors(page)
