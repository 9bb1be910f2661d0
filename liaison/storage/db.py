"""The asyncpg pool shared by every capability."""

from __future__ import annotations

import json
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# One connection, for statements that must share it (a transaction, a lock):
# opened on its own (the command line, migrations) or lent by the pool.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy
# Where a store runs its statements: one connection, or the pool (which lends
# one for each statement).
Conn: TypeAlias = Connection | asyncpg.Pool


async def _init_connection(conn: asyncpg.Connection) -> None:
    # JSON columns come back as Python objects, not strings.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        init=_init_connection,
        # Statements are short; a stuck one must not hold a request forever.
        server_settings={"application_name": "liaison", "statement_timeout": "30s"},
        command_timeout=60,
    )


async def fetch_one(conn: Conn, query: str, *args: object) -> asyncpg.Record:
    """The row of a statement that always yields one (an INSERT ... RETURNING
    without ON CONFLICT DO NOTHING); `fetchrow` itself may return None."""
    row = await conn.fetchrow(query, *args)
    if row is None:
        raise RuntimeError(f"No row returned by: {' '.join(query.split()[:3])}")
    return row
