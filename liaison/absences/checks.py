"""At the school's check time (08:20 by default), each school day: absences
that no teacher has read yet are flagged to the director, live, and their
thread comes into her inbox (she is not in ordinary absence threads).

A day off in the school's calendar (a Wednesday of a four-day week, holidays,
a closure) has no check."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from uuid import UUID

import asyncpg

from liaison.absences import service as absences
from liaison.absences import store
from liaison.accounts import store as accounts
from liaison.bus import Bus
from liaison.calendar import service as calendar
from liaison.core.clock import PARIS, iso
from liaison.core.events import EventType, NewEvent
from liaison.directory import store as directory
from liaison.messaging import store as threads
from liaison.messaging.store import Member, thread_to_api
from liaison.realtime.writer import change
from liaison.storage.db import Connection


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def check_once(pool: asyncpg.Pool, bus: Bus, now: dt.datetime) -> int:
    """Flag what is due at `now`; returns how many absences were flagged."""
    local = now.astimezone(PARIS)
    day = local.date()
    due = await store.due_for_check(pool, day, local.time().replace(tzinfo=None))
    if not due:
        return 0
    calendars = await calendar.school_calendars(pool, list({r["school_id"] for r in due}))
    seen = await absences.seen_at(pool, due)
    flagged = 0
    for row in due:
        school = calendars.get(row["school_id"])
        if school is not None and not school.is_school_day(day):
            continue  # no school today: nobody takes the roll call
        if row["id"] in seen:
            continue  # a teacher read it in time
        directors = await directory.directors_of(pool, row["school_id"])
        async with change(pool, bus, row["school_id"]) as current:
            if not await store.flag(current.conn, row["id"], day):
                continue  # another worker flagged it first
            names = await directory.child_names(current.conn, [row["child_id"]])
            current.events.append(
                NewEvent(
                    EventType.ABSENCE_UNSEEN,
                    {
                        "absence_id": str(row["id"]),
                        "thread_id": str(row["thread_id"]),
                        "child": {"id": str(row["child_id"]), "display_name": names.get(row["child_id"], "")},
                        "class_id": str(row["class_id"]),
                        "reported_at": iso(row["reported_at"]),
                    },
                    directors,
                )
            )
            await _into_inbox(current.conn, current.events, row["thread_id"], directors)
            flagged += 1
    return flagged


async def _into_inbox(
    conn: Connection, events: list[NewEvent], thread_id: UUID, directors: list[UUID]
) -> None:
    """The flagged report's thread joins the directors' inboxes (live: as a new thread)."""
    members = set(await threads.member_ids(conn, thread_id))
    joining = [d for d in directors if d not in members]
    if not joining:
        return
    for director in joining:
        await threads.add_member(conn, thread_id, director, True)
    thread = await threads.get_thread(conn, thread_id)
    assert thread is not None
    author = await accounts.get_user(conn, thread["author_id"])
    assert author is not None
    shown = thread_to_api(thread, author, Member(is_staff=True, read_seq=0, acked_at=None))
    events.append(NewEvent(EventType.THREAD_CREATED, shown, joining))


async def run(
    pool: asyncpg.Pool, bus: Bus, clock: Callable[[], dt.datetime] = utcnow, every: float = 30.0
) -> None:
    while True:
        await check_once(pool, bus, clock())
        await asyncio.sleep(every)
