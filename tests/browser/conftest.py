"""Browser tests: the web app in Debian's chromium, driven by Playwright's async API.

Playwright runs in the session's event loop, beside the test server. Each
`open_app` call is a fresh browser context (its own cookies and storage);
console errors, uncaught exceptions and 5xx answers are collected per page
and checked by `assert_no_page_errors`. `check_a11y` runs axe-core (from npm,
see `tests/browser/install`); `screenshot` writes into test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.conftest import ROOT, Clients, RunningServer
from tests.world import PASSWORD, World, build_world

ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
INSTALL = "run tests/browser/install (Debian's chromium and axe-core from npm)"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--lang=fr-FR",  # date and time inputs in French, as on a French phone
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# A phone and a desktop: the sizes every screen is checked at.
SIZES = [(360, 740), (1280, 800)]
BOTH_SIZES = pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
LIVE_TIMEOUT = 10_000  # ms: the bound of a wait for what a live event changes on a page
# Chromium logs every 4xx answer as a console error; the app handles those
# (401 when signed out, a wrong password...). 5xx answers are caught apart.
HANDLED_ANSWER = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")

_errors: dict[Page, list[str]] = {}


def _watch(page: Page) -> None:
    if page in _errors:
        return
    errors = _errors[page] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text} ({msg.location.get('url')})")
            if msg.type == "error" and not HANDLED_ANSWER.match(msg.text)
            else None
        ),
    )
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 500 else None,
    )


def _size(page: Page) -> str:
    size = page.viewport_size or {"width": 0, "height": 0}
    return f"{size['width']}x{size['height']}"


def page_errors(page: Page) -> list[str]:
    return _errors.get(page, [])


def assert_no_page_errors(page: Page) -> None:
    if errors := page_errors(page):
        pytest.fail(f"errors in the page {page.url}:\n" + "\n".join(errors))


async def wait_view(page: Page, name: str, timeout: float = 10_000) -> None:
    """Wait until the app has rendered the screen `name` (html[data-view])."""
    try:
        await page.locator(f'html[data-view="{name}"]').wait_for(state="attached", timeout=timeout)
    except PlaywrightTimeout:
        shown = await page.evaluate("document.documentElement.dataset.view")
        pytest.fail(f"view {name!r} not shown (data-view={shown!r}, url {page.url}); {page_errors(page)}")


async def sign_in(page: Page, login: str, password: str = PASSWORD) -> None:
    """Fill the sign-in screen's form and send it, as a person does."""
    await page.fill("#login", login)
    await page.fill("#password", password)
    await page.locator("#signin [type=submit]").click()


async def live_ready(page: Page) -> None:
    """The page's WebSocket said `ready` (the app then stores its position):
    any event committed from now on reaches it."""
    await page.wait_for_function(
        "() => Object.keys(localStorage).some((key) => key.startsWith('liaison.pos.'))",
        timeout=LIVE_TIMEOUT,
    )


async def mark(page: Page) -> None:
    """A marker in the page: still there later, the page was not reloaded."""
    await page.evaluate("window.__marker = 1")


async def watch_live(page: Page) -> None:
    """The page follows live events (`live_ready`), and is marked (`mark`)."""
    await live_ready(page)
    await mark(page)


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.__marker") == 1, f"{page.url} was reloaded"


# Every control a finger may need, at least 44×44 CSS px (WCAG 2.5.5), except links
# inside a sentence (the "inline" exception) and, when asked, checkboxes and radio
# buttons (their label is the target).
SMALL_TARGETS = """(skipChoices) => {
  const offenders = [];
  const width = document.documentElement.clientWidth;
  for (const e of document.querySelectorAll("a[href], button, input, select, textarea, summary, [role=switch]")) {
    const style = getComputedStyle(e);
    const box = e.getBoundingClientRect();
    if (!box.width || !box.height || style.visibility === "hidden" || e.type === "hidden") continue;
    if (box.right <= 0 || box.left >= width || e.closest(".sr-only")) continue;  // the skip link, until focused
    if (skipChoices && (e.type === "checkbox" || e.type === "radio")) continue;
    if (e.tagName === "A" && style.display === "inline") {
      const sentence = e.parentElement.closest("p, li, dd, td");
      if (sentence && sentence.textContent.trim() !== e.textContent.trim()) continue;
    }
    if (box.width < 43.99 || box.height < 43.99) {
      const name = (e.getAttribute("aria-label") || e.textContent || e.name || "").trim().slice(0, 40);
      offenders.push(`${e.tagName.toLowerCase()}${e.className ? "." + e.className : ""} "${name}" `
        + `${box.width.toFixed(1)}×${box.height.toFixed(1)}`);
    }
  }
  return offenders;
}"""


