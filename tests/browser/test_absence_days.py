"""The absence screen offers school days: on a Friday "Aujourd'hui" and Monday,
at the weekend Monday and Tuesday (the server refuses weekend-only spans)."""

import datetime as dt

import pytest

from tests.browser.conftest import assert_no_page_errors, wait_view

PARIS = dt.timezone(dt.timedelta(hours=1))  # November: UTC+1


@pytest.mark.parametrize(
    ("today", "offered"),
    [
        (dt.date(2026, 11, 25), [("2026-11-25", "Aujourd'hui"), ("2026-11-26", "Demain")]),  # Wednesday
        (
            dt.date(2026, 11, 27),
            [("2026-11-27", "Aujourd'hui"), ("2026-11-30", "Lundi 30 novembre")],
        ),  # Friday
        (
            dt.date(2026, 11, 28),
            [("2026-11-30", "Lundi 30 novembre"), ("2026-12-01", "Mardi 1 décembre")],
        ),  # Saturday
    ],
    ids=["wednesday", "friday", "saturday"],
)
async def test_the_days_offered_are_school_days(open_app, server, world, today, offered):
    page = await open_app(server, login=world.a.parents["cp"].login, path="/#/inbox")
    await page.clock.set_fixed_time(dt.datetime.combine(today, dt.time(7, 45), tzinfo=PARIS))
    await page.goto(server.url + "/#/absence")
    await wait_view(page, "absence")
    buttons = page.locator("[data-when]")
    shown = [
        (await b.get_attribute("data-when"), (await b.inner_text()).strip()) for b in await buttons.all()
    ]
    assert shown == [*offered, ("dates", "Plusieurs jours")]
    assert_no_page_errors(page)
