"""The adoption figures page (#/stats) in Chromium, under the server's real
Content-Security-Policy: the charts drawn by the vendored Chart.js (canvas
painted), the tables beside them with the right numbers, the CSV link;
axe-core, no sideways scrolling, screenshots at phone and desktop widths.

A circonscription of two fresh schools (written directly: the territory's
routes are another capability's) with known figures: Les Tilleuls, 3
families of which 2 activated, an announcement read by one; Les Peupliers, 2
families, none activated."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import asyncpg
import pytest
from playwright.async_api import Page

from liaison.accounts import store as accounts
from liaison.accounts.passwords import hash_password_sync
from tests.browser.conftest import (
    BOTH_SIZES,
    OpenApp,
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_touch_targets,
    check_a11y,
    screenshot,
)
from tests.conftest import Clients, RunningServer
from tests.world import (
    PASSWORD,
    Person,
    activate,
    add_staff,
    admin_token,
    announce,
    create_school,
    families,
    import_roster,
    roster,
    thread_and_message,
)


@dataclass
class Figures:
    team_login: str
    director: Person
    tilleuls: str
    peupliers: str


@pytest.fixture(scope="module")
async def figures(api: Clients, db: asyncpg.Pool) -> Figures:
    tag = uuid.uuid4().hex[:6]
    anonymous = api()
    admin = api(await admin_token(anonymous))
    tilleuls = await create_school(admin, f"École des Tilleuls {tag}")
    peupliers = await create_school(admin, f"École des Peupliers {tag}")
    director = await add_staff(admin, anonymous, tilleuls, "director", f"Mme Tilleul {tag}", [])
    answer = await import_roster(api(director.token), tilleuls, roster(families("CP", 3)))
    assert answer.status_code == 200, answer.text
    parents = [await activate(anonymous, g["activation_code"]) for g in answer.json()["guardians"][:2]]
    peupliers_director = await add_staff(admin, anonymous, peupliers, "director", f"M. Peuplier {tag}", [])
    answer = await import_roster(api(peupliers_director.token), peupliers, roster(families("CE1", 2)))
    assert answer.status_code == 200, answer.text
    thread, _ = thread_and_message(await announce(api(director.token), "Fête de l'école"))
    read = await api(parents[0]).post(f"/api/threads/{thread['id']}/read", json={"seq": 1})
    assert read.status_code == 204, read.text

    circonscription = await db.fetchval(
        "INSERT INTO circonscriptions (name, name_key) VALUES ($1, lower($1)) RETURNING id", f"Bourg {tag}"
    )
    await db.execute(
        "UPDATE schools SET circonscription_id = $1 WHERE id = ANY($2::uuid[])",
        circonscription,
        [uuid.UUID(tilleuls), uuid.UUID(peupliers)],
    )
    async with db.acquire() as conn:
        team = await accounts.create_user(
            conn,
            role="circonscription",
            school_id=None,
            display_name=f"Mme l'Inspectrice {tag}",
            first_name="Inspectrice",
            last_name=tag,
            password_hash=hash_password_sync(PASSWORD),
            circonscription_id=circonscription,
        )
    return Figures(team.login, director, tilleuls, peupliers)


async def shown(page: Page) -> None:
    """The screen is there and its charts drawn (no wait_for_function: the CSP
    forbids the eval it needs)."""
    await page.locator('[data-view="stats"][data-charts="drawn"]').wait_for(state="attached", timeout=15_000)


async def painted_charts(page: Page) -> list[dict]:
    """Each chart's kind, its data, and how many of its pixels are painted."""
    return await page.evaluate("""() => [...document.querySelectorAll(".chart-box canvas")].map((canvas) => {
      const chart = Chart.getChart(canvas);
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted += 1;
      return { type: chart?.config.type, labels: chart?.data.labels,
               data: chart?.data.datasets.map((d) => d.data), painted, label: canvas.getAttribute("aria-label") };
    })""")


