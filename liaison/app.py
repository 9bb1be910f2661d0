"""The Starlette application: routes of every capability, and its lifespan.

The app owns its resources for its whole life: the asyncpg pool, the bus,
the failure counter, and (in the single-process default) the worker loops.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.middleware import Middleware

from liaison import bootstrap
from liaison.absences import routes as absence_routes
from liaison.accounts import routes as account_routes
from liaison.accounts.ratelimit import MemoryFailureCounter, RedisFailureCounter
from liaison.agenda import routes as agenda_routes
from liaison.blog import routes as blog_routes
from liaison.bus import Bus, MemoryBus, RedisBus
from liaison.config import Settings
from liaison.consent import routes as consent_routes
from liaison.delivery import routes as delivery_routes
from liaison.delivery.socket_log import SocketLog
from liaison.directory import routes as directory_routes
from liaison.media import routes as media_routes
from liaison.messaging import routes as messaging_routes
from liaison.ops import routes as ops_routes
from liaison.ops.routes import Metrics, RequestObserver
from liaison.realisations import routes as realisation_routes
from liaison.realtime import routes as realtime_routes
from liaison.realtime.notifier import Notifier
from liaison.scheduling import routes as scheduling_routes
from liaison.signups import routes as signup_routes
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate
from liaison.web.errors import EXCEPTION_HANDLERS
from liaison.web.webapp import WebAppFiles, WebAppMount
from workers import loops

log = logging.getLogger("liaison")


def create_app(settings: Settings, *, run_workers: bool = False) -> Starlette:
    """`run_workers`: run the delivery loops in this process (single-process mode)."""
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url")
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url, max_size=settings.db_pool_size)
        redis_client = aioredis.from_url(settings.redis_url) if settings.redis_url else None
        bus: Bus = RedisBus(redis_client, settings.redis_prefix) if redis_client else MemoryBus()
        app.state.pool = pool
        app.state.bus = bus
        app.state.failure_counter = (
            RedisFailureCounter(redis_client, settings.redis_prefix)
            if redis_client
            else MemoryFailureCounter()
        )
        notifier: Notifier | None = None
        socket_log: SocketLog | None = None
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
                await bootstrap.ensure_admin(conn, settings)
            notifier = Notifier(pool, bus)
            app.state.notifier = notifier
            socket_log = SocketLog(pool)
            notifier.observers.append(socket_log.observe)
            metrics.watch_connections(lambda: notifier.connection_count)
            await bus.start()
            notifier.start()
            socket_log.start()
            async with loops.running(pool, bus, settings, enabled=run_workers):
                yield
        finally:
            if notifier is not None:
                await notifier.close()
            if socket_log is not None:
                await socket_log.close()
            await bus.close()
            if redis_client:
                await redis_client.aclose()
            await pool.close()

    routes = [
        *ops_routes.routes,
        *account_routes.routes,
        *directory_routes.routes,
        *realtime_routes.routes,
        *messaging_routes.routes,
        *delivery_routes.routes,
        *absence_routes.routes,
        *signup_routes.routes,
        *agenda_routes.routes,
        *scheduling_routes.routes,
        *consent_routes.routes,
        *blog_routes.routes,
        *realisation_routes.routes,
        *media_routes.routes,
    ]
    if settings.static_dir.is_dir():
        routes.append(WebAppMount("/", app=WebAppFiles(settings.static_dir)))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestObserver, metrics=metrics)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.route_templates = {route.endpoint: route.path for route in routes if hasattr(route, "endpoint")}
    return app
