"""Write and publish together: the events of a change commit with it, and the
bell rings only after the commit."""

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
    last_pos: int = 0


@contextlib.asynccontextmanager
async def change(pool: asyncpg.Pool, bus: Bus, school_id: UUID) -> AsyncIterator[Change]:
    """`async with change(pool, bus, school) as c: ...; c.events.extend(...)`:
    one transaction; the events are appended last (their positions are taken
    just before commit), then published. An error anywhere writes nothing."""
    async with pool.acquire() as conn:
        async with conn.transaction():
            current = Change(conn)
            yield current
            current.last_pos = await store.append(conn, school_id, current.events)
    await publish(bus, school_id, current.last_pos)
