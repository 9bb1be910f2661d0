"""Finding things in the web app: the inbox's search (results as a list, the
words found marked, a result opening its thread at the message), the inbox's
compact header on a phone, the teacher's way to their classes and families,
and signing out at the top of the settings. axe-core on each screen changed,
a screenshot at phone and desktop widths."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    BOTH_SIZES,
    OpenApp,
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_touch_targets,
    check_a11y,
    screenshot,
    wait_view,
)
from tests.conftest import Clients, RunningServer
from tests.world import World, announce, thread_and_message, write_direct

# A made-up word of letters only, so that only this module's messages match.
WORD = "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
HOSTILE = '<img src=x onerror="document.title=1">'


@dataclass
class Written:
    outing: dict  # the director to the whole school: "Sortie à l'École…"
    question: dict  # Hugo's family to the CP teacher, 55 messages: the word is in the 2nd


@pytest.fixture(scope="module")
async def written(api: Clients, world: World) -> Written:
    a = world.a
    director, teacher = api(a.director.token), api(a.teachers["CP"].token)
    sophie = api(a.parents["cp"].token)
    outing, _ = thread_and_message(
        await announce(
            director,
            f"Sortie à l'École des Beaux-Arts {WORD}",
            body=f"Rendez-vous à 8 h 30. {HOSTILE} Prévoir un goûter.",
        )
    )
    for subject in ("Piscine", "Bibliothèque", "Photos de classe"):
        thread_and_message(
            await announce(
                teacher, subject, class_ids=[a.classes["CP"]], body="Une information pour la classe."
            )
        )
    question, _ = thread_and_message(
        await write_direct(sophie, a.children["Hugo"], "Cahier oublié", "Bonjour, une question.")
    )
    for n in range(2, 56):
        body = f"Hugo a oublié son cahier de poésie {WORD}." if n == 2 else f"Message {n}."
        posted = await sophie.post(f"/api/threads/{question['id']}/messages", json={"body": body})
        assert posted.status_code == 201, posted.text
    return Written(outing, question)


async def visible_rows(page: Page) -> int:
    """The inbox's rows wholly on screen, between the top and the menu at the bottom."""
    return await page.evaluate("""() => {
      const nav = document.getElementById("nav").getBoundingClientRect();
      const bottom = nav.top > 0 && nav.top < innerHeight ? nav.top : innerHeight;
      return [...document.querySelectorAll(".inbox-body li.thread")]
        .filter((row) => { const box = row.getBoundingClientRect(); return box.top >= 0 && box.bottom <= bottom; })
        .length;
    }""")


