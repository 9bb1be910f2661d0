"""Signing in from the sign-in screen, on a phone and on a desktop."""

import pytest
from playwright.async_api import expect

from tests.browser.conftest import assert_no_page_errors, check_a11y, screenshot, wait_view
from tests.world import PASSWORD

SIZES = [(360, 740), (1280, 800)]


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_sign_in_leads_to_the_inbox(open_app, server, world, width, height):
    page = await open_app(server, width=width, height=height)
    await wait_view(page, "signin")
    await check_a11y(page, "signin")
    await screenshot(page, "signin")

    await page.fill("#login", world.a.parents["cp"].login)
    await page.fill("#password", PASSWORD)
    await page.locator("#signin [type=submit]").click()
    await wait_view(page, "inbox")
    await check_a11y(page, "inbox")
    await screenshot(page, "inbox")
    assert_no_page_errors(page)


async def test_a_wrong_password_is_told_in_french(open_app, server, world):
    page = await open_app(server)
    await wait_view(page, "signin")
    await page.fill("#login", world.a.parents["ce1"].login)
    await page.fill("#password", "pas le bon mot de passe")
    await page.locator("#signin [type=submit]").click()
    await expect(page.locator("#signin-error")).to_have_text("Identifiant ou mot de passe incorrect.")
    await wait_view(page, "signin")
    assert_no_page_errors(page)


async def test_the_app_runs_under_its_content_security_policy(open_app, server, world):
    """No inline script or style, no eval: every screen works with the server's CSP
    enforced (a violation is a console error, which fails the test)."""
    page = await open_app(server, enforce_csp=True)
    response = await page.reload()
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    await wait_view(page, "signin")
    await page.fill("#login", world.a.parents["both"].login)
    await page.fill("#password", PASSWORD)
    await page.locator("#signin [type=submit]").click()
    await wait_view(page, "inbox")
    for path, view in [
        ("#/absence", "absence"),
        ("#/write", "compose"),
        ("#/agenda", "agenda"),
        ("#/preferences", "preferences"),
    ]:
        await page.goto(server.url + "/" + path)
        await wait_view(page, view)
    assert_no_page_errors(page)
