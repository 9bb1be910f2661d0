"""Hands committed events to the connections of this process.

The bus only says "stream S has events up to position P" (a stream is a
person's, `users.stream_id`: their first school's or their
circonscription's). For each stream with someone connected here, the
notifier keeps the position it has handed out up to, and reads from
PostgreSQL what lies beyond: one query per stream per catch-up, whatever
the number of events or sockets, and a lost or reordered doorbell only
delays, never loses (the next doorbell, the periodic check, or a bus
reconnect reads the whole gap).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from liaison.bus import Bus
from liaison.realtime import store
from liaison.realtime.connection import Connection

log = logging.getLogger("liaison.realtime")

CHANNEL = "events"
POSITIONS_PER_READ = 500


@dataclass
class _Stream:
    head: int  # every event up to here has been offered to the connections
    target: int  # the highest position we know exists
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    connections: dict[UUID, set[Connection]] = field(default_factory=lambda: defaultdict(set))


async def publish(bus: Bus, stream_id: UUID, pos: int) -> None:
    """Ring the bell after commit."""
    if pos:
        await bus.publish(CHANNEL, {"stream_id": str(stream_id), "pos": pos})


class Notifier:
    def __init__(self, pool: asyncpg.Pool, bus: Bus, poll_interval: float = 5.0) -> None:
        self.pool = pool
        self.bus = bus
        self.poll_interval = poll_interval
        self._streams: dict[UUID, _Stream] = {}
        self._poller: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Told of each event handed to connections here (the delivery log
        # records when a message first reached someone's open app).
        self.observers: list[Callable[[store.Event, list[UUID]], None]] = []
        bus.subscribe(CHANNEL, self._on_doorbell)
        bus.on_reconnect(self.check_all)

    # -- life ------------------------------------------------------------------
    def start(self) -> None:
        self._poller = asyncio.create_task(self._poll(), name="notifier-poll")

    async def close(self) -> None:
        for task in [self._poller, *self._tasks]:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    @property
    def connection_count(self) -> int:
        return sum(len(c) for s in self._streams.values() for c in s.connections.values())

    # -- connections -------------------------------------------------------------
    async def register(self, connection: Connection) -> int:
        """Start offering events to the connection; returns the position from
        which it gets everything (what `ready` tells the client)."""
        stream_id = connection.stream_id
        while True:
            stream = self._streams.get(stream_id)
            new = stream is None
            if stream is None:
                head = await store.head(self.pool, stream_id)
                stream = self._streams.setdefault(stream_id, _Stream(head=head, target=head))
            # Under the lock, no catch-up is half done: the connection gets every
            # event after `stream.head`, and nothing before it from us.
            async with stream.lock:
                if self._streams.get(stream_id) is not stream:
                    # Forgotten while we waited for the lock (the last connection
                    # left during a catch-up): joining it would hear nothing.
                    continue
                stream.connections[connection.user_id].add(connection)
                connection.mark_start(stream.head)
                start = stream.head
            break
        if new:
            # A doorbell that rang while we read the head found no one here.
            await self.check_all()
        return start

    def unregister(self, connection: Connection) -> None:
        stream = self._streams.get(connection.stream_id)
        if stream is None:
            return
        mine = stream.connections.get(connection.user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del stream.connections[connection.user_id]
        if not stream.connections and not stream.lock.locked():
            del self._streams[connection.stream_id]

    # -- catching up ---------------------------------------------------------------
    async def _on_doorbell(self, message: dict[str, Any]) -> None:
        try:
            stream_id, pos = UUID(message["stream_id"]), int(message["pos"])
        except (KeyError, TypeError, ValueError):
            return
        stream = self._streams.get(stream_id)
        if stream is None or pos <= stream.target:
            return
        stream.target = pos
        # In a task of its own: the bus listener goes on with other streams' bells.
        task = asyncio.create_task(self._catch_up(stream_id, stream))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def check_all(self) -> None:
        """Read whatever the bus may have lost (after a reconnect, periodically)."""
        if not self._streams:
            return
        heads = await store.heads(self.pool, list(self._streams))
        for stream_id, head in heads.items():
            stream = self._streams.get(stream_id)
            if stream is not None and head > stream.head:
                stream.target = max(stream.target, head)
                await self._catch_up(stream_id, stream)

    async def _catch_up(self, stream_id: UUID, stream: _Stream) -> None:
        if stream.lock.locked():
            return  # the running catch-up loops until it reaches the new target
        try:
            await self._read_gap(stream_id, stream)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("notifier catch-up failed (%s); the periodic check retries", error)

    async def _read_gap(self, stream_id: UUID, stream: _Stream) -> None:
        async with stream.lock:
            while stream.head < stream.target and stream.connections:
                upto = min(stream.target, stream.head + POSITIONS_PER_READ)
                rows = await store.for_users(
                    self.pool, stream_id, stream.head, upto, list(stream.connections)
                )
                for event, user_ids in rows:
                    for observe in self.observers:
                        observe(event, user_ids)
                    text = event.to_json()
                    for user_id in user_ids:
                        for connection in list(stream.connections.get(user_id, ())):
                            connection.offer(event.pos, text)
                stream.head = upto
            if not stream.connections:
                self._streams.pop(stream_id, None)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.check_all()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("notifier check failed: %s", error)