async def test_the_inbox_header_leaves_room_for_messages_on_a_phone(
    open_app: OpenApp, server: RunningServer, world: World, written: Written
) -> None:
    page = await open_app(server, login=world.a.parents["cp"].login, width=360, height=640, view="inbox")
    invite = page.locator("aside.invite")
    await expect(invite).to_be_visible()  # the invitation is there, and counted
    # Headless Chromium is a computer: the invitation does not speak of a phone.
    await expect(invite).to_contain_text("sur cet ordinateur")
    await expect(page.get_by_role("link", name="Signaler une absence")).to_be_visible()
    await expect(page.get_by_role("searchbox", name="Rechercher dans les messages")).to_be_visible()
    assert await visible_rows(page) >= 3
    await assert_touch_targets(page, "inbox")
    await screenshot(page, "inbox-compact")
    # At 320 px, nothing sticks out, with the search's results either.
    await page.set_viewport_size({"width": 320, "height": 640})
    await assert_no_sideways_scrolling(page, "inbox")
    await page.get_by_role("searchbox", name="Rechercher dans les messages").fill(f"poesie {WORD}")
    await expect(page.locator(".search-results li.result")).to_have_count(1)
    await assert_no_sideways_scrolling(page, "inbox with results")
    await assert_touch_targets(page, "inbox with results")
    devices = await page.evaluate("""async () => {
      const { thisDevice } = await import("/js/views/inbox.js");
      return [
        thisDevice({ userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36" }),
        thisDevice({ userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148" }),
        thisDevice({ userAgent: "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/126.0 Safari/537.36" }),
        thisDevice({ userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15", maxTouchPoints: 5 }),
        thisDevice({ userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36", maxTouchPoints: 0 }),
      ];
    }""")
    assert devices == ["ce téléphone", "ce téléphone", "cette tablette", "cette tablette", "cet ordinateur"]
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_search_finds_marks_and_opens_the_message(
    open_app: OpenApp, server: RunningServer, world: World, written: Written, width: int, height: int
) -> None:
    page = await open_app(server, login=world.a.parents["cp"].login, width=width, height=height, view="inbox")
    field = page.get_by_role("searchbox", name="Rechercher dans les messages")
    await field.fill(f"ecoles {WORD}")
    await field.press("Enter")
    results = page.locator(".search-results li.result")
    await expect(results).to_have_count(1)
    await expect(page.locator(".inbox-body")).to_be_hidden()
    await expect(page.locator(".search-status")).to_have_text(f"Un message trouvé pour « ecoles {WORD} ».")
    found = results.first
    await expect(found.locator(".subject")).to_have_text(f"Sortie à l'École des Beaux-Arts {WORD}")
    # The body's markup is text, never HTML: no image, the words shown as typed.
    await expect(found.locator(".snippet")).to_contain_text(HOSTILE)
    await expect(found.locator("img")).to_have_count(0)
    assert await page.title() != "1"
    await check_a11y(page, "inbox-search")
    await screenshot(page, "inbox-search")

    # A message deep in a long conversation: found, marked, opened where it is.
    await field.fill(f"poesie {WORD}")
    await expect(results).to_have_count(1)
    await expect(results.first.locator("mark")).to_have_text(["poésie", WORD])
    await expect(results.first.locator(".snippet")).to_have_text(
        f"Hugo a oublié son cahier de poésie {WORD}."
    )
    await results.first.locator("a").click()
    await wait_view(page, "thread")
    assert page.url.endswith(f"#/threads/{written.question['id']}?seq=2")
    message = page.locator("li.message.found")
    await expect(message).to_have_attribute("data-seq", "2")
    await expect(message).to_be_focused()
    await expect(message).to_be_in_viewport()
    if width < 600:  # the screen as it opens (the thread is long: not the full page)
        await page.screenshot(path=ARTIFACTS / "screens" / "thread-found-360x740.png")

    # Back: the words and their results are still there; emptied, the inbox returns.
    await page.go_back()
    await wait_view(page, "inbox")
    await expect(field).to_have_value(f"poesie {WORD}")
    await expect(results).to_have_count(1)
    await field.fill("")
    await expect(page.locator(".inbox-body")).to_be_visible()
    await expect(page.locator(".search-results")).to_be_hidden()
    assert await page.evaluate("location.hash") == "#/inbox"

    # Nothing found is said.
    await field.fill(f"kermesse {WORD}")
    await field.press("Enter")
    await expect(page.locator(".search-status")).to_have_text(
        f"Aucun message ne contient « kermesse {WORD} »."
    )
    await expect(results).to_have_count(0)
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_a_teacher_reaches_their_classes_and_families_from_the_menu(
    open_app: OpenApp, server: RunningServer, world: World, width: int, height: int
) -> None:
    page = await open_app(
        server, login=world.a.teachers["CP"].login, width=width, height=height, view="inbox"
    )
    await page.locator("#nav a", has_text="Classes").click()
    await wait_view(page, "staff")
    await expect(page.locator("h1")).to_have_text("Mes classes")
    await expect(page.locator("#nav a[aria-current=page]")).to_have_text("Classes")
    item = page.locator("li.class-item")
    await expect(item).to_have_count(1)
    await item.get_by_text("Élèves et parents").click()
    await expect(item.locator("li[data-child-id]")).to_have_count(2)  # Léa and Hugo
    await expect(item).to_contain_text("Claire")
    await check_a11y(page, "staff-teacher")
    await screenshot(page, "staff-teacher")
    # The class's blog lights the same entry.
    await item.get_by_role("link", name="Blog et cahiers de la classe CP").click()
    await wait_view(page, "blog")
    await expect(page.locator("#nav a[aria-current=page]")).to_have_text("Classes")
    assert_no_page_errors(page)


async def test_the_director_keeps_the_school_in_the_menu(
    open_app: OpenApp, server: RunningServer, world: World
) -> None:
    page = await open_app(server, login=world.a.director.login, view="inbox")
    entries = [text.strip() for text in await page.locator("#nav a").all_inner_texts()]
    assert entries == ["Messages", "Absences", "Agenda", "École", "Réglages"]
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_signing_out_is_at_the_top_of_the_settings(
    open_app: OpenApp, server: RunningServer, world: World, width: int, height: int
) -> None:
    page = await open_app(
        server,
        login=world.a.parents["ce1"].login,
        width=width,
        height=height,
        path="/#/preferences",
        view="preferences",
    )
    sign_out = page.get_by_role("button", name="Se déconnecter")
    # On the first screen, without scrolling (above the menu at the bottom of a phone).
    box = await sign_out.bounding_box()
    nav = await page.locator("#nav").bounding_box()
    assert box is not None and nav is not None
    limit = nav["y"] if width < 600 else height
    assert box["y"] + box["height"] <= limit, (box, nav)
    await check_a11y(page, "preferences-account-first")
    await screenshot(page, "preferences-account-first")
    await sign_out.click()
    await wait_view(page, "signin")
    assert_no_page_errors(page)
