"""The SQL of sign-ups: slots, and the families on them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

from liaison.core.clock import iso
from liaison.storage.db import Conn, Connection, fetch_one


async def add_slots(
    conn: Connection, thread_id: UUID, slots: list[tuple[str, int]], closes_at: dt.datetime | None
) -> None:
    await conn.executemany(
        """INSERT INTO signup_slots (thread_id, position, label, capacity, closes_at)
           VALUES ($1, $2, $3, $4, $5)""",
        [(thread_id, i, label, capacity, closes_at) for i, (label, capacity) in enumerate(slots)],
    )


async def lock_slot(conn: Connection, slot_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, thread_id, label, capacity, closes_at FROM signup_slots WHERE id = $1 FOR UPDATE", slot_id
    )


async def active_for_family(conn: Conn, slot_id: UUID, child_ids: list[UUID]) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT id, slot_id, child_id, user_id, status FROM signups
           WHERE slot_id = $1 AND child_id = ANY($2::uuid[]) AND status <> 'withdrawn'""",
        slot_id,
        child_ids,
    )


async def confirmed_count(conn: Connection, slot_id: UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM signups WHERE slot_id = $1 AND status = 'confirmed'", slot_id
    )
    return count


async def insert(
    conn: Connection, slot_id: UUID, child_id: UUID, user_id: UUID, status: str, note: str
) -> asyncpg.Record:
    return await fetch_one(
        conn,
        """INSERT INTO signups (slot_id, child_id, user_id, status, note) VALUES ($1, $2, $3, $4, $5)
           RETURNING id, slot_id, child_id, user_id, status""",
        slot_id,
        child_id,
        user_id,
        status,
        note,
    )


async def get(conn: Conn, signup_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT s.id, s.slot_id, s.child_id, s.user_id, s.status, l.thread_id
           FROM signups s JOIN signup_slots l ON l.id = s.slot_id WHERE s.id = $1""",
        signup_id,
    )


async def withdraw(conn: Connection, signup_id: UUID) -> str | None:
    """The status it had, or None if it was already withdrawn."""
    status: str | None = await conn.fetchval(
        """UPDATE signups s SET status = 'withdrawn', updated_at = now()
           FROM (SELECT status FROM signups WHERE id = $1) old
           WHERE s.id = $1 AND s.status <> 'withdrawn' RETURNING old.status""",
        signup_id,
    )
    return status


async def promote_first_waiting(conn: Connection, slot_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """UPDATE signups SET status = 'confirmed', updated_at = now()
           WHERE id = (SELECT id FROM signups WHERE slot_id = $1 AND status = 'waitlisted'
                       ORDER BY arrival LIMIT 1)
           RETURNING id, slot_id, child_id, user_id, status""",
        slot_id,
    )


async def slots_of(conn: Conn, thread_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT l.id, l.label, l.capacity, l.closes_at,
                  count(*) FILTER (WHERE s.status = 'confirmed') AS confirmed,
                  count(*) FILTER (WHERE s.status = 'waitlisted') AS waitlisted
           FROM signup_slots l LEFT JOIN signups s ON s.slot_id = l.id
           WHERE l.thread_id = $1 GROUP BY l.id ORDER BY l.position""",
        thread_id,
    )


async def mine(conn: Conn, thread_id: UUID, child_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        """SELECT s.id, s.slot_id, s.status FROM signups s JOIN signup_slots l ON l.id = s.slot_id
           WHERE l.thread_id = $1 AND s.child_id = ANY($2::uuid[]) AND s.status <> 'withdrawn'""",
        thread_id,
        child_ids,
    )
    return {r["slot_id"]: r for r in rows}


async def names(conn: Conn, thread_id: UUID) -> list[asyncpg.Record]:
    """Every active sign-up of the thread, in arrival order (the staff view)."""
    return await conn.fetch(
        """SELECT s.id, s.slot_id, s.child_id, s.user_id, s.status, s.note, s.created_at
           FROM signups s JOIN signup_slots l ON l.id = s.slot_id
           WHERE l.thread_id = $1 AND s.status <> 'withdrawn' ORDER BY s.arrival""",
        thread_id,
    )


def slot_to_api(row: asyncpg.Record, mine: asyncpg.Record | None) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "label": row["label"],
        "capacity": row["capacity"],
        "confirmed": row["confirmed"],
        "waitlisted": row["waitlisted"],
        "closes_at": iso(row["closes_at"]),
        "mine": {"signup_id": str(mine["id"]), "status": mine["status"]} if mine else None,
    }
