"""Health, readiness, metrics and the one log line per request."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison.accounts import tokens
from liaison.core.errors import not_found
from liaison.web.errors import RETRY_AFTER_SECONDS
from liaison.web.routing import route

access_log = logging.getLogger("liaison.access")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "liaison_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liaison_http_request_duration_seconds",
            "HTTP request duration by route and method.",
            ["route", "method"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.connections = Gauge(
            "liaison_realtime_connections",
            "Open WebSocket and long-polling connections of this process.",
            registry=self.registry,
        )

    def watch_connections(self, count: Callable[[], int]) -> None:
        self.connections.set_function(count)


class RequestObserver:
    """Times every HTTP request, counts it under its route template (never
    the raw path: ids would explode the metrics and leak into logs), and
    writes one JSON log line without query strings or headers."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(elapsed)
            session = scope.get("liaison.session")
            access_log.info(
                json.dumps(
                    {
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "user": str(session.user.id) if session else None,
                    }
                )
            )


def _route_template(scope: Scope) -> str:
    endpoint = scope.get("endpoint")
    templates = scope["app"].state.route_templates if "app" in scope else {}
    if endpoint is not None and endpoint in templates:
        template: str = templates[endpoint]
        return template
    path = scope.get("path", "")
    return "/static" if not path.startswith("/api/") else "unmatched"


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    state = request.app.state
    database = False
    try:
        async with asyncio.timeout(2):
            database = await state.pool.fetchval("SELECT 1") == 1
    except Exception:  # any failure means "not ready", never a 500
        database = False
    bus = await state.bus.ping()
    ready = database and bus
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "database": database, "bus": bus},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


_FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _may_read_metrics(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token:
        return tokens.same(request.headers.get("authorization", ""), f"Bearer {token}")
    # Without a token, only this machine reads them; a request a reverse proxy
    # on this machine passes on comes from the loopback too, but carries its
    # forwarding headers: it is not local (FORWARDED_ALLOW_IPS unset).
    if any(name in request.headers for name in _FORWARDING_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics(request: Request) -> Response:
    if not _may_read_metrics(request):
        raise not_found()
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


routes = [
    route("/healthz", GET=healthz),
    route("/readyz", GET=readyz),
    route("/metrics", GET=metrics),
]
