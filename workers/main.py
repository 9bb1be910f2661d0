"""`liaison worker`: the delivery process of the Procfile."""

from __future__ import annotations

import asyncio
import logging
import signal

import redis.asyncio as aioredis

from liaison.bus import Bus, MemoryBus, RedisBus
from liaison.config import Settings
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate
from workers import loops

log = logging.getLogger("liaison.workers")


async def run_worker(settings: Settings) -> None:
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
        async with loops.running(pool, bus, settings):
            log.info("worker started (%d loops)", len(loops.LOOPS))
            await stop.wait()
        log.info("worker stopping")
    finally:
        await bus.close()
        if redis_client:
            await redis_client.aclose()
        await pool.close()
