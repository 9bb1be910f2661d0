"""The SQL of absences: the reports, the registers, the roll calls and the check time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

from liaison.storage.db import Conn, Connection, fetch_one

COLUMNS = """a.id, a.school_id, a.child_id, a.class_id, a.start_date, a.end_date, a.part, a.reason,
    a.note, a.reported_by, a.reported_at, a.thread_id, a.cancelled_at, a.cancelled_by, a.message_seq"""
# A report and a half-day (or another report) overlap when their dates meet and
# their parts do: "day" meets everything, "morning" and "afternoon" only themselves.
PARTS_MEET = "(a.part = 'day' OR {part} = 'day' OR a.part = {part})"


async def lock_child(conn: Connection, child_id: UUID) -> None:
    """One writer of a child's absences at a time (reports, answers, roll calls),
    until the transaction ends: the overlap check and the roll call's question
    then see every report committed before them."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('absences:' || $1::uuid::text))", child_id)


async def insert(conn: Connection, **values: Any) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""INSERT INTO absences AS a (school_id, child_id, class_id, start_date, end_date, part, reason,
                                     note, reported_by, thread_id, message_seq)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}""",
        values["school_id"], values["child_id"], values["class_id"], values["start_date"],
        values["end_date"], values["part"], values["reason"], values["note"], values["reported_by"],
        values["thread_id"], values.get("message_seq", 1),
    )  # fmt: skip


async def by_thread(conn: Conn, thread_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {COLUMNS} FROM absences a WHERE a.thread_id = $1", thread_id)


async def by_id(conn: Conn, absence_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {COLUMNS} FROM absences a WHERE a.id = $1", absence_id)


async def overlapping(
    conn: Conn, child_id: UUID, start: dt.date, end: dt.date, part: str
) -> asyncpg.Record | None:
    """The child's first live report whose dates and part meet these."""
    return await conn.fetchrow(
        f"""SELECT {COLUMNS} FROM absences a
            WHERE a.child_id = $1 AND a.cancelled_at IS NULL AND a.start_date <= $3 AND a.end_date >= $2
              AND {PARTS_MEET.format(part="$4::text")}
            ORDER BY a.reported_at LIMIT 1""",
        child_id,
        start,
        end,
        part,
    )


async def cancel(conn: Connection, absence_id: UUID, by: UUID) -> asyncpg.Record | None:
    """The report, cancelled now; None when it already was (the first cancel wins)."""
    return await conn.fetchrow(
        f"""UPDATE absences a SET cancelled_at = clock_timestamp(), cancelled_by = $2
            WHERE a.id = $1 AND a.cancelled_at IS NULL RETURNING {COLUMNS}""",
        absence_id,
        by,
    )


async def register(conn: Conn, class_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    """The live reports of a class that cover a day, in the order they came."""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM absences a
            WHERE a.class_id = $1 AND a.start_date <= $2 AND a.end_date >= $2 AND a.cancelled_at IS NULL
            ORDER BY a.reported_at""",
        class_id,
        day,
    )


async def school_register(conn: Conn, school_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    """The live reports of a whole school that cover a day."""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM absences a
            WHERE a.school_id = $1 AND a.start_date <= $2 AND a.end_date >= $2 AND a.cancelled_at IS NULL
            ORDER BY a.reported_at""",
        school_id,
        day,
    )


async def covering(conn: Conn, child_ids: list[UUID], day: dt.date) -> dict[UUID, list[str]]:
    """For each child, the parts of its live reports that cover the day."""
    rows = await conn.fetch(
        """SELECT child_id, part FROM absences
           WHERE child_id = ANY($1::uuid[]) AND start_date <= $2 AND end_date >= $2
             AND cancelled_at IS NULL""",
        child_ids,
        day,
    )
    found: dict[UUID, list[str]] = {}
    for row in rows:
        found.setdefault(row["child_id"], []).append(row["part"])
    return found


# -- roll calls -----------------------------------------------------------------------

MARK_COLUMNS = (
    "m.id, m.class_id, m.day, m.part, m.child_id, m.school_id, m.marked_by, m.marked_at, m.thread_id"
)


