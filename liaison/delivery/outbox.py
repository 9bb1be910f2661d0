"""What messaging calls, inside its own transaction, so that every message
accepted is also a notification job (the outbox pattern)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import asyncpg

from liaison.calendar.service import school_calendar
from liaison.config import Settings
from liaison.delivery import policy
from liaison.delivery import store as log_store
from liaison.storage.db import Connection

URGENT_KINDS = ("absence",)


async def remind_now(conn: Connection, thread: asyncpg.Record, now: dt.datetime) -> None:
    """ "Remind the others": a push and an email to those who have not signed, now."""
    common = {"school_id": thread["school_id"], "thread_id": thread["id"], "seq": 1, "urgent": False}
    for kind in ("reminder", "escalation"):
        await log_store.enqueue(conn, kind=kind, due_at=now, **common)


async def promoted(conn: Connection, thread: asyncpg.Record, child_id: UUID, now: dt.datetime) -> None:
    """A family confirmed from a waiting list: told at once (push, else email)."""
    await log_store.enqueue(
        conn, school_id=thread["school_id"], thread_id=thread["id"], seq=1, kind="promotion",
        urgent=True, due_at=now, child_id=child_id,
    )  # fmt: skip


async def message_written(
    conn: Connection, thread: asyncpg.Record, seq: int, settings: Settings, now: dt.datetime
) -> None:
    urgent = thread["urgent"] or thread["kind"] in URGENT_KINDS
    grace = dt.timedelta(seconds=settings.notify_grace_seconds)
    common = {"school_id": thread["school_id"], "thread_id": thread["id"], "seq": seq, "urgent": urgent}
    await log_store.enqueue(
        conn, kind="message", due_at=policy.first_notification_at(now, urgent, grace), **common
    )
    if seq == 1 and thread["require_ack"]:
        escalation = policy.Escalation(
            dt.timedelta(hours=settings.escalation_reminder_hours),
            dt.timedelta(hours=settings.escalation_email_hours),
        )
        # Days off do not count: a reminder due on a day off waits for the
        # next school day (24 h after a Friday announcement: Monday).
        calendar = await school_calendar(conn, thread["school_id"])
        for kind, due_at in escalation.steps(now):
            due_at = calendar.add_school_time(now, due_at - now)
            await log_store.enqueue(conn, kind=kind, due_at=due_at, **common)
