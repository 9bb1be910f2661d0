"""Scheduled messages: kept aside until `send_at`, then posted by a worker
through the same service calls as an immediate post (same checks, same
events, same notifications).

A school's days off (its calendar: liaison/calendar) are skipped: a
`send_at` on a day off becomes the same time on the next school day, at once
(the answer's `send_at` says when it will go), and again at send time when
the director has closed that day meanwhile."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.calendar import service as calendar
from liaison.core.clock import iso
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.core.people import User
from liaison.storage.db import fetch_one

log = logging.getLogger("liaison.scheduling")
MAX_AHEAD = dt.timedelta(days=180)

Sender = Callable[[Context, User, dict[str, Any], UUID | None], Awaitable[None]]


def scheduled_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "thread_id": str(row["thread_id"]) if row["thread_id"] else None,
        "send_at": iso(row["send_at"]),
        "subject": row["payload"].get("subject"),
        "body": row["payload"].get("body"),
        "sent_at": iso(row["sent_at"]),
        "error": row["error"],
    }


def check_send_at(send_at: dt.datetime, now: dt.datetime) -> None:
    if send_at <= now:
        raise ApiError(
            422,
            ErrorCode.INVALID,
            "Certains champs sont invalides.",
            fields={"send_at": "Choisissez un moment à venir."},
        )
    if send_at - now > MAX_AHEAD:
        raise ApiError(
            422,
            ErrorCode.INVALID,
            "Certains champs sont invalides.",
            fields={"send_at": "Au plus six mois à l'avance."},
        )


async def on_a_school_day(pool: asyncpg.Pool, user: User, send_at: dt.datetime) -> dt.datetime:
    """`send_at`, or the same time on the next school day of the author's school."""
    if user.school_id is None:  # the platform admin: no school, no calendar
        return send_at
    return (await calendar.school_calendar(pool, user.school_id)).next_school_moment(send_at)


async def schedule(
    pool: asyncpg.Pool, user: User, payload: dict[str, Any], send_at: dt.datetime, thread_id: UUID | None
) -> dict[str, Any]:
    send_at = await on_a_school_day(pool, user, send_at)
    row = await fetch_one(
        pool,
        """INSERT INTO scheduled_posts (author_id, thread_id, payload, send_at) VALUES ($1, $2, $3, $4)
           RETURNING id, thread_id, payload, send_at, sent_at, error""",
        user.id,
        thread_id,
        payload,
        send_at,
    )
    return scheduled_to_api(row)


async def pending_of(pool: asyncpg.Pool, user: User) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT id, thread_id, payload, send_at, sent_at, error FROM scheduled_posts
           WHERE author_id = $1 AND sent_at IS NULL AND cancelled_at IS NULL ORDER BY send_at""",
        user.id,
    )
    return [scheduled_to_api(r) for r in rows]


async def cancel(pool: asyncpg.Pool, user: User, scheduled_id: UUID) -> None:
    status = await pool.execute(
        """UPDATE scheduled_posts SET cancelled_at = now()
           WHERE id = $1 AND author_id = $2 AND sent_at IS NULL AND cancelled_at IS NULL""",
        scheduled_id,
        user.id,
    )
    if status.endswith(" 0"):
        raise not_found()


async def send_due(ctx: Context, now: dt.datetime, sender: Sender) -> int:
    """Post what is due at `now`, each once even with several workers."""
    sent = 0
    while True:
        async with ctx.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT id, author_id, thread_id, payload, send_at FROM scheduled_posts
                   WHERE sent_at IS NULL AND cancelled_at IS NULL AND send_at <= $1
                   ORDER BY send_at LIMIT 1 FOR UPDATE SKIP LOCKED""",
                now,
            )
            if row is None:
                return sent
            error = None
            author = await accounts.get_user(conn, row["author_id"])
            if author is not None and author.school_id is not None:
                # The day was closed since it was scheduled: the next school day.
                later = (await calendar.school_calendar(conn, author.school_id)).next_school_moment(
                    row["send_at"]
                )
                if later != row["send_at"]:
                    await conn.execute(
                        "UPDATE scheduled_posts SET send_at = $2 WHERE id = $1", row["id"], later
                    )
                    continue
            try:
                assert author is not None
                await sender(ctx, author, row["payload"], row["thread_id"])
            except ApiError as refused:  # the author lost the right meanwhile, the thread is gone...
                error = refused.message
                log.warning("scheduled post %s not sent: %s", row["id"], error)
            await conn.execute(
                "UPDATE scheduled_posts SET sent_at = now(), error = $2 WHERE id = $1", row["id"], error
            )
            sent += 1


async def run(ctx: Context, sender: Sender, every: float = 5.0) -> None:
    while True:
        await send_due(ctx, dt.datetime.now(dt.UTC), sender)
        await asyncio.sleep(every)
