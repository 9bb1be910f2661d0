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
from starlette.routing import BaseRoute, Route, WebSocketRoute

from liaison import background, bootstrap
from liaison.absences import routes as absence_routes
from liaison.accounts import routes as account_routes
from liaison.accounts.ratelimit import MemoryFailureCounter, RedisFailureCounter
from liaison.agenda import routes as agenda_routes
from liaison.blog import routes as blog_routes
from liaison.bus import Bus, MemoryBus, RedisBus
from liaison.calendar import routes as calendar_routes
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
from liaison.search import routes as search_routes
from liaison.signups import routes as signup_routes
from liaison.stats import routes as stats_routes
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate
from liaison.web.errors import EXCEPTION_HANDLERS
from liaison.web.webapp import WebAppFiles, WebAppMount

log = logging.getLogger("liaison")


# Every capability's routes, in the order they are matched; the web app last.
CAPABILITIES = [
    ops_routes, account_routes, directory_routes, realtime_routes, messaging_routes, delivery_routes,
    absence_routes, signup_routes, agenda_routes, scheduling_routes, consent_routes, blog_routes,
    realisation_routes, media_routes, calendar_routes, search_routes, stats_routes,
]  # fmt: skip


def create_app(settings: Settings, *, run_workers: bool = False) -> Starlette:
    """`run_workers`: run the delivery loops in this process (single-process mode)."""
    database_url = settings.database_url
    if not database_url:
        raise ValueError("create_app needs settings.database_url")
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await _open_shared(app, stack, settings, database_url, metrics)
            async with background.running(app.state.pool, app.state.bus, settings, enabled=run_workers):
                yield

    routes: list[BaseRoute] = [route for capability in CAPABILITIES for route in capability.routes]
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
    app.state.route_templates = {
        route.endpoint: route.path for route in routes if isinstance(route, Route | WebSocketRoute)
    }
    return app


async def _open_shared(
    app: Starlette, stack: contextlib.AsyncExitStack, settings: Settings, database_url: str, metrics: Metrics
) -> None:
    """Open what every request shares (the pool, Redis, the bus, the notifier
    of sockets and its log) into `app.state`; `stack` closes them, the last
    opened first, however far the opening got."""
    pool = await create_pool(database_url, max_size=settings.db_pool_size)
    stack.push_async_callback(pool.close)
    redis_client = aioredis.from_url(settings.redis_url) if settings.redis_url else None
    if redis_client is not None:
        stack.push_async_callback(redis_client.aclose)
    bus: Bus = RedisBus(redis_client, settings.redis_prefix) if redis_client else MemoryBus()
    stack.push_async_callback(bus.close)
    app.state.pool = pool
    app.state.bus = bus
    app.state.failure_counter = (
        RedisFailureCounter(redis_client, settings.redis_prefix) if redis_client else MemoryFailureCounter()
    )
    async with pool.acquire() as conn:
        await migrate(conn)
        await bootstrap.ensure_admin(conn, settings)
    socket_log = SocketLog(pool)
    stack.push_async_callback(socket_log.close)
    notifier = Notifier(pool, bus)
    stack.push_async_callback(notifier.close)
    app.state.notifier = notifier
    notifier.observers.append(socket_log.observe)
    metrics.watch_connections(lambda: notifier.connection_count)
    await bus.start()
    notifier.start()
    socket_log.start()
