"""The background loops, and the worker process that runs only them (`run_worker`:
`python -m workers`, the Procfile's `worker`, or `liaison worker`). The web
process runs the loops itself in the single-process default (`liaison run`).

Each loop is a coroutine taking the shared resources; a loop that fails is
logged and restarted after a pause, so one bad row never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import redis.asyncio as aioredis

from liaison.absences import checks
from liaison.accounts import store as accounts
from liaison.activity.sender import ActivitySender
from liaison.bus import Bus, MemoryBus, RedisBus
from liaison.config import Settings
from liaison.delivery.worker import Deliverer
from liaison.realtime import store as realtime
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate

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
    from liaison.core.context import Context
    from liaison.scheduling import sender, service

    await service.run(Context(pool, bus, settings), sender.send)


async def activity_notices(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """Grouped notices of new blog posts and cahier pages (liaison/activity/sender.py)."""
    await ActivitySender(pool, settings).run()


async def stats_rollups(pool: asyncpg.Pool, bus: Bus, settings: Settings) -> None:
    """The adoption figures' closed periods, rolled up (liaison/stats/store.py)."""
    from liaison.stats import service

    await service.rollup_loop(pool)


LOOPS: list[Loop] = [
    housekeeping,
    prune_events,
    deliver,
    absence_checks,
    scheduled_posts,
    activity_notices,
    stats_rollups,
]


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


async def run_worker(settings: Settings) -> None:
    """The worker process: every loop, until SIGINT or SIGTERM."""
    if not settings.database_url:
        raise SystemExit("liaison worker a besoin de DATABASE_URL.")
    stop = asyncio.Event()
    event_loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        event_loop.add_signal_handler(signum, stop.set)
    pool = await create_pool(settings.database_url, max_size=settings.db_pool_size)
    redis_client = aioredis.from_url(settings.redis_url) if settings.redis_url else None
    bus: Bus = RedisBus(redis_client, settings.redis_prefix) if redis_client else MemoryBus()
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        await bus.start()
        async with running(pool, bus, settings):
            log.info("worker started (%d loops)", len(LOOPS))
            await stop.wait()
        log.info("worker stopping")
    finally:
        await bus.close()
        if redis_client:
            await redis_client.aclose()
        await pool.close()
