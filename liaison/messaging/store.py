"""The SQL of messaging: threads, members and their read positions, messages, acks.

Every function that changes what someone may see returns the events to
append (`realtime.store.append`) in the same transaction, so that a message
and its events commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from liaison.core.clock import iso
from liaison.core.events import EventType, NewEvent
from liaison.core.people import User
from liaison.storage.db import Conn, Connection, fetch_one

THREAD_COLUMNS = """t.id, t.school_id, t.kind, t.subject, t.child_id, t.class_ids, t.whole_school,
    t.author_id, t.reply_to_thread_id, t.require_ack, t.urgent, t.created_at, t.last_activity_at,
    t.last_seq, t.closed_at, t.school_ids, t.rpi_id, t.to_staff"""
MESSAGE_COLUMNS = (
    "m.id, m.thread_id, m.seq, m.author_id, m.body, m.created_at, m.client_id, m.recalled_at, m.edited_at"
)
RECALL_WINDOW = dt.timedelta(minutes=15)
CORRECTION_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Member:
    is_staff: bool
    read_seq: int
    acked_at: dt.datetime | None


def thread_to_api(thread: asyncpg.Record, author: User, member: Member | None) -> dict[str, Any]:
    read_seq = member.read_seq if member else 0
    return {
        "id": str(thread["id"]),
        "kind": thread["kind"],
        "subject": thread["subject"],
        "school_id": str(thread["school_id"]),
        # (.get: a row read before migration 0035's columns shows one school.)
        "school_ids": [str(s) for s in thread.get("school_ids") or [thread["school_id"]]],
        "rpi_id": str(thread["rpi_id"]) if thread.get("rpi_id") else None,
        "to_staff": bool(thread.get("to_staff")),
        "class_ids": [str(c) for c in thread["class_ids"]],
        "whole_school": thread["whole_school"],
        "child_id": str(thread["child_id"]) if thread["child_id"] else None,
        "reply_to_thread_id": str(thread["reply_to_thread_id"]) if thread["reply_to_thread_id"] else None,
        "author": author.to_api(thread["school_id"]),
        "created_at": iso(thread["created_at"]),
        "last_activity_at": iso(thread["last_activity_at"]),
        "last_seq": thread["last_seq"],
        "read_seq": read_seq,
        "unread": max(thread["last_seq"] - read_seq, 0),
        "require_ack": thread["require_ack"],
        "acked_at": iso(member.acked_at) if member else None,
        "urgent": thread["urgent"],
        # The school asks a family why its child missed the roll call (absences'
        # roll call): the only absence threads the staff start.
        "unexplained": thread["kind"] == "absence" and author.is_staff,
        "slots": None,
        "closed_at": iso(thread["closed_at"]),
    }


def message_to_api(message: asyncpg.Record, author: User) -> dict[str, Any]:
    return {
        "id": str(message["id"]),
        "thread_id": str(message["thread_id"]),
        "seq": message["seq"],
        "author": author.to_api(),
        # A recalled message keeps its place (seqs stay gap-free) but not its text.
        "body": "" if message["recalled_at"] else message["body"],
        "created_at": iso(message["created_at"]),
        "client_id": message["client_id"],
        "recalled": message["recalled_at"] is not None,
        "edited_at": iso(message["edited_at"]),
    }


# -- reading -------------------------------------------------------------------


async def get_thread(conn: Conn, thread_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = $1", thread_id)


async def get_member(conn: Conn, thread_id: UUID, user_id: UUID) -> Member | None:
    row = await conn.fetchrow(
        "SELECT is_staff, read_seq, acked_at FROM thread_members WHERE thread_id = $1 AND user_id = $2",
        thread_id,
        user_id,
    )
    return Member(row["is_staff"], row["read_seq"], row["acked_at"]) if row else None


async def member_ids(conn: Conn, thread_id: UUID, staff_only: bool = False) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT user_id FROM thread_members WHERE thread_id = $1 AND (NOT $2 OR is_staff)",
        thread_id,
        staff_only,
    )
    return [r["user_id"] for r in rows]


async def inbox(
    conn: Conn, user_id: UUID, limit: int, after: tuple[dt.datetime, UUID] | None, unread_only: bool
) -> list[tuple[asyncpg.Record, Member]]:
    """Most recent activity first; an index range read on thread_members."""
    moment, thread_id = after if after else (None, None)
    rows = await conn.fetch(
        f"""SELECT {THREAD_COLUMNS}, m.is_staff, m.read_seq, m.acked_at
            FROM thread_members m JOIN threads t ON t.id = m.thread_id
            WHERE m.user_id = $1
              AND ($2::timestamptz IS NULL OR (m.last_activity_at, m.thread_id) < ($2, $3::uuid))
              AND (NOT $4 OR t.last_seq > m.read_seq)
            ORDER BY m.last_activity_at DESC, m.thread_id DESC
            LIMIT $5""",
        user_id,
        moment,
        thread_id,
        unread_only,
        limit,
    )
    return [(r, Member(r["is_staff"], r["read_seq"], r["acked_at"])) for r in rows]


async def messages(conn: Conn, thread_id: UUID, after_seq: int, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {MESSAGE_COLUMNS} FROM messages m
            WHERE m.thread_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3""",
        thread_id,
        after_seq,
        limit,
    )


