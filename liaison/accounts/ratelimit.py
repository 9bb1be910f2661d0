"""Failed sign-in attempts, counted per login and per address.

A fixed window per key: simple, and with Redis shared by every web process.
Only failures count, so a family signing in every morning is never blocked,
while guessing a password is slowed to a few attempts per window.
"""

from __future__ import annotations

import abc
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError


@dataclass(frozen=True)
class Limit:
    scope: str  # "login" or "ip"
    max_failures: int
    window_seconds: int


class FailureCounter(abc.ABC):
    @abc.abstractmethod
    async def retry_after(self, key: str, limit: Limit) -> int:
        """Seconds to wait before trying again, 0 when allowed."""

    @abc.abstractmethod
    async def record_failure(self, key: str, limit: Limit) -> None: ...

    @abc.abstractmethod
    async def reset(self, key: str, limit: Limit) -> None: ...


def _key(key: str, limit: Limit, prefix: str = "liaison:") -> str:
    # Hashed: the login and address never sit in Redis in clear.
    return f"{prefix}login-failures:{limit.scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


class MemoryFailureCounter(FailureCounter):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._clock = clock

    def _current(self, name: str) -> tuple[float, int]:
        started, count = self._windows.get(name, (0.0, 0))
        return started, count

    async def retry_after(self, key: str, limit: Limit) -> int:
        started, count = self._current(_key(key, limit))
        remaining = started + limit.window_seconds - self._clock()
        if count >= limit.max_failures and remaining > 0:
            return max(1, int(remaining + 0.999))
        return 0

    async def record_failure(self, key: str, limit: Limit) -> None:
        name = _key(key, limit)
        started, count = self._current(name)
        now = self._clock()
        if now - started >= limit.window_seconds:
            started, count = now, 0
        self._windows[name] = (started, count + 1)
        if len(self._windows) > 100_000:  # forget finished windows, bounded memory
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < limit.window_seconds}

    async def reset(self, key: str, limit: Limit) -> None:
        self._windows.pop(_key(key, limit), None)


class RedisFailureCounter(FailureCounter):
    def __init__(self, client: aioredis.Redis, prefix: str = "liaison:") -> None:
        self.client = client
        self.prefix = prefix
        self.fallback = MemoryFailureCounter()

    async def retry_after(self, key: str, limit: Limit) -> int:
        try:
            name = _key(key, limit, self.prefix)
            # One call per line: the chained form has no type (redis-py types
            # a pipeline's commands as awaitables, though they return it).
            pipe = self.client.pipeline(transaction=False)
            pipe.get(name)
            pipe.ttl(name)
            count, ttl = await pipe.execute()
        except RedisError:
            return await self.fallback.retry_after(key, limit)
        if count is not None and int(count) >= limit.max_failures and ttl > 0:
            return int(ttl)
        return 0

    async def record_failure(self, key: str, limit: Limit) -> None:
        name = _key(key, limit, self.prefix)
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, limit.window_seconds, nx=True)
            await pipe.execute()
        except RedisError:
            await self.fallback.record_failure(key, limit)

    async def reset(self, key: str, limit: Limit) -> None:
        try:
            await self.client.delete(_key(key, limit, self.prefix))
        except RedisError:
            await self.fallback.reset(key, limit)
