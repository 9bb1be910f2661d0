"""The school calendar: what other capabilities ask (is this a school day?)
and what the director sets.

The four functions below are the calendar's API for the rest of the service;
each reads the school's row afresh (nothing is cached across requests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from liaison.calendar import policy, store
from liaison.calendar.days import Calendar, Closure, parse_week, school_year_window
from liaison.core.clock import paris_today
from liaison.core.context import Context
from liaison.core.errors import not_found
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.storage.db import Conn


async def school_calendar(conn: Conn, school_id: UUID) -> Calendar:
    """The school's calendar (the defaults when never set): a pure object."""
    return await store.get_calendar(conn, school_id)


async def school_calendars(conn: Conn, school_ids: Sequence[UUID]) -> dict[UUID, Calendar]:
    """The calendars of several schools in two statements (the workers' batches)."""
    return await store.get_calendars(conn, school_ids)


async def is_school_day(conn: Conn, school_id: UUID, day: dt.date) -> bool:
    return (await school_calendar(conn, school_id)).is_school_day(day)


async def school_days(conn: Conn, school_id: UUID, start: dt.date, end: dt.date) -> list[dt.date]:
    """The school days from `start` to `end`, both included."""
    return (await school_calendar(conn, school_id)).school_days(start, end)


async def next_school_days(conn: Conn, school_id: UUID, start: dt.date, count: int) -> list[dt.date]:
    """The first `count` school days from `start` (included when it is one)."""
    return (await school_calendar(conn, school_id)).next_school_days(start, count)


# The calendar screen: GET and PUT /api/schools/{school_id}/calendar ------------


def calendar_to_api(calendar: Calendar, today: dt.date) -> dict[str, Any]:
    """The calendar with the holidays of the current and the next school year."""
    start, end = school_year_window(today)
    return {
        "zone": calendar.zone,
        "week": list(calendar.week),
        "holidays": [p.to_api() for p in calendar.holidays(start, end)],
        "closures": [c.to_api() for c in calendar.closures],
    }


async def _open(ctx: Context, school_id: UUID) -> None:
    if await directory.get_school(ctx.pool, school_id) is None:
        raise not_found()


async def read(ctx: Context, user: User, school_id: UUID) -> dict[str, Any]:
    policy.enforce(policy.view(user, school_id))
    await _open(ctx, school_id)
    return calendar_to_api(await school_calendar(ctx.pool, school_id), paris_today())


async def check_change(ctx: Context, user: User, school_id: UUID) -> None:
    policy.enforce(policy.change(user, school_id), "Seule la direction règle le calendrier de l'école.")
    await _open(ctx, school_id)


async def update(
    ctx: Context,
    user: User,
    school_id: UUID,
    *,
    zone: str | None,
    week: list[str] | None,
    closures: list[Closure] | None,
) -> dict[str, Any]:
    """Sets what is given (zone, week, closures: the whole list), keeps the rest."""
    await check_change(ctx, user, school_id)
    async with ctx.pool.acquire() as conn, conn.transaction():
        # One writer at a time per school: the row is read and rewritten whole.
        await store.lock(conn, school_id)
        current = await store.get_calendar(conn, school_id)
        calendar = Calendar(
            zone=zone if zone is not None else current.zone,
            week=parse_week(week) if week is not None else current.week,
            closures=current.closures if closures is None else tuple(sorted(closures, key=lambda c: c.date)),
        )
        await store.save_calendar(
            conn, school_id, zone=calendar.zone, week=calendar.week, closures=calendar.closures, by=user.id
        )
    return calendar_to_api(calendar, paris_today())
