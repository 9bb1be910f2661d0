"""A printable page (here the activation letter) under its own strict
Content-Security-Policy, enforced by Chromium: its nonce'd style applies, its
print button works through its nonce'd script (no inline `onclick`), nothing
is refused, and it stays accessible (issue 13, item 9)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import BOTH_SIZES, assert_no_page_errors, check_a11y, screenshot
from tests.conftest import Clients
from tests.world import World, build_world


@pytest.fixture(scope="module")
async def school(api: Clients) -> World:
    """A school of this module's own: Paul, Léa's father, has his letter still to print."""
    return await build_world(api)


@BOTH_SIZES
async def test_a_letter_prints_under_its_content_security_policy(open_app, server, school, width, height):
    a = school.a
    path = f"/api/schools/{a.id}/activation-letters?child_id={a.children['Léa']}"
    page = await open_app(
        server, login=a.director.login, path=path, width=width, height=height, enforce_csp=True
    )
    button = page.get_by_role("button", name="Imprimer la lettre")
    await expect(button).to_be_visible()
    # The page's own style applied: the letter is a white sheet on a grey background.
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(238, 238, 238)"
    assert await page.evaluate("getComputedStyle(document.querySelector('.letter')).backgroundColor") == (
        "rgb(255, 255, 255)"
    )
    await page.evaluate("window.print = () => { document.body.dataset.printed = '1'; }")
    await button.click()
    await expect(page.locator("body[data-printed='1']")).to_have_count(1)
    await check_a11y(page, "activation-letter")
    await screenshot(page, "activation-letter")
    assert_no_page_errors(page)  # a refused style or script is a console error
