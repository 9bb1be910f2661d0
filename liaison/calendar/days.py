"""Which days are school days: pure, no I/O, no clock.

A school's `Calendar` is its zone (A, B or C), its week (the weekdays it
teaches) and the closures its director added. The days off that nobody types
come from two maintained data packages, read once per process (they are
package data, not the school's):

- the official school holidays of each zone, `vacances-scolaires-france`
  (the Ministry's calendar, 1990 to 2028 in 0.12);
- the French public holidays, `holidays` (computed for any year).

A day is a school day when it is a weekday of the school's week, not inside
its zone's holidays, not a public holiday and not a closure. Past the end of
the holiday data, only the week, the public holidays and the closures count.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import holidays as public_holidays
from vacances_scolaires_france import SchoolHolidayDates

from liaison.core.clock import PARIS

ZONES = ("A", "B", "C")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Most French public primary schools have had a four-day week since 2017
# (no school on Wednesday); a school on four and a half days adds "wed".
DEFAULT_WEEK = ("mon", "tue", "thu", "fri")
# The zone of a school whose director has not chosen yet: the largest by
# pupils (Paris, Créteil, Versailles, Montpellier, Toulouse). The screen
# invites the director to check it.
DEFAULT_ZONE = "C"
# Never look further than this for the next school days: a year covers any
# holiday, and a calendar is never without a school day for that long.
MAX_LOOKAHEAD_DAYS = 400


@dataclass(frozen=True)
class Period:
    """Consecutive days off, both ends included (`end` is the last day off)."""

    start: dt.date
    end: dt.date
    label: str

    def to_api(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


@dataclass(frozen=True)
class Closure:
    """A day the director closed the school: a strike, a training day, a bridge."""

    date: dt.date
    label: str

    def to_api(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "label": self.label}


@dataclass(frozen=True)
class Calendar:
    zone: str = DEFAULT_ZONE
    week: tuple[str, ...] = DEFAULT_WEEK
    closures: tuple[Closure, ...] = ()
    _closed: frozenset[dt.date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_closed", frozenset(c.date for c in self.closures))

    def is_day_off(self, day: dt.date) -> bool:
        return not self.is_school_day(day)

    def is_school_day(self, day: dt.date) -> bool:
        return (
            WEEKDAYS[day.weekday()] in self.week
            and day not in self._closed
            and public_holiday(day) is None
            and not in_school_holidays(self.zone, day)
        )

    def school_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The school days from `start` to `end`, both included."""
        return [day for day in _span(start, end) if self.is_school_day(day)]

    def next_school_days(self, start: dt.date, count: int) -> list[dt.date]:
        """The first `count` school days from `start` (included if it is one)."""
        found: list[dt.date] = []
        day = start
        for _ in range(MAX_LOOKAHEAD_DAYS * max(count, 1)):
            if len(found) >= count:
                break
            if self.is_school_day(day):
                found.append(day)
            day += dt.timedelta(days=1)
        return found

    def next_school_day(self, start: dt.date) -> dt.date | None:
        """`start` if it is a school day, else the next one (None: none within a year)."""
        days = self.next_school_days(start, 1)
        return days[0] if days else None

    def next_school_moment(self, moment: dt.datetime) -> dt.datetime:
        """`moment` if it falls on a school day (Paris), else the same time of
        day on the next school day: a scheduled message, a digest."""
        local = moment.astimezone(PARIS)
        day = self.next_school_day(local.date())
        if day is None or day == local.date():
            return moment
        wall = dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=PARIS)
        return wall.astimezone(moment.tzinfo or dt.UTC)

    def add_school_time(self, start: dt.datetime, delay: dt.timedelta) -> dt.datetime:
        """`start + delay` where days off do not count: each day off after the
        day of `start` puts the end one day later, so that it falls on a
        school day. A reminder 24 h after a Friday announcement comes on
        Monday, the email 48 h after on Tuesday."""
        local = start.astimezone(PARIS)
        due = (local + delay).astimezone(PARIS)
        day = local.date() + dt.timedelta(days=1)
        for _ in range(MAX_LOOKAHEAD_DAYS * 2):
            if day > due.date():
                break
            if not self.is_school_day(day):
                wall = due.replace(tzinfo=None) + dt.timedelta(days=1)
                due = wall.replace(tzinfo=PARIS)
            day += dt.timedelta(days=1)
        return due.astimezone(start.tzinfo or dt.UTC)

    def holidays(self, start: dt.date, end: dt.date) -> list[Period]:
        """The zone's school holidays overlapping [start, end], and the public
        holidays in it that fall outside them, in date order."""
        periods = [p for p in zone_holidays(self.zone) if p.end >= start and p.start <= end]
        for day, label in public_holidays_between(start, end):
            if not any(p.start <= day <= p.end for p in periods):
                periods.append(Period(day, day, label))
        return sorted(periods, key=lambda p: (p.start, p.end))


def school_year_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The current school year and the next one: from 1 September of the
    current one to 31 August two years later."""
    first = today.year if today.month >= 9 else today.year - 1
    return dt.date(first, 9, 1), dt.date(first + 2, 8, 31)


def _span(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


# The data packages, read once per process -------------------------------------


@functools.cache
def _school_holiday_dates() -> SchoolHolidayDates:
    return SchoolHolidayDates()


@functools.cache
def zone_holidays(zone: str) -> tuple[Period, ...]:
    """Every school holiday of the zone in the data, as periods of consecutive
    days off (a holiday's first Saturday to its last Sunday)."""
    data = _school_holiday_dates()
    key = data.zone_key(zone)
    periods: list[Period] = []
    for day in sorted(data.data):
        row = data.data[day]
        if not row[key]:
            continue
        label = str(row["nom_vacances"])
        last = periods[-1] if periods else None
        if last and last.label == label and last.end + dt.timedelta(days=1) == day:
            periods[-1] = Period(last.start, day, label)
        else:
            periods.append(Period(day, day, label))
    return tuple(periods)


@functools.cache
def _zone_days(zone: str) -> frozenset[dt.date]:
    return frozenset(day for p in zone_holidays(zone) for day in _span(p.start, p.end))


def in_school_holidays(zone: str, day: dt.date) -> bool:
    return day in _zone_days(zone)


@functools.cache
def _public_holidays(year: int) -> dict[dt.date, str]:
    days = public_holidays.country_holidays("FR", years=year, language="fr")
    return {day: str(name) for day, name in days.items()}


def public_holiday(day: dt.date) -> str | None:
    """The name of the French public holiday on that day, if any."""
    return _public_holidays(day.year).get(day)


def public_holidays_between(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    return sorted(
        (day, name)
        for year in range(start.year, end.year + 1)
        for day, name in _public_holidays(year).items()
        if start <= day <= end
    )


def parse_week(days: Iterable[str]) -> tuple[str, ...]:
    """The week in weekday order (the caller has checked each name)."""
    chosen = set(days)
    return tuple(d for d in WEEKDAYS if d in chosen)
