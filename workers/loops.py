"""The background loops that `liaison worker` runs, and that the web process
runs itself in the single-process default.

Each loop is a coroutine taking the shared resources; a loop that fails is
logged and restarted after a pause, so one bad row never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg

from liaison.absences import checks
from liaison.accounts import store as accounts
from liaison.activity.sender import ActivitySender
from liaison.bus import Bus
from liaison.config import Settings
from liaison.delivery.worker import Deliverer
from liaison.realtime import store as realtime

log = logging.getLogger("liaison.workers")

Loop = Callable[[asyncpg.Pool, Bus, Settings], Awaitable[None]]

HOUSEKEEPING_INTERVAL = 3600.0


async def housekeeping(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Forget expired sessions and long-expired activation codes."""
    while True:
        sessions, codes = await accounts.delete_expired(pool)
        if sessions or codes:
            log.info("housekeeping removed %d sessions and %d activation codes", sessions, codes)
        await asyncio.sleep(HOUSEKEEPING_INTERVAL)


async def prune_events(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Forget events past the retention (clients further behind reload)."""
    while True:
        async with pool.acquire() as conn:
            removed = await realtime.prune(conn, settings.event_retention_days)
        if removed:
            log.info("pruned %d events older than %d days", removed, settings.event_retention_days)
        await asyncio.sleep(HOUSEKEEPING_INTERVAL)


async def deliver(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Push, email, reminders and digests (liaison/delivery/worker.py)."""
    await Deliverer(pool, bus, settings).run()


async def absence_checks(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Absences nobody read by the school's check time go to the director."""
    await checks.run(pool, bus)


async def scheduled_posts(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Messages written for later, sent at their time."""
    from liaison.messaging.service import Context
    from liaison.scheduling import sender, service

    await service.run(Context(pool, bus, settings), sender.send)


async def activity_notices(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Grouped notices of new blog posts and cahier pages (liaison/activity/sender.py)."""
    await ActivitySender(pool, settings).run()


LOOPS: list[Loop] = [housekeeping, prune_events, deliver, absence_checks, scheduled_posts, activity_notices]


async def _supervised(loop: Loop, pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    while True:
        try:
            await loop(pool, bus, settings)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker loop %s failed; restarting in 5 s", loop.__name__)
            await asyncio.sleep(5)


@contextlib.asynccontextmanager
async def running(
    pool: asyncpg.Pool, bus: Bus, settings: Settings, *, enabled: bool = True
) -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks = (
        [asyncio.create_task(_supervised(loop, pool, bus, settings), name=loop.__name__) for loop in LOOPS]
        if enabled
        else []
    )
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
