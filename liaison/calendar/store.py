"""The calendar's SQL: a school's zone and week, and its closures."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from liaison.calendar.days import Calendar, Closure, parse_week
from liaison.storage.db import Conn, Connection


async def get_calendar(conn: Conn, school_id: UUID) -> Calendar:
    """The school's calendar; the defaults when its director never set one."""
    row = await conn.fetchrow("SELECT zone, week FROM school_calendars WHERE school_id = $1", school_id)
    closures = await conn.fetch(
        "SELECT day, label FROM school_closures WHERE school_id = $1 ORDER BY day", school_id
    )
    found = tuple(Closure(r["day"], r["label"]) for r in closures)
    if row is None:
        return Calendar(closures=found)
    return Calendar(zone=row["zone"], week=parse_week(row["week"]), closures=found)


async def get_calendars(conn: Conn, school_ids: Sequence[UUID]) -> dict[UUID, Calendar]:
    """The calendars of several schools at once (the defaults where never set)."""
    ids = list(set(school_ids))
    rows = await conn.fetch(
        "SELECT school_id, zone, week FROM school_calendars WHERE school_id = ANY($1::uuid[])", ids
    )
    closures = await conn.fetch(
        """SELECT school_id, day, label FROM school_closures
           WHERE school_id = ANY($1::uuid[]) ORDER BY day""",
        ids,
    )
    closed: dict[UUID, list[Closure]] = {school_id: [] for school_id in ids}
    for r in closures:
        closed[r["school_id"]].append(Closure(r["day"], r["label"]))
    calendars = {school_id: Calendar(closures=tuple(closed[school_id])) for school_id in ids}
    for r in rows:
        calendars[r["school_id"]] = Calendar(
            zone=r["zone"], week=parse_week(r["week"]), closures=tuple(closed[r["school_id"]])
        )
    return calendars


async def lock(conn: Connection, school_id: UUID) -> None:
    """Until the transaction ends, no other change of this school's calendar."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('calendar:' || $1))", str(school_id))


async def save_calendar(
    conn: Connection,
    school_id: UUID,
    *,
    zone: str,
    week: Sequence[str],
    closures: Sequence[Closure],
    by: UUID | None,
) -> None:
    """Replaces the school's zone, week and closures (within the caller's transaction)."""
    await conn.execute(
        """
        INSERT INTO school_calendars (school_id, zone, week, updated_by)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (school_id) DO UPDATE
           SET zone = EXCLUDED.zone, week = EXCLUDED.week,
               updated_at = now(), updated_by = EXCLUDED.updated_by
        """,
        school_id,
        zone,
        list(week),
        by,
    )
    await conn.execute("DELETE FROM school_closures WHERE school_id = $1", school_id)
    await conn.executemany(
        "INSERT INTO school_closures (school_id, day, label) VALUES ($1, $2, $3)",
        [(school_id, c.date, c.label) for c in closures],
    )
