"""The SQL of absences: the reports and the class register."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

Conn = asyncpg.Connection | asyncpg.Pool
COLUMNS = """a.id, a.school_id, a.child_id, a.class_id, a.start_date, a.end_date, a.part, a.reason,
    a.note, a.reported_by, a.reported_at, a.thread_id"""


async def insert(conn: asyncpg.Connection, **values: Any) -> asyncpg.Record:
    return await conn.fetchrow(
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
