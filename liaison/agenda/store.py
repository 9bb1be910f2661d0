"""The SQL of the agenda and of the calendar feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

from liaison.storage.db import Conn, Connection, fetch_one

COLUMNS = """id, school_id, class_id, title, starts_at, ends_at, location, description, signup_thread_id,
    thread_id, created_by, created_at"""


async def create(conn: Conn, **values: Any) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""INSERT INTO agenda_events (school_id, class_id, title, starts_at, ends_at, location, description,
                                       signup_thread_id, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}""",
        values["school_id"], values["class_id"], values["title"], values["starts_at"], values["ends_at"],
        values["location"], values["description"], values["signup_thread_id"], values["created_by"],
    )  # fmt: skip


async def set_thread_date(
    conn: Connection, thread_id: UUID, class_ids: list[UUID | None], **values: Any
) -> list[asyncpg.Record]:
    """The thread's date: its former events replaced by one per class (None: the
    whole school's), in the caller's transaction."""
    await conn.execute("DELETE FROM agenda_events WHERE thread_id = $1", thread_id)
    return await conn.fetch(
        f"""INSERT INTO agenda_events (school_id, class_id, title, starts_at, ends_at, location, description,
                                       signup_thread_id, thread_id, created_by)
            SELECT $1, c, $2, $3, $4, $5, $6, $7, $8, $9 FROM unnest($10::uuid[]) WITH ORDINALITY AS t(c, n)
            ORDER BY n RETURNING {COLUMNS}""",
        values["school_id"], values["title"], values["starts_at"], values["ends_at"], values["location"],
        values["description"], values["signup_thread_id"], thread_id, values["created_by"], class_ids,
    )  # fmt: skip


async def clear_thread_date(conn: Conn, thread_id: UUID) -> None:
    await conn.execute("DELETE FROM agenda_events WHERE thread_id = $1", thread_id)


async def for_classes(
    conn: Conn, school_id: UUID, class_ids: list[UUID], since: dt.datetime | None = None
) -> list[asyncpg.Record]:
    """Events of these classes and of the whole school, soonest first."""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM agenda_events
            WHERE school_id = $1 AND (class_id IS NULL OR class_id = ANY($2::uuid[]))
              AND ($3::timestamptz IS NULL OR ends_at >= $3)
            ORDER BY starts_at, id""",
        school_id,
        class_ids,
        since,
    )


async def feed_version(conn: Conn, user_id: UUID) -> int:
    version: int = await conn.fetchval(
        """INSERT INTO calendar_feeds (user_id) VALUES ($1)
           ON CONFLICT (user_id) DO UPDATE SET version = calendar_feeds.version
           RETURNING version""",
        user_id,
    )
    return version


async def reset_feed(conn: Conn, user_id: UUID) -> int:
    version: int = await conn.fetchval(
        """INSERT INTO calendar_feeds (user_id, version) VALUES ($1, 2)
           ON CONFLICT (user_id) DO UPDATE SET version = calendar_feeds.version + 1 RETURNING version""",
        user_id,
    )
    return version
