"""GET /ws (WebSocket) and GET /api/events (long polling): one event stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from liaison.accounts.auth import SESSION_COOKIE, require_user, session_for_token
from liaison.core.context import Context
from liaison.core.people import User
from liaison.realtime import service
from liaison.realtime.connection import EVENT, FRAME, Connection
from liaison.web.requests import query_int
from liaison.web.routing import route

AUTH_TIMEOUT = 5.0
# A client that resumes sends `resume` right after `ready`; live events wait
# this long for it, so that the backlog comes first, in order.
RESUME_WINDOW = 0.5
BACKLOG_PAGE = 500
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_SLOW = 4429  # the client could not keep up: it resumes from its last position


def _same_origin(websocket: WebSocket) -> bool:
    """A browser sends the cookie with a WebSocket opened by any site: only a
    page of our own origin may use it (cross-site WebSocket hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser
    public = urlsplit(websocket.app.state.settings.public_url).netloc
    return urlsplit(origin).netloc in {public, websocket.headers.get("host", "")}


# A position is a PostgreSQL bigint: a larger `since` (2^80) would fail in the
# query and drop the socket; it is a bad frame like any other.
MAX_POSITION = 2**63 - 1


def _position(value: Any) -> int | None:
    """A position sent by a client: an integer from 0 to MAX_POSITION (in the
    URL, its digits), else None. Not a bool, a float or a string in a frame."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_POSITION:
        return value
    return None


async def _authenticate(websocket: WebSocket) -> tuple[User | None, int | None]:
    """The user, and where to resume from if the client said so already (in
    the URL, `/ws?since=N`, or in the auth frame): then the backlog is sent
    first without waiting for a `resume` frame."""
    since = _position(websocket.query_params.get("since"))
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if cookie and _same_origin(websocket):
        user = await session_for_token(websocket, cookie)
        if user:
            return user, since
    try:
        frame = json.loads(await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT))
    except (TimeoutError, ValueError, KeyError, TypeError, RecursionError, WebSocketDisconnect):
        return None, None
    if not isinstance(frame, dict) or frame.get("type") != "auth" or not isinstance(frame.get("token"), str):
        return None, None
    if not frame["token"].isascii() or "\x00" in frame["token"]:  # a token is ASCII: "\ud800" cannot encode
        return None, None
    if "since" in frame:
        since = _position(frame["since"])
    return await session_for_token(websocket, frame["token"]), since


def _frame(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False)


class _Stream:
    """The life of one authenticated socket: a reader and a single writer, so
    that everything the client receives is in order."""

    def __init__(
        self, websocket: WebSocket, user: User, connection: Connection, start: int, since: int | None
    ) -> None:
        self.websocket = websocket
        self.user = user
        self.connection = connection
        self.sent = start
        self.pending_resume = since
        self.first_frame = asyncio.Event()
        if since is not None:
            self.first_frame.set()  # the client already said where it resumes from

    async def run(self) -> None:
        tasks = {
            asyncio.create_task(self._read()),
            asyncio.create_task(self._write()),
            asyncio.create_task(self.connection.overflowed.wait()),
        }
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.connection.overflowed.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(CLOSE_TOO_SLOW), 1.0)

    async def _read(self) -> None:
        while True:
            try:
                text = await self.websocket.receive_text()
            except (WebSocketDisconnect, KeyError):
                return  # KeyError: a binary frame, which we never expect
            self.first_frame.set()
            self._handle(text)

    def _handle(self, text: str) -> None:
        try:
            frame = json.loads(text)
            kind = frame["type"]
        except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: "[[[[…"
            self.connection.say(
                _frame("error", code="bad_frame", message="Message illisible (JSON attendu).")
            )
            return
        if kind == "resume":
            since = frame.get("since")
            if isinstance(since, str) or _position(since) is None:  # 2^80, -1, 1.5, "3", true
                self.connection.say(
                    _frame("error", code="bad_frame", message="« since » doit être un entier positif.")
                )
                return
            self.pending_resume = since
            self.connection.wake()
        elif kind == "ping":
            self.connection.say(_frame("pong"))
        elif kind != "auth":
            self.connection.say(_frame("error", code="bad_frame", message="Type de message inconnu."))

    async def _write(self) -> None:
        # asyncio.timeout, not wait_for: wait_for may swallow our cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RESUME_WINDOW):
                await self.first_frame.wait()
        queue = self.connection.queue
        while True:
            if self.pending_resume is not None:
                since, self.pending_resume = self.pending_resume, None
                await self._send_backlog(since)
                continue
            kind, pos, text = await queue.get()
            if kind == EVENT and pos > self.sent:
                await self.websocket.send_text(text)
                self.sent = pos
            elif kind == FRAME:
                await self.websocket.send_text(text)

    async def _send_backlog(self, since: int) -> None:
        ctx = Context.of(self.websocket)
        cursor = since
        # The client has everything up to `since`, perhaps from a process
        # ahead of this one: what our notifier offers later up to there is old.
        self.sent = max(self.sent, since)
        while True:
            try:
                events, _ = await service.events_after(
                    ctx, self.user, self.connection.stream_id, cursor, BACKLOG_PAGE
                )
            except service.Gap as gap:
                # Too far back: the client reloads its inbox and follows from here.
                await self.websocket.send_text(_frame("reset", pos=gap.head))
                self.sent = max(self.sent, gap.head)
                return
            for event in events:
                await self.websocket.send_text(event.to_json())
            if events:
                cursor = events[-1].pos
                self.sent = max(self.sent, cursor)
            if len(events) < BACKLOG_PAGE:
                return


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    user, since = await _authenticate(websocket)
    if user is None:
        await websocket.close(CLOSE_UNAUTHENTICATED, "Authentification requise")
        return
    if user.stream_id is None:  # the platform admin has no stream
        await websocket.send_text(_frame("ready", pos=0))
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()
        return
    notifier = websocket.app.state.notifier
    # One stream per person, whatever the number of their schools: a family
    # of two schools, a circonscription's team member follow theirs.
    connection = Connection(user.id, user.stream_id)
    start = await notifier.register(connection)
    try:
        await websocket.send_text(_frame("ready", pos=start))
        await _Stream(websocket, user, connection, start, since).run()
    except WebSocketDisconnect:
        pass
    finally:
        notifier.unregister(connection)


async def long_poll(request: Request) -> Response:
    user = await require_user(request)
    timeout = query_int(request, "timeout", 25, 0, 60)
    if user.stream_id is None:  # the platform admin has no stream
        return JSONResponse({"events": [], "pos": 0})
    ctx = Context.of(request)
    stream_id: UUID = user.stream_id
    if request.query_params.get("since") in (None, ""):
        return JSONResponse({"events": [], "pos": await service.position(ctx, stream_id)})
    since = query_int(request, "since", 0, 0, 2**62)
    notifier = request.app.state.notifier
    connection = Connection(user.id, stream_id)
    await notifier.register(connection)
    try:
        events, pos = await service.events_after(ctx, user, stream_id, since)
        if not events and timeout:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(connection.queue.get(), timeout)
                events, pos = await service.events_after(ctx, user, stream_id, since)
    except service.Gap as gap:
        return JSONResponse({"events": [], "pos": gap.head, "reset": True})
    finally:
        notifier.unregister(connection)
    return JSONResponse({"events": [e.to_api() for e in events], "pos": pos})


routes = [
    WebSocketRoute("/ws", websocket_endpoint),
    route("/api/events", GET=long_poll),
]