async def narrowest(page: Page, height: int) -> None:
    """At 320 px, the narrowest phone, nothing sticks out (the charts resize);
    then back to 360."""
    await page.set_viewport_size({"width": 320, "height": height})
    await page.wait_for_timeout(0)
    await assert_no_sideways_scrolling(page, "stats")
    await page.set_viewport_size({"width": 360, "height": height})


async def table_rows(page: Page, caption: str) -> list[list[str]]:
    return await page.evaluate(
        """(caption) => {
          const table = [...document.querySelectorAll("table")].find((t) => t.caption?.textContent === caption);
          return [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.cells].map((c) => c.textContent.trim()));
        }""",
        caption,
    )


@BOTH_SIZES
async def test_the_circonscription_sees_its_schools_sorted_by_activation(
    open_app: OpenApp, server: RunningServer, figures: Figures, width: int, height: int
) -> None:
    page = await open_app(
        server, login=figures.team_login, path="/#/stats", width=width, height=height, enforce_csp=True
    )
    await shown(page)
    charts = await painted_charts(page)
    assert [c["type"] for c in charts] == ["bar", "line"]
    assert all(c["painted"] > 500 for c in charts), charts
    bars = charts[0]
    assert bars["labels"][0].startswith("École des Tilleuls") and bars["labels"][1].startswith(
        "École des Peupliers"
    )
    assert bars["data"] == [[66.7, 0]]
    assert charts[1]["data"][0][-1] == 1 and charts[1]["data"][1][-1] == 1  # this week: 1 family, 1 message

    activation = await table_rows(page, "Familles activées par école")
    assert [row[1:] for row in activation] == [["3", "2", "66,7 %"], ["2", "0", "0 %"]]
    assert activation[0][0].startswith("École des Tilleuls")
    weeks = await table_rows(page, "Activité par semaine")
    assert weeks[-1][1:] == ["1", "1"]
    detail = await table_rows(page, "Les chiffres de chaque école")
    assert detail[-1] == ["Total", "5", "2", "1", "33,3 %", "—", "1", "0", "0", "0", "0 %"]
    key = await page.locator(".key-figures .figure").first.inner_text()
    assert "2 sur 5 (40 %)" in key
    csv_link = page.locator(".csv a").first
    href = await csv_link.get_attribute("href")
    assert href is not None and "format=csv" in href and "scope=circonscription" in href
    async with page.expect_download() as downloading:
        await csv_link.click()
    download = await downloading.value
    assert download.suggested_filename.startswith("bilan-circonscription-")

    if width == 360:
        await assert_touch_targets(page, "stats")
        await narrowest(page, height)
    # The app's own errors, a refused style or script included; axe-core and the
    # screenshot then bring styles of their own, which the CSP refuses too.
    assert_no_page_errors(page)
    await check_a11y(page, "stats-circonscription")
    await screenshot(page, "stats-circonscription")


@BOTH_SIZES
async def test_a_director_sees_their_school_and_opens_no_other(
    open_app: OpenApp, server: RunningServer, figures: Figures, width: int, height: int
) -> None:
    page = await open_app(
        server, login=figures.director.login, path="/#/stats", width=width, height=height, enforce_csp=True
    )
    await shown(page)
    charts = await painted_charts(page)
    assert charts[0]["data"] == [[66.7]]
    assert all(c["painted"] > 500 for c in charts)
    assert re.fullmatch(r"\d\d/\d\d", charts[1]["labels"][0])  # each week by its Monday
    assert await page.locator("select[name=scope]").count() == 0  # one school: nothing to choose
    assert "null" not in await page.locator("main").inner_text()
    assert await page.locator("h2", has_text="Toutes les écoles").count() == 0
    if width == 360:
        await narrowest(page, height)
    # The app's own errors, a refused style or script included; axe-core and the
    # screenshot then bring styles of their own, which the CSP refuses too.
    assert_no_page_errors(page)
    await check_a11y(page, "stats-school")
    await screenshot(page, "stats-school")

    # Another school's figures: the app's "not accessible" screen, nothing shown.
    await page.goto(f"{server.url}/#/stats?scope=school:{figures.peupliers}")
    await page.locator('html[data-view="error"]').wait_for(state="attached")
    assert await page.locator(".chart-box").count() == 0
