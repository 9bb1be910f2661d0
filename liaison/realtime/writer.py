"""Write and publish together: the events of a change commit with it, and the
bells ring only after the commit (one per stream written)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from liaison.bus import Bus
from liaison.core.events import NewEvent
from liaison.realtime import store
from liaison.realtime.notifier import publish
from liaison.storage.db import Connection


@dataclass
class Change:
    conn: Connection
    events: list[NewEvent] = field(default_factory=list)
    # After commit: each stream written and its last position (a recipient's
    # position is in their own stream, `users.stream_id`).
    heads: dict[UUID, int] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def change(pool: asyncpg.Pool, bus: Bus, school_id: UUID) -> AsyncIterator[Change]:
    """`async with change(pool, bus, school) as c: ...; c.events.extend(...)`:
    one transaction; the events are appended last (their positions are taken
    just before commit), then published. An error anywhere writes nothing."""
    async with pool.acquire() as conn:
        async with conn.transaction():
            current = Change(conn)
            yield current
            current.heads = await store.append(conn, school_id, current.events)
    for stream_id, pos in current.heads.items():
        await publish(bus, stream_id, pos)
