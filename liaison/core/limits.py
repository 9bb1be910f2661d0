"""Attempts counted per key in fixed windows: sign-ins (per login, address,
and both) and floods (messages and uploads per user).

A fixed window per key: simple, and with Redis shared by every web process.
An attempt is counted *before* the work it asks for (a password check, a
message), for every key at once and atomically (a Lua script in Redis; no
await between the read and the write in memory), so that a burst of parallel
requests gets no more than the same requests sent one by one. When any key is
at its limit nothing is counted: a refused attempt costs the other keys
nothing, so a stranger held back on one pair cannot push a login towards its
ceiling. A sign-in that succeeds is given back (its counts keep failures
only). The reasoning is in docs/accounts-and-security.md.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from liaison.core.errors import ApiError, ErrorCode


@dataclass(frozen=True)
class Limit:
    scope: str  # "pair" (login and address), "login", "ip", "post", "upload"
    max_failures: int
    window_seconds: int


Keyed = tuple[str, Limit]  # the key counted (a login, an address...) and its limit


class FailureCounter(abc.ABC):
    @abc.abstractmethod
    async def attempt(self, keys: Sequence[Keyed]) -> int:
        """Count one attempt against every key, all or none: 0 when allowed
        (counted), else the seconds to wait before trying again (nothing counted)."""

    @abc.abstractmethod
    async def give_back(self, keys: Sequence[Keyed]) -> None:
        """An attempt counted that was not a failure: uncount it."""

    @abc.abstractmethod
    async def reset(self, key: str, limit: Limit) -> None: ...


def _key(key: str, limit: Limit, prefix: str = "liaison:") -> str:
    # Hashed: the login and address never sit in Redis in clear.
    return f"{prefix}limits:{limit.scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


class MemoryFailureCounter(FailureCounter):
    """One process's counts. Atomic because no method awaits between reading
    and writing: the event loop runs one of them at a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[str, tuple[float, int, int]] = {}  # name → (started, count, window)
        self._clock = clock

    def _count(self, name: str, now: float) -> tuple[float, int]:
        started, count, window = self._windows.get(name, (0.0, 0, 0))
        if now - started >= window:
            return now, 0
        return started, count

    async def attempt(self, keys: Sequence[Keyed]) -> int:
        now = self._clock()
        wait = 0.0
        counts = []
        for key, limit in keys:
            name = _key(key, limit)
            started, count = self._count(name, now)
            counts.append((name, started, count, limit))
            if count >= limit.max_failures:
                wait = max(wait, started + limit.window_seconds - now)
        if wait > 0:
            return max(1, int(wait + 0.999))
        for name, started, count, limit in counts:
            self._windows[name] = (started, count + 1, limit.window_seconds)
        if len(self._windows) > 100_000:  # forget finished windows, bounded memory
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < v[2]}
        return 0

    async def give_back(self, keys: Sequence[Keyed]) -> None:
        now = self._clock()
        for key, limit in keys:
            name = _key(key, limit)
            started, count = self._count(name, now)
            if count > 0:
                self._windows[name] = (started, count - 1, limit.window_seconds)

    async def reset(self, key: str, limit: Limit) -> None:
        self._windows.pop(_key(key, limit), None)


# KEYS: the counters; ARGV: their limits then their windows. Refuses (counting
# nothing) with the longest wait among the keys at their limit, else counts
# one on each, starting a window where none runs.
_ATTEMPT = """
local n = #KEYS
local wait = 0
for i = 1, n do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[i]) then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 then
      redis.call('EXPIRE', KEYS[i], ARGV[n + i])
      ttl = tonumber(ARGV[n + i])
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, n do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[n + i]) end
end
return 0
"""

# Uncount one where a window still runs (never recreate an expired key).
_GIVE_BACK = """
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count > 0 then redis.call('DECR', KEYS[i]) end
end
return 0
"""


class RedisFailureCounter(FailureCounter):
    """Shared by every process; falls back to this process's counts while
    Redis is out of reach (limits stay, per process). At most a few calls at
    a time: a burst of sign-ins queues here rather than exhausting the
    client's connections (which would send it to the per-process fallback)."""

    def __init__(self, client: aioredis.Redis, prefix: str = "liaison:", concurrency: int = 16) -> None:
        self.client = client
        self.prefix = prefix
        self.fallback = MemoryFailureCounter()
        self._gate = asyncio.Semaphore(concurrency)

    async def attempt(self, keys: Sequence[Keyed]) -> int:
        names = [_key(key, limit, self.prefix) for key, limit in keys]
        args = [limit.max_failures for _, limit in keys] + [limit.window_seconds for _, limit in keys]
        try:
            async with self._gate:
                wait = await self.client.eval(_ATTEMPT, len(names), *names, *args)
        except RedisError:
            return await self.fallback.attempt(keys)
        return int(wait)

    async def give_back(self, keys: Sequence[Keyed]) -> None:
        names = [_key(key, limit, self.prefix) for key, limit in keys]
        try:
            async with self._gate:
                await self.client.eval(_GIVE_BACK, len(names), *names)
        except RedisError:
            await self.fallback.give_back(keys)

    async def reset(self, key: str, limit: Limit) -> None:
        try:
            async with self._gate:
                await self.client.delete(_key(key, limit, self.prefix))
        except RedisError:
            await self.fallback.reset(key, limit)


# -- floods --------------------------------------------------------------------


async def hold_back(counter: FailureCounter, user_id: object, limit: Limit, message: str) -> None:
    """Count one more of `limit.scope` for this user; 429 `rate_limited` with
    `Retry-After` once the window's allowance is spent (nothing counted then)."""
    wait = await counter.attempt([(str(user_id), limit)])
    if wait:
        raise ApiError(429, ErrorCode.RATE_LIMITED, message, headers={"Retry-After": str(wait)})
