"""The school calendar's pure rules (liaison/calendar/days.py) and its policy."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from liaison.activity import policy as activity
from liaison.calendar import policy
from liaison.calendar.days import (
    DEFAULT_WEEK,
    DEFAULT_ZONE,
    Calendar,
    Closure,
    Period,
    public_holiday,
    school_year_window,
    zone_holidays,
)
from liaison.core.clock import PARIS
from liaison.core.decisions import Decision
from liaison.core.people import Role, User
from liaison.delivery.policy import Preferences

D = dt.date
FOUR_DAYS = Calendar(zone="A", week=("mon", "tue", "thu", "fri"))


def test_the_default_is_the_four_day_week_of_zone_c() -> None:
    calendar = Calendar()
    assert (calendar.zone, calendar.week, calendar.closures) == (DEFAULT_ZONE, DEFAULT_WEEK, ())
    assert DEFAULT_WEEK == ("mon", "tue", "thu", "fri") and DEFAULT_ZONE == "C"


@pytest.mark.parametrize(
    ("day", "school"),
    [
        (D(2026, 11, 16), True),  # Monday
        (D(2026, 11, 17), True),  # Tuesday
        (D(2026, 11, 18), False),  # Wednesday: a four-day week
        (D(2026, 11, 19), True),  # Thursday
        (D(2026, 11, 20), True),  # Friday
        (D(2026, 11, 21), False),  # Saturday
        (D(2026, 11, 22), False),  # Sunday
        (D(2026, 11, 11), False),  # Wednesday anyway, and Armistice
        (D(2027, 11, 11), False),  # Armistice on a Thursday
        (D(2026, 10, 19), False),  # Toussaint holidays
        (D(2026, 11, 2), True),  # back to school after the Toussaint
        (D(2026, 12, 18), True),  # the last day before Christmas
        (D(2026, 12, 21), False),  # Christmas holidays
        (D(2027, 1, 4), True),  # back after Christmas
        (D(2027, 5, 6), False),  # Ascension
        (D(2027, 5, 7), False),  # the Ascension bridge (a school holiday)
        (D(2027, 5, 17), False),  # Whit Monday
    ],
)
def test_a_four_day_week_in_zone_a(day: dt.date, school: bool) -> None:
    assert FOUR_DAYS.is_school_day(day) is school
    assert FOUR_DAYS.is_day_off(day) is not school


def test_four_and_a_half_days_adds_wednesday() -> None:
    calendar = Calendar(zone="A", week=("mon", "tue", "wed", "thu", "fri"))
    assert calendar.is_school_day(D(2026, 11, 18))
    assert not calendar.is_school_day(D(2026, 11, 11))  # a public holiday stays one


@pytest.mark.parametrize(
    ("zone", "first_off", "back"),
    [
        # Winter holidays 2027: the three zones, two weeks each, staggered.
        ("A", D(2027, 2, 13), D(2027, 3, 1)),
        ("B", D(2027, 2, 20), D(2027, 3, 8)),
        ("C", D(2027, 2, 6), D(2027, 2, 22)),
    ],
)
def test_winter_holidays_differ_by_zone(zone: str, first_off: dt.date, back: dt.date) -> None:
    calendar = Calendar(zone=zone, week=("mon", "tue", "thu", "fri"))
    [winter] = [p for p in zone_holidays(zone) if p.label == "Vacances d'hiver" and p.start.year == 2027]
    assert winter == Period(first_off, back - dt.timedelta(days=1), "Vacances d'hiver")
    assert calendar.school_days(first_off, back) == [back]


@pytest.mark.parametrize("zone", ["A", "B", "C"])
def test_toussaint_and_christmas_2026_are_the_same_in_every_zone(zone: str) -> None:
    periods = Calendar(zone=zone).holidays(D(2026, 10, 1), D(2027, 1, 10))
    by_label = {p.label: p for p in periods}
    assert by_label["Vacances de la Toussaint"] == Period(
        D(2026, 10, 17), D(2026, 11, 1), "Vacances de la Toussaint"
    )
    assert by_label["Vacances de Noël"] == Period(D(2026, 12, 19), D(2027, 1, 3), "Vacances de Noël")


def test_public_holidays_are_listed_with_their_french_name_outside_the_school_holidays() -> None:
    assert public_holiday(D(2026, 11, 11)) == "Armistice"
    assert public_holiday(D(2026, 11, 12)) is None
    periods = FOUR_DAYS.holidays(D(2026, 9, 1), D(2027, 8, 31))
    assert Period(D(2026, 11, 11), D(2026, 11, 11), "Armistice") in periods
    # Christmas day falls in the Christmas holidays: listed once, as the holidays.
    assert not [p for p in periods if p.start == D(2026, 12, 25)]
    assert periods == sorted(periods, key=lambda p: (p.start, p.end))


def test_a_closure_is_a_day_off() -> None:
    strike = Calendar(zone="A", closures=(Closure(D(2026, 11, 26), "Grève"),))
    assert FOUR_DAYS.is_school_day(D(2026, 11, 26))
    assert not strike.is_school_day(D(2026, 11, 26))
    assert strike.school_days(D(2026, 11, 23), D(2026, 11, 29)) == [
        D(2026, 11, 23),
        D(2026, 11, 24),
        D(2026, 11, 27),
    ]


def test_school_days_of_a_span_include_both_ends() -> None:
    assert FOUR_DAYS.school_days(D(2026, 11, 30), D(2026, 12, 3)) == [
        D(2026, 11, 30),
        D(2026, 12, 1),
        D(2026, 12, 3),
    ]
    assert FOUR_DAYS.school_days(D(2026, 12, 19), D(2027, 1, 3)) == []
    assert FOUR_DAYS.school_days(D(2026, 12, 3), D(2026, 12, 1)) == []


def test_the_next_school_days_skip_wednesday_weekends_and_holidays() -> None:
    assert FOUR_DAYS.next_school_days(D(2026, 12, 2), 3) == [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 7)]
    assert FOUR_DAYS.next_school_days(D(2026, 12, 17), 3) == [D(2026, 12, 17), D(2026, 12, 18), D(2027, 1, 4)]
    assert FOUR_DAYS.next_school_days(D(2026, 12, 17), 0) == []
    assert FOUR_DAYS.next_school_day(D(2026, 12, 19)) == D(2027, 1, 4)


def test_past_the_holiday_data_the_week_and_public_holidays_still_count() -> None:
    assert FOUR_DAYS.is_school_day(D(2031, 1, 2))  # a Thursday, no data for 2031
    assert not FOUR_DAYS.is_school_day(D(2031, 1, 1))  # New Year's Day
    assert not FOUR_DAYS.is_school_day(D(2031, 1, 4))  # a Saturday


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_a_moment_on_a_day_off_moves_to_the_same_time_of_the_next_school_day() -> None:
    assert FOUR_DAYS.next_school_moment(paris(2026, 12, 1, 9, 30)) == paris(2026, 12, 1, 9, 30)
    moved = FOUR_DAYS.next_school_moment(paris(2026, 12, 2, 9, 30).astimezone(dt.UTC))
    assert moved == paris(2026, 12, 3, 9, 30) and moved.tzinfo == dt.UTC
    # Over the Toussaint and the change to winter time: still 10:00 in Paris.
    assert FOUR_DAYS.next_school_moment(paris(2026, 10, 20, 10, 0)) == paris(2026, 11, 2, 10, 0)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (paris(2026, 11, 24, 16), 24, paris(2026, 11, 26, 16)),  # Tuesday + 24 h: Wednesday is off
        (paris(2026, 11, 26, 16), 24, paris(2026, 11, 27, 16)),  # Thursday + 24 h: Friday
        (paris(2026, 11, 27, 16), 24, paris(2026, 11, 30, 16)),  # Friday + 24 h: Monday
        (paris(2026, 11, 27, 16), 48, paris(2026, 12, 1, 16)),  # Friday + 48 h: Tuesday
        (paris(2026, 11, 28, 10), 24, paris(2026, 11, 30, 10)),  # posted on a Saturday
        (paris(2026, 12, 18, 16), 24, paris(2027, 1, 4, 16)),  # over Christmas
    ],
)
def test_days_off_do_not_count_in_a_delay(start: dt.datetime, hours: int, due: dt.datetime) -> None:
    assert FOUR_DAYS.add_school_time(start, dt.timedelta(hours=hours)) == due


def test_the_window_is_the_current_and_the_next_school_year() -> None:
    assert school_year_window(D(2026, 12, 2)) == (D(2026, 9, 1), D(2028, 8, 31))
    assert school_year_window(D(2027, 6, 30)) == (D(2026, 9, 1), D(2028, 8, 31))
    assert school_year_window(D(2027, 9, 1)) == (D(2027, 9, 1), D(2029, 8, 31))


SCHOOL, OTHER = uuid.uuid4(), uuid.uuid4()


def user(role: Role, school: uuid.UUID | None = SCHOOL) -> User:
    return User(uuid.uuid4(), "x", role, school, "X")


@pytest.mark.parametrize(
    ("who", "view", "change"),
    [
        (user(Role.ADMIN, None), Decision.ALLOW, Decision.ALLOW),
        (user(Role.DIRECTOR), Decision.ALLOW, Decision.ALLOW),
        (user(Role.TEACHER), Decision.ALLOW, Decision.FORBID),
        (user(Role.PARENT), Decision.ALLOW, Decision.FORBID),
        (user(Role.STUDENT), Decision.ALLOW, Decision.FORBID),
        (user(Role.DIRECTOR, OTHER), Decision.HIDE, Decision.HIDE),
        (user(Role.PARENT, OTHER), Decision.HIDE, Decision.HIDE),
    ],
)
def test_who_reads_and_sets_the_calendar(who: User, view: Decision, change: Decision) -> None:
    assert policy.view(who, SCHOOL) is view
    assert policy.change(who, SCHOOL) is change


def test_a_digest_reader_gets_grouped_notices_with_the_digest_of_a_school_day() -> None:
    reader = activity.Person(has_push=False, has_email=True, preferences=Preferences(email="digest"))
    ready = paris(2026, 12, 1, 18, 0)  # Tuesday evening: Wednesday is off
    assert activity.plan(reader, ready, ready).at == paris(2026, 12, 2, 17, 0)
    assert activity.plan(reader, ready, ready, FOUR_DAYS).at == paris(2026, 12, 3, 17, 0)
    pushed = activity.Person(has_push=True, has_email=True, preferences=Preferences(quiet_start=None))
    assert activity.plan(pushed, ready, ready, FOUR_DAYS).at == ready  # a push is not a digest