async def latest_messages(conn: Conn, thread_id: UUID, count: int) -> list[asyncpg.Record]:
    rows = await conn.fetch(
        f"""SELECT {MESSAGE_COLUMNS} FROM messages m
            WHERE m.thread_id = $1 ORDER BY m.seq DESC LIMIT $2""",
        thread_id,
        count,
    )
    return list(reversed(rows))


async def message_by_client_id(conn: Conn, author_id: UUID, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.author_id = $1 AND m.client_id = $2",
        author_id,
        client_id,
    )


async def private_reply_thread(
    conn: Conn, announcement_id: UUID, child_ids: list[UUID]
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {THREAD_COLUMNS} FROM threads t
            WHERE t.reply_to_thread_id = $1 AND t.child_id = ANY($2::uuid[])
            ORDER BY t.created_at LIMIT 1""",
        announcement_id,
        child_ids,
    )


async def thread_children(conn: Conn, thread_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT child_id FROM thread_children WHERE thread_id = $1 ORDER BY child_id", thread_id
    )
    return [r["child_id"] for r in rows]


# -- writing -------------------------------------------------------------------


@dataclass(frozen=True)
class NewThread:
    school_id: UUID
    kind: str
    subject: str
    author: User
    members: dict[UUID, bool]  # user id -> is staff
    child_ids: list[UUID]  # the families addressed
    child_id: UUID | None = None
    class_ids: tuple[UUID, ...] = ()
    whole_school: bool = False
    reply_to_thread_id: UUID | None = None
    require_ack: bool = False
    urgent: bool = False
    school_ids: tuple[UUID, ...] = ()  # every school addressed, school_id first (default: school_id)
    rpi_id: UUID | None = None
    to_staff: bool = False


async def create_thread(
    conn: Connection, new: NewThread, body: str, client_id: str | None
) -> tuple[asyncpg.Record, asyncpg.Record, list[NewEvent]]:
    thread = await fetch_one(conn,
        f"""INSERT INTO threads AS t (school_id, kind, subject, child_id, class_ids, whole_school, author_id,
                                     reply_to_thread_id, require_ack, urgent, last_seq, last_activity_at,
                                     school_ids, rpi_id, to_staff)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, clock_timestamp(), $11, $12, $13)
            RETURNING {THREAD_COLUMNS}""",
        new.school_id, new.kind, new.subject, new.child_id, list(new.class_ids), new.whole_school,
        new.author.id, new.reply_to_thread_id, new.require_ack, new.urgent,
        [new.school_id, *(s for s in dict.fromkeys(new.school_ids) if s != new.school_id)],
        new.rpi_id, new.to_staff,
    )  # fmt: skip
    members = dict(new.members)
    members.setdefault(new.author.id, new.author.is_staff)
    at = thread["last_activity_at"]
    # Written once, final: the author has read the first message, everyone's
    # activity is now (no second pass over thousands of rows).
    await conn.copy_records_to_table(
        "thread_members",
        records=[
            (
                thread["id"],
                user_id,
                is_staff,
                *((1, at, at) if user_id == new.author.id else (0, None, None)),
                at,
            )
            for user_id, is_staff in members.items()
        ],
        columns=[
            "thread_id",
            "user_id",
            "is_staff",
            "read_seq",
            "first_read_at",
            "read_at",
            "last_activity_at",
        ],
    )
    if new.child_ids:
        await conn.copy_records_to_table(
            "thread_children",
            records=[(thread["id"], child_id) for child_id in dict.fromkeys(new.child_ids)],
            columns=["thread_id", "child_id"],
        )
    message = await _insert_message(conn, thread["id"], 1, new.author, body, client_id)
    recipients = list(members)
    events = [
        NewEvent(EventType.THREAD_CREATED, thread_to_api(thread, new.author, None), recipients),
        NewEvent(EventType.MESSAGE_CREATED, message_to_api(message, new.author), recipients),
    ]
    return thread, message, events


async def _insert_message(
    conn: Connection, thread_id: UUID, seq: int, author: User, body: str, client_id: str | None
) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""INSERT INTO messages AS m (thread_id, seq, author_id, body, client_id)
            VALUES ($1, $2, $3, $4, $5) RETURNING {MESSAGE_COLUMNS}""",
        thread_id,
        seq,
        author.id,
        body,
        client_id,
    )


