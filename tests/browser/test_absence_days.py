"""The absence screen offers the school's next school days, from its calendar: on
a school day "Aujourd'hui" and the next one; on a Wednesday of a four-day week
"Demain" (Thursday) and Friday; at the weekend Monday and Tuesday; on the last
day before the holidays "Aujourd'hui" and the day school resumes.

The days are found from today in the school's real calendar (the server's
holidays are those of the current and the next school year), and the browser's
clock is set to each one's morning."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from liaison.calendar.days import Calendar
from liaison.core.clock import paris_today
from tests.browser.conftest import assert_no_page_errors, wait_view
from tests.world import calendar_of

PARIS = ZoneInfo("Europe/Paris")
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]  # fmt: skip


def shown_as(day: dt.date, today: dt.date) -> str:
    """How the screen names a day (the browser's French long date, capitalised)."""
    if day == today:
        return "Aujourd'hui"
    if day == today + dt.timedelta(days=1):
        return "Demain"
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}".capitalize()


def a_day(calendar: Calendar, case: str) -> dt.date:
    """The first day from today (within the year) that is this case."""
    for i in range(1, 366):
        day = paris_today() + dt.timedelta(days=i)
        school = calendar.is_school_day
        if case == "wednesday" and day.weekday() == 2 and not school(day):
            if school(day + dt.timedelta(days=1)) and school(day + dt.timedelta(days=2)):
                return day
        if case == "friday" and day.weekday() == 4 and school(day) and school(day + dt.timedelta(days=3)):
            return day
        if case == "saturday" and day.weekday() == 5 and school(day + dt.timedelta(days=2)):
            if school(day + dt.timedelta(days=3)):
                return day
        if (
            case == "before-holidays"
            and school(day)
            and not any(school(day + dt.timedelta(days=d)) for d in range(1, 8))
        ):
            return day
    raise AssertionError(f"no {case} in the coming year of this calendar")


@pytest.mark.parametrize("case", ["wednesday", "friday", "saturday", "before-holidays"])
async def test_the_days_offered_are_school_days(open_app, server, api, world, case):
    calendar = await calendar_of(api(world.a.director.token), world.a.id)
    today = a_day(calendar, case)
    offered = calendar.next_school_days(today, 2)
    page = await open_app(server, login=world.a.parents["cp"].login, path="/#/inbox")
    await page.clock.set_fixed_time(dt.datetime.combine(today, dt.time(7, 45), tzinfo=PARIS))
    await page.goto(server.url + "/#/absence")
    await wait_view(page, "absence")
    buttons = page.locator("[data-when]")
    shown = [
        (await b.get_attribute("data-when"), (await b.inner_text()).strip()) for b in await buttons.all()
    ]
    expected = [(day.isoformat(), shown_as(day, today)) for day in offered]
    assert shown == [*expected, ("dates", "Plusieurs jours")]
    if case == "wednesday":
        assert shown[0][1] == "Demain"  # Thursday: never "Aujourd'hui" on a day off
    assert_no_page_errors(page)
