from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from liaison.bus.base import Bus

log = logging.getLogger("liaison.bus")


class RedisBus(Bus):
    """Redis pub/sub. Pub/sub drops messages silently when a connection
    breaks, so every (re)subscription calls the reconnect handlers, which
    re-read what they may have missed from PostgreSQL."""

    def __init__(self, client: aioredis.Redis, prefix: str = "liaison:") -> None:
        super().__init__()
        self.client = client
        self.prefix = prefix  # several deployments may share one Redis
        self.origin = uuid.uuid4().hex  # lets a process ignore its own echoes
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="redis-bus")

    async def close(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    async def wait_subscribed(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        payload = json.dumps({"origin": self.origin, "message": message})
        try:
            await self.client.publish(self.prefix + channel, payload)
        except RedisError:
            # The commit stands; other processes catch up when Redis returns.
            log.warning("redis publish failed on %s; subscribers will catch up", channel)
        # Local subscribers never depend on Redis being up.
        await self._dispatch(channel, message)

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.client.ping(), 2))
        except (TimeoutError, RedisError, OSError):
            return False

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            # Subscription confirmations are kept: redis-py may reconnect and
            # re-subscribe on its own, and each confirmation means "messages
            # may have been lost before this": subscribers re-read PostgreSQL.
            pubsub = self.client.pubsub(ignore_subscribe_messages=False)
            try:
                await pubsub.psubscribe(self.prefix + "*")
                async for raw in pubsub.listen():
                    if raw.get("type") == "psubscribe":
                        self._subscribed.set()
                        backoff = 0.2
                        await self._reconnected()
                    else:
                        await self._receive(raw)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                self._subscribed.clear()
                log.warning("redis bus disconnected (%s); retrying in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    # redis-py leaves PubSub.aclose unannotated.
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _receive(self, raw: dict[str, Any]) -> None:
        if raw.get("type") != "pmessage":
            return
        try:
            envelope = json.loads(raw["data"])
        except (TypeError, ValueError):
            return
        if envelope.get("origin") == self.origin:
            return
        channel = raw["channel"]
        if isinstance(channel, bytes):
            channel = channel.decode()
        await self._dispatch(channel.removeprefix(self.prefix), envelope.get("message") or {})