class ThreadClosed(Exception):
    """The thread was closed to new messages (`post_message(open_only=True)`)."""


async def post_message(
    conn: Connection,
    thread_id: UUID,
    author: User,
    body: str,
    client_id: str | None,
    *,
    open_only: bool = False,
) -> tuple[asyncpg.Record, asyncpg.Record, list[NewEvent]]:
    """`open_only`: raise ThreadClosed, writing nothing, if a director closed the
    thread (checked under the row lock, so a close and a post never cross)."""
    # The row lock on the thread makes concurrent posts take seqs one by one.
    thread = await conn.fetchrow(
        f"""UPDATE threads t SET last_seq = last_seq + 1, last_activity_at = clock_timestamp()
            WHERE id = $1 AND (NOT $2 OR closed_at IS NULL) RETURNING {THREAD_COLUMNS}""",
        thread_id,
        open_only,
    )
    if thread is None:
        raise ThreadClosed(thread_id)
    message = await _insert_message(conn, thread_id, thread["last_seq"], author, body, client_id)
    # Writing a message means having read the thread up to it.
    recipients = await conn.fetch(
        """UPDATE thread_members
           SET last_activity_at = $2,
               read_seq = CASE WHEN user_id = $3 THEN $4 ELSE read_seq END,
               first_read_at = CASE WHEN user_id = $3 THEN coalesce(first_read_at, $2) ELSE first_read_at END,
               read_at = CASE WHEN user_id = $3 THEN $2 ELSE read_at END
           WHERE thread_id = $1 RETURNING user_id""",
        thread_id,
        thread["last_activity_at"],
        author.id,
        thread["last_seq"],
    )
    event = NewEvent(
        EventType.MESSAGE_CREATED, message_to_api(message, author), [r["user_id"] for r in recipients]
    )
    return thread, message, [event]


async def set_closed(conn: Connection, thread_id: UUID, closed_by: UUID | None) -> asyncpg.Record | None:
    """Close the thread (closed_by, the director) or reopen it (None); None when
    it already was so (nothing changed: no event)."""
    return await conn.fetchrow(
        f"""UPDATE threads t
            SET closed_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE clock_timestamp() END, closed_by = $2
            WHERE id = $1 AND (closed_at IS NULL) = ($2::uuid IS NOT NULL)
            RETURNING {THREAD_COLUMNS}""",
        thread_id,
        closed_by,
    )


async def add_member(conn: Connection, thread_id: UUID, user_id: UUID, is_staff: bool) -> None:
    await conn.execute(
        """INSERT INTO thread_members (thread_id, user_id, is_staff, last_activity_at)
           SELECT $1, $2, $3, last_activity_at FROM threads WHERE id = $1
           ON CONFLICT DO NOTHING""",
        thread_id,
        user_id,
        is_staff,
    )


async def mark_read(
    conn: Connection, thread: asyncpg.Record, user: User, seq: int
) -> tuple[int, dt.datetime] | None:
    """Move the watermark forward (never back); None when it did not move."""
    row = await conn.fetchrow(
        """UPDATE thread_members
           SET read_seq = $3, read_at = now(), first_read_at = coalesce(first_read_at, now())
           WHERE thread_id = $1 AND user_id = $2 AND read_seq < $3
           RETURNING read_seq, read_at""",
        thread["id"],
        user.id,
        min(seq, thread["last_seq"]),
    )
    return (row["read_seq"], row["read_at"]) if row else None