async def take_roll_call(
    conn: Connection, class_id: UUID, day: dt.date, part: str, school_id: UUID, by: UUID
) -> None:
    """The roll call's row, locked until the end of the transaction: a second
    roll call of the same class and half-day waits for the first one."""
    await conn.execute(
        """INSERT INTO roll_calls (class_id, day, part, school_id, taken_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (class_id, day, part) DO UPDATE SET taken_by = $5, taken_at = clock_timestamp()""",
        class_id, day, part, school_id, by,
    )  # fmt: skip


async def roll_call_marks(conn: Conn, class_id: UUID, day: dt.date, part: str) -> list[asyncpg.Record]:
    return await _marks(conn, "m.class_id = $1 AND m.day = $2 AND m.part = $3", class_id, day, part)


async def _marks(conn: Conn, where: str, *args: object) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {MARK_COLUMNS} FROM roll_call_absents m WHERE {where} ORDER BY m.day, m.marked_at", *args
    )


async def mark(
    conn: Connection, *, class_id: UUID, day: dt.date, part: str, child_id: UUID, school_id: UUID,
    by: UUID, thread_id: UUID | None,
) -> bool:  # fmt: skip
    """The child marked absent at this roll call; False if it already was."""
    status = await conn.execute(
        """INSERT INTO roll_call_absents (class_id, day, part, child_id, school_id, marked_by, thread_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (class_id, day, part, child_id) DO NOTHING""",
        class_id, day, part, child_id, school_id, by, thread_id,
    )  # fmt: skip
    return status.endswith(" 1")


async def unmark(conn: Connection, class_id: UUID, day: dt.date, part: str, child_id: UUID) -> UUID | None:
    """The child is not absent at this roll call after all: the question its mark
    had, if any."""
    row = await conn.fetchrow(
        """DELETE FROM roll_call_absents WHERE class_id = $1 AND day = $2 AND part = $3 AND child_id = $4
           RETURNING thread_id""",
        class_id, day, part, child_id,
    )  # fmt: skip
    return row["thread_id"] if row else None


async def set_question(conn: Connection, mark_ids: list[UUID], thread_id: UUID) -> None:
    await conn.execute(
        "UPDATE roll_call_absents SET thread_id = $2 WHERE id = ANY($1::uuid[])", mark_ids, thread_id
    )


async def marks_of_child(conn: Conn, child_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    return await _marks(conn, "m.child_id = $1 AND m.day = $2", child_id, day)


async def marks_of_class(conn: Conn, class_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    return await _marks(conn, "m.class_id = $1 AND m.day = $2", class_id, day)


async def marks_of_school(conn: Conn, school_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    return await _marks(conn, "m.school_id = $1 AND m.day = $2", school_id, day)


async def marks_of_thread(conn: Conn, thread_id: UUID) -> list[asyncpg.Record]:
    return await _marks(conn, "m.thread_id = $1", thread_id)


async def open_question(conn: Conn, child_id: UUID, start: dt.date, end: dt.date, part: str) -> UUID | None:
    """The first question of the school about the child's absence that these
    dates and part answer, and that no report answered yet."""
    found: UUID | None = await conn.fetchval(
        f"""SELECT a.thread_id FROM roll_call_absents a
            WHERE a.child_id = $1 AND a.day BETWEEN $2 AND $3 AND a.thread_id IS NOT NULL
              AND {PARTS_MEET.format(part="$4::text")}
              AND NOT EXISTS (SELECT 1 FROM absences r WHERE r.thread_id = a.thread_id)
            ORDER BY a.day, a.marked_at LIMIT 1""",
        child_id,
        start,
        end,
        part,
    )
    return found


async def roll_call_taken(conn: Conn, class_id: UUID, day: dt.date, part: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT taken_by, taken_at FROM roll_calls WHERE class_id = $1 AND day = $2 AND part = $3",
        class_id,
        day,
        part,
    )


async def roll_calls_of_school(conn: Conn, school_id: UUID, day: dt.date) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT class_id, part, taken_by, taken_at FROM roll_calls WHERE school_id = $1 AND day = $2
           ORDER BY taken_at""",
        school_id,
        day,
    )


# -- the check time ---------------------------------------------------------------------

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
    """Live absences covering `day`, in schools whose check time has passed, not yet flagged that day."""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM absences a
            LEFT JOIN absence_settings s ON s.school_id = a.school_id
            WHERE a.start_date <= $1 AND a.end_date >= $1 AND a.cancelled_at IS NULL
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