async def assert_touch_targets(page: Page, screen: str, skip_choices: bool = False) -> None:
    """No control under 44×44 CSS px on the page (see SMALL_TARGETS)."""
    offenders = await page.evaluate(SMALL_TARGETS, skip_choices)
    assert offenders == [], f"touch targets under 44×44 px on {screen}:\n" + "\n".join(offenders)


async def assert_no_sideways_scrolling(page: Page, screen: str) -> None:
    """At 320 px wide, nothing sticks out: the page does not scroll sideways."""
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > 320:
        wide = await page.evaluate("""() => [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > 320.5 && !e.closest(".sr-only"))
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
          .slice(0, 10)""")
        pytest.fail(f"{screen} scrolls sideways at 320 px (scrollWidth {scroll_width}): {wide}")


async def check_a11y(page: Page, name: str) -> dict:
    """axe-core on the page: no serious or critical WCAG 2.1 A/AA violation.

    The whole result goes to test-artifacts/axe/<name>-<width>x<height>.json.
    """
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: {INSTALL}")
    if not await page.evaluate("typeof axe !== 'undefined'"):
        # Evaluated rather than add_script_tag: a strict Content-Security-Policy blocks inline scripts.
        await page.evaluate(AXE.read_text() + "\n;0")
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    path = ARTIFACTS / "axe" / f"{name}-{_size(page)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    lines = []
    for violation in bad:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:3]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
    if bad:
        pytest.fail(f"accessibility of {name} (full result: {path}):\n" + "\n".join(lines))
    return result


async def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG at test-artifacts/screens/<name>-<width>x<height>.png."""
    path = ARTIFACTS / "screens" / f"{name}-{_size(page)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path.relative_to(ROOT)}")
    return path


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(f"no chromium at {executable}: {INSTALL}")
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
    finally:
        await playwright.stop()


# What the `open_app` fixture gives (its arguments: `open_` below).
OpenApp = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_app(chromium: Browser) -> AsyncIterator[OpenApp]:
    """`await open_app(server, login=...)`: a page of the app in a new browser context,
    signed in as `login` (through the API) or not, on `path`; when `view` is named,
    once the app shows that screen."""
    contexts: list[BrowserContext] = []

    async def open_(
        server: RunningServer,
        login: str | None = None,
        password: str = PASSWORD,
        width: int = 360,
        height: int = 740,
        permissions: Sequence[str] = (),
        path: str = "/#/inbox",
        enforce_csp: bool = False,
        view: str | None = None,
    ) -> Page:
        # The server's Content-Security-Policy forbids eval, which Playwright's
        # wait_for_function needs; tests that check the CSP itself enforce it.
        context = await chromium.new_context(
            bypass_csp=not enforce_csp,
            viewport={"width": width, "height": height},
            locale="fr-FR",
            timezone_id="Europe/Paris",
            has_touch=width < 600,
            service_workers="allow",
        )
        contexts.append(context)
        context.on("page", _watch)
        if permissions:
            await context.grant_permissions(list(permissions), origin=server.url)
        if login:
            response = await context.request.post(
                server.url + "/api/session", data={"login": login, "password": password}
            )
            assert response.ok, f"sign-in of {login}: {response.status} {await response.text()}"
        page = await context.new_page()
        _watch(page)  # popups are watched by the context's "page" handler
        await page.goto(server.url + path)
        if view is not None:
            await wait_view(page, view)
        return page

    yield open_
    for page in [page for page in _errors if page.context in contexts]:
        del _errors[page]
    for context in contexts:
        await context.close()


@pytest.fixture(scope="session")
async def world(api: Clients) -> World:
    """One world for every browser test: tests make their own threads, never rely on others'."""
    return await build_world(api)