async def record_acks(
    conn: Connection, thread_id: UUID, child_ids: list[UUID], user_id: UUID
) -> list[tuple[UUID, dt.datetime]]:
    """Sign for these families; those already signed keep their first signature.
    Returns the new signatures."""
    rows = await conn.fetch(
        """INSERT INTO acks (thread_id, child_id, user_id)
           SELECT $1, unnest($2::uuid[]), $3
           ON CONFLICT (thread_id, child_id) DO NOTHING RETURNING child_id, acked_at""",
        thread_id,
        child_ids,
        user_id,
    )
    return [(r["child_id"], r["acked_at"]) for r in rows]


async def mark_members_acked(
    conn: Connection, thread_id: UUID, user_ids: list[UUID], at: dt.datetime
) -> None:
    await conn.execute(
        """UPDATE thread_members SET acked_at = coalesce(acked_at, $3)
           WHERE thread_id = $1 AND user_id = ANY($2::uuid[])""",
        thread_id,
        user_ids,
        at,
    )


async def ack_member(conn: Connection, thread_id: UUID, user_id: UUID) -> dt.datetime | None:
    """A member signs for themselves (an announcement to the staff); None when
    they had already signed (the first signature stays)."""
    acked_at: dt.datetime | None = await conn.fetchval(
        """UPDATE thread_members SET acked_at = now()
           WHERE thread_id = $1 AND user_id = $2 AND acked_at IS NULL RETURNING acked_at""",
        thread_id,
        user_id,
    )
    return acked_at


async def acks_of(conn: Conn, thread_id: UUID) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT child_id, user_id, acked_at, on_paper FROM acks WHERE thread_id = $1", thread_id
    )
    return {r["child_id"]: r for r in rows}


async def member_reads(conn: Conn, thread_id: UUID) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        """SELECT user_id, is_staff, read_seq, first_read_at, read_at, acked_at FROM thread_members
           WHERE thread_id = $1""",
        thread_id,
    )
    return {r["user_id"]: r for r in rows}


async def message_author(conn: Conn, thread_id: UUID, seq: int) -> tuple[UUID, str] | None:
    row = await conn.fetchrow(
        "SELECT author_id, body FROM messages WHERE thread_id = $1 AND seq = $2", thread_id, seq
    )
    return (row["author_id"], row["body"]) if row else None


async def unread_threads(conn: Conn, user_ids: list[UUID]) -> dict[UUID, list[asyncpg.Record]]:
    """For the daily digest: each user's threads with unread messages."""
    rows = await conn.fetch(
        """SELECT m.user_id, t.id, t.subject, t.author_id, t.last_seq - m.read_seq AS unread
           FROM thread_members m JOIN threads t ON t.id = m.thread_id
           WHERE m.user_id = ANY($1::uuid[]) AND t.last_seq > m.read_seq
           ORDER BY m.last_activity_at DESC""",
        user_ids,
    )
    found: dict[UUID, list[asyncpg.Record]] = {u: [] for u in user_ids}
    for r in rows:
        found[r["user_id"]].append(r)
    return found


async def threads_by_id(conn: Conn, thread_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = ANY($1::uuid[])", thread_ids
    )
    return {r["id"]: r for r in rows}


async def members_by_pair(conn: Conn, pairs: list[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], Member]:
    """Members for (thread, user) pairs, in one statement."""
    rows = await conn.fetch(
        """SELECT m.thread_id, m.user_id, m.is_staff, m.read_seq, m.acked_at
           FROM thread_members m JOIN unnest($1::uuid[], $2::uuid[]) AS p(t, u)
             ON m.thread_id = p.t AND m.user_id = p.u""",
        [t for t, _ in pairs],
        [u for _, u in pairs],
    )
    return {(r["thread_id"], r["user_id"]): Member(r["is_staff"], r["read_seq"], r["acked_at"]) for r in rows}


