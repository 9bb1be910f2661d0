"""Issue 13 in Chromium: the director closes a conversation (confirmed); the
family's open screen follows live, its compose box giving way to "Conversation
fermée par la direction"; reopening brings it back. axe and screenshots at
phone and desktop sizes."""

from __future__ import annotations

import uuid

from playwright.async_api import Dialog, expect

from tests.browser.conftest import (
    BOTH_SIZES,
    LIVE_TIMEOUT,
    assert_no_page_errors,
    check_a11y,
    screenshot,
    watch_live,
)
from tests.world import thread_and_message, write_direct

CLOSED = "Conversation fermée par la direction"


@BOTH_SIZES
async def test_the_director_closes_and_the_family_sees_it_live(open_app, server, api, world, width, height):
    a = world.a
    subject = f"Cantine {uuid.uuid4().hex[:5]}"
    thread, _ = thread_and_message(
        await write_direct(
            api(a.director.token), a.children["Hugo"], subject, "Bonjour, au sujet de la cantine."
        )
    )
    path = f"/#/threads/{thread['id']}"
    family = await open_app(
        server, login=a.parents["cp"].login, width=width, height=height, path=path, view="thread"
    )
    await expect(family.get_by_label("Votre message")).to_be_visible()
    await expect(family.get_by_role("button", name="Fermer la conversation")).to_have_count(
        0
    )  # the director's
    await watch_live(family)

    director = await open_app(
        server, login=a.director.login, width=width, height=height, path=path, view="thread"
    )
    questions: list[str] = []

    async def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    director.on("dialog", accept)
    await director.get_by_role("button", name="Fermer la conversation").click()
    await expect(director.get_by_role("button", name="Rouvrir la conversation")).to_be_visible()
    await expect(director.get_by_text(CLOSED)).to_be_visible()
    assert questions and "Fermer cette conversation" in questions[0]

    # The family's screen, open all along, follows without a reload.
    await expect(family.get_by_text(CLOSED)).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(family.get_by_label("Votre message")).to_have_count(0)
    await expect(family.get_by_text("Bonjour, au sujet de la cantine.")).to_be_visible()  # still readable
    assert await family.evaluate("window.__marker") == 1
    for page, name in ((family, "thread-closed-family"), (director, "thread-closed-director")):
        await check_a11y(page, name)
        await screenshot(page, name)

    await director.get_by_role("button", name="Rouvrir la conversation").click()
    await expect(director.get_by_role("button", name="Fermer la conversation")).to_be_visible()
    await expect(family.get_by_label("Votre message")).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(family.get_by_text(CLOSED)).to_have_count(0)
    assert len(questions) == 2 and "Rouvrir" in questions[1]
    assert_no_page_errors(family)
    assert_no_page_errors(director)
