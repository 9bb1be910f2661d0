"""Hands committed events to the connections of this process.

The bus only says "school S has events up to position P". For each school
with someone connected here, the notifier keeps the position it has handed
out up to, and reads from PostgreSQL what lies beyond: one query per school
per catch-up, whatever the number of events or sockets, and a lost or
reordered doorbell only delays, never loses (the next doorbell, the periodic
check, or a bus reconnect reads the whole gap).
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
class _School:
    head: int  # every event up to here has been offered to the connections
    target: int  # the highest position we know exists
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    connections: dict[UUID, set[Connection]] = field(default_factory=lambda: defaultdict(set))


async def publish(bus: Bus, school_id: UUID, pos: int) -> None:
    """Ring the bell after commit."""
    if pos:
        await bus.publish(CHANNEL, {"school_id": str(school_id), "pos": pos})


class Notifier:
    def __init__(self, pool: asyncpg.Pool, bus: Bus, poll_interval: float = 5.0) -> None:
        self.pool = pool
        self.bus = bus
        self.poll_interval = poll_interval
        self._schools: dict[UUID, _School] = {}
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
        return sum(len(c) for s in self._schools.values() for c in s.connections.values())

    # -- connections -------------------------------------------------------------
    async def register(self, connection: Connection) -> int:
        """Start offering events to the connection; returns the position from
        which it gets everything (what `ready` tells the client)."""
        school_id = connection.school_id
        while True:
            school = self._schools.get(school_id)
            new = school is None
            if school is None:
                head = await store.head(self.pool, school_id)
                school = self._schools.setdefault(school_id, _School(head=head, target=head))
            # Under the lock, no catch-up is half done: the connection gets every
            # event after `school.head`, and nothing before it from us.
            async with school.lock:
                if self._schools.get(school_id) is not school:
                    # Forgotten while we waited for the lock (the last connection
                    # left during a catch-up): joining it would hear nothing.
                    continue
                school.connections[connection.user_id].add(connection)
                connection.mark_start(school.head)
                start = school.head
            break
        if new:
            # A doorbell that rang while we read the head found no one here.
            await self.check_all()
        return start

    def unregister(self, connection: Connection) -> None:
        school = self._schools.get(connection.school_id)
        if school is None:
            return
        mine = school.connections.get(connection.user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del school.connections[connection.user_id]
        if not school.connections and not school.lock.locked():
            del self._schools[connection.school_id]

    # -- catching up ---------------------------------------------------------------
    async def _on_doorbell(self, message: dict[str, Any]) -> None:
        try:
            school_id, pos = UUID(message["school_id"]), int(message["pos"])
        except (KeyError, TypeError, ValueError):
            return
        school = self._schools.get(school_id)
        if school is None or pos <= school.target:
            return
        school.target = pos
        # In a task of its own: the bus listener goes on with other schools' bells.
        task = asyncio.create_task(self._catch_up(school_id, school))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def check_all(self) -> None:
        """Read whatever the bus may have lost (after a reconnect, periodically)."""
        if not self._schools:
            return
        heads = await store.heads(self.pool, list(self._schools))
        for school_id, head in heads.items():
            school = self._schools.get(school_id)
            if school is not None and head > school.head:
                school.target = max(school.target, head)
                await self._catch_up(school_id, school)

    async def _catch_up(self, school_id: UUID, school: _School) -> None:
        if school.lock.locked():
            return  # the running catch-up loops until it reaches the new target
        try:
            await self._read_gap(school_id, school)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("notifier catch-up failed (%s); the periodic check retries", error)

    async def _read_gap(self, school_id: UUID, school: _School) -> None:
        async with school.lock:
            while school.head < school.target and school.connections:
                upto = min(school.target, school.head + POSITIONS_PER_READ)
                rows = await store.for_users(
                    self.pool, school_id, school.head, upto, list(school.connections)
                )
                for event, user_ids in rows:
                    for observe in self.observers:
                        observe(event, user_ids)
                    text = event.to_json()
                    for user_id in user_ids:
                        for connection in list(school.connections.get(user_id, ())):
                            connection.offer(event.pos, text)
                school.head = upto
            if not school.connections:
                self._schools.pop(school_id, None)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.check_all()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("notifier check failed: %s", error)