async def messages_by_seq(conn: Conn, keys: list[tuple[UUID, int]]) -> dict[tuple[UUID, int], asyncpg.Record]:
    rows = await conn.fetch(
        f"""SELECT {MESSAGE_COLUMNS} FROM messages m JOIN unnest($1::uuid[], $2::int[]) AS k(t, s)
            ON m.thread_id = k.t AND m.seq = k.s""",
        [t for t, _ in keys],
        [s for _, s in keys],
    )
    return {(r["thread_id"], r["seq"]): r for r in rows}


async def record_paper_ack(
    conn: Connection, thread_id: UUID, child_id: UUID, by: UUID
) -> asyncpg.Record | None:
    """The family signed the paper slip; a digital signature already there stays."""
    return await conn.fetchrow(
        """INSERT INTO acks (thread_id, child_id, user_id, on_paper) VALUES ($1, $2, $3, true)
           ON CONFLICT (thread_id, child_id) DO NOTHING RETURNING child_id, acked_at""",
        thread_id,
        child_id,
        by,
    )


REMINDER_INTERVAL = dt.timedelta(days=1)  # at most one "Relancer" per thread in that time


async def claim_reminder(conn: Connection, thread_id: UUID, by: UUID) -> dt.datetime | None:
    """Take today's reminder; None when one was sent less than a day ago."""
    reminded_at: dt.datetime | None = await conn.fetchval(
        """INSERT INTO thread_reminders (thread_id, reminded_at, reminded_by) VALUES ($1, now(), $2)
           ON CONFLICT (thread_id) DO UPDATE SET reminded_at = now(), reminded_by = $2
           WHERE thread_reminders.reminded_at < now() - $3::interval
           RETURNING reminded_at""",
        thread_id,
        by,
        REMINDER_INTERVAL,
    )
    return reminded_at


async def last_reminder(conn: Conn, thread_id: UUID) -> dt.datetime | None:
    """When the families were last reminded ("Relancer"), if ever."""
    reminded_at: dt.datetime | None = await conn.fetchval(
        "SELECT reminded_at FROM thread_reminders WHERE thread_id = $1", thread_id
    )
    return reminded_at


async def lock_message(conn: Connection, thread_id: UUID, seq: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.thread_id = $1 AND m.seq = $2 FOR UPDATE",
        thread_id,
        seq,
    )


async def recall(conn: Connection, message_id: UUID) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"UPDATE messages m SET recalled_at = now() WHERE id = $1 RETURNING {MESSAGE_COLUMNS}",
        message_id,
    )


async def correct(conn: Connection, message_id: UUID, body: str) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"UPDATE messages m SET body = $2, edited_at = now() WHERE id = $1 RETURNING {MESSAGE_COLUMNS}",
        message_id,
        body,
    )


async def first_staff_reads(conn: Conn, thread_ids: list[UUID]) -> dict[UUID, dt.datetime]:
    """When a member of the staff first read each thread ("Vu par …"), in one statement."""
    rows = await conn.fetch(
        """SELECT thread_id, min(first_read_at) AS at FROM thread_members
           WHERE thread_id = ANY($1::uuid[]) AND is_staff AND first_read_at IS NOT NULL
           GROUP BY thread_id""",
        thread_ids,
    )
    return {r["thread_id"]: r["at"] for r in rows}


async def hand_over_memberships(conn: Connection, from_id: UUID, to_id: UUID) -> int:
    """A letter's account joins a family account (`POST /api/me/link`): what
    the school sent to the letter's account before (last week's announcement
    to sign) is the family's too. Where both were members, the one further
    read wins. Returns how many threads were handed over."""
    moved = await conn.fetch(
        """INSERT INTO thread_members AS m (thread_id, user_id, is_staff, read_seq, first_read_at, read_at,
                                            acked_at, last_activity_at)
           SELECT thread_id, $2, is_staff, read_seq, first_read_at, read_at, acked_at, last_activity_at
           FROM thread_members WHERE user_id = $1
           ON CONFLICT (thread_id, user_id) DO UPDATE
               SET read_seq = greatest(m.read_seq, EXCLUDED.read_seq),
                   acked_at = coalesce(m.acked_at, EXCLUDED.acked_at)
           RETURNING thread_id""",
        from_id,
        to_id,
    )
    await conn.execute("DELETE FROM thread_members WHERE user_id = $1", from_id)
    return len(moved)
