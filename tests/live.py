"""A real WebSocket client of /ws for the tests: wait for events, never sleep."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

WAIT = 15.0  # a bound on every wait, so that a failure fails instead of hanging


class Live:
    def __init__(self, connection: websockets.ClientConnection, ready_pos: int) -> None:
        self.connection = connection
        self.ready_pos = ready_pos
        self.received: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, base_url: str, token: str, since: int | None = None, how: str = "resume") -> Live:
        """`how` the client says where it resumes from: a `resume` frame after
        `ready` (API.md), `since` in the auth frame, or `?since=` in the URL."""
        url = base_url.replace("http://", "ws://") + "/ws"
        if since is not None and how == "url":
            url += f"?since={since}"
        connection = await websockets.connect(url, max_size=2**22, compression=None)
        auth = {"type": "auth", "token": token}
        if since is not None and how == "auth":
            auth["since"] = since
        await connection.send(json.dumps(auth))
        ready = json.loads(await asyncio.wait_for(connection.recv(), WAIT))
        assert ready["type"] == "ready", ready
        if since is not None and how == "resume":
            await connection.send(json.dumps({"type": "resume", "since": since}))
        return cls(connection, ready["pos"])

    async def next(self, kind: str | None = None) -> dict[str, Any]:
        """The next frame (of that type, skipping others)."""
        while True:
            frame = json.loads(await asyncio.wait_for(self.connection.recv(), WAIT))
            if "pos" in frame:
                self.received.append(frame)
            if kind is None or frame["type"] == kind:
                return frame

    async def until(self, predicate) -> dict[str, Any]:
        while True:
            frame = await self.next()
            if predicate(frame):
                return frame

    async def until_pos(self, pos: int) -> list[dict[str, Any]]:
        """Every event up to and including `pos`."""
        while not self.received or self.received[-1]["pos"] < pos:
            await self.next()
        return self.received

    @property
    def last_pos(self) -> int:
        return self.received[-1]["pos"] if self.received else self.ready_pos

    async def close(self) -> None:
        await self.connection.close()
