"""Signing in from the sign-in screen, on a phone and on a desktop."""

from playwright.async_api import expect

from tests.browser.conftest import (
    BOTH_SIZES,
    assert_no_page_errors,
    check_a11y,
    screenshot,
    sign_in,
    wait_view,
)


@BOTH_SIZES
async def test_sign_in_leads_to_the_inbox(open_app, server, world, width, height):
    page = await open_app(server, width=width, height=height, view="signin")
    await check_a11y(page, "signin")
    await screenshot(page, "signin")

    await sign_in(page, world.a.parents["cp"].login)
    await wait_view(page, "inbox")
    await check_a11y(page, "inbox")
    await screenshot(page, "inbox")
    assert_no_page_errors(page)


async def test_a_wrong_password_is_told_in_french(open_app, server, world):
    page = await open_app(server, view="signin")
    await sign_in(page, world.a.parents["ce1"].login, "pas le bon mot de passe")
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
    await sign_in(page, world.a.parents["both"].login)
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
