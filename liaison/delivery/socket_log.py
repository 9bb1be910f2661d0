"""When a message first reached one of a user's open apps: the "websocket"
part of the receipts. Gathered in memory, written in bulk once a second."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from uuid import UUID

import asyncpg

from liaison.core.events import EventType
from liaison.delivery import store as log_store
from liaison.realtime.store import Event

log = logging.getLogger("liaison.delivery")


class SocketLog:
    def __init__(self, pool: asyncpg.Pool, interval: float = 1.0) -> None:
        self.pool = pool
        self.interval = interval
        self._pending: dict[tuple[UUID, UUID], dt.datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def observe(self, event: Event, user_ids: list[UUID]) -> None:
        if event.type != EventType.MESSAGE_CREATED:
            return
        thread_id = UUID(event.data["thread_id"])
        now = dt.datetime.now(dt.UTC)
        for user_id in user_ids:
            self._pending.setdefault((thread_id, user_id), now)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="socket-log")

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            await log_store.record_socket_deliveries(
                self.pool, [(thread, user, at) for (thread, user), at in pending.items()]
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("socket deliveries not recorded (%s)", error)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()
