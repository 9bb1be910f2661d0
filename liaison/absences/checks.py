"""At the school's check time (08:20 by default), each school day: absences
that no teacher has read yet are flagged to the director, live."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import asyncpg

from liaison.absences import store
from liaison.bus import Bus
from liaison.core.clock import PARIS, iso
from liaison.core.events import EventType, NewEvent
from liaison.directory import store as directory
from liaison.messaging import store as threads
from liaison.realtime.writer import change


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def check_once(pool: asyncpg.Pool, bus: Bus, now: dt.datetime) -> int:
    """Flag what is due at `now`; returns how many absences were flagged."""
    local = now.astimezone(PARIS)
    if local.weekday() >= 5:
        return 0
    flagged = 0
    due = await store.due_for_check(pool, local.date(), local.time().replace(tzinfo=None))
    seen = await threads.first_staff_reads(pool, [r["thread_id"] for r in due])
    for row in due:
        if row["thread_id"] in seen:
            continue  # a teacher read it in time
        directors = await directory.directors_of(pool, row["school_id"])
        async with change(pool, bus, row["school_id"]) as current:
            if not await store.flag(current.conn, row["id"], local.date()):
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
            flagged += 1
    return flagged


async def run(
    pool: asyncpg.Pool, bus: Bus, clock: Callable[[], dt.datetime] = utcnow, every: float = 30.0
) -> None:
    while True:
        await check_once(pool, bus, clock())
        await asyncio.sleep(every)
