"""The SQL of absences: the reports and the class register."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

from liaison.storage.db import Conn, Connection, fetch_one

COLUMNS = """a.id, a.school_id, a.child_id, a.class_id, a.start_date, a.end_date, a.part, a.reason,
    a.note, a.reported_by, a.reported_at, a.thread_id"""


async def insert(conn: Connection, **values: Any) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""INSERT INTO absences AS a (school_id, child_id, class_id, start_date, end_date, part, reason,
                                     note, reported_by, thread_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}""",
        values["school_id"], values["child_id"], values["class_id"], values["start_date"],
        values["end_date"], values["part"], values["reason"], values["note"], values["reported_by"],
        values["thread_id"],
    )  # fmt: skip


async def by_thread(conn: Conn, thread_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {COLUMNS} FROM absences a WHERE a.thread_id = $1", thread_id)


async def register(conn: Conn, class_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    """The absences of a class that cover a day, in the order they came."""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM absences a
            WHERE a.class_id = $1 AND a.start_date <= $2 AND a.end_date >= $2
            ORDER BY a.reported_at""",
        class_id,
        day,
    )


DEFAULT_CHECK_TIME = dt.time(8, 20)


async def check_time(conn: Conn, school_id: UUID) -> dt.time:
    found = await conn.fetchval("SELECT check_time FROM absence_settings WHERE school_id = $1", school_id)
    return found or DEFAULT_CHECK_TIME


async def set_check_time(conn: Conn, school_id: UUID, at: dt.time) -> None:
    await conn.execute(
        """INSERT INTO absence_settings (school_id, check_time) VALUES ($1, $2)
           ON CONFLICT (school_id) DO UPDATE SET check_time = $2""",
        school_id,
        at,
    )


async def due_for_check(conn: Conn, day: dt.date, clock: dt.time) -> list[asyncpg.Record]:
    """Absences covering `day`, in schools whose check time has passed, not yet flagged that day."""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM absences a
            LEFT JOIN absence_settings s ON s.school_id = a.school_id
            WHERE a.start_date <= $1 AND a.end_date >= $1
              AND coalesce(s.check_time, $3::time) <= $2
              AND NOT EXISTS (SELECT 1 FROM absence_flags f WHERE f.absence_id = a.id AND f.day = $1)""",
        day,
        clock,
        DEFAULT_CHECK_TIME,
    )


async def flag(conn: Connection, absence_id: UUID, day: dt.date) -> bool:
    status = await conn.execute(
        "INSERT INTO absence_flags (absence_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING", absence_id, day
    )
    return status.endswith(" 1")


async def flags_of(conn: Conn, absence_ids: list[UUID], day: dt.date) -> dict[UUID, dt.datetime]:
    rows = await conn.fetch(
        "SELECT absence_id, flagged_at FROM absence_flags WHERE absence_id = ANY($1::uuid[]) AND day = $2",
        absence_ids,
        day,
    )
    return {r["absence_id"]: r["flagged_at"] for r in rows}
