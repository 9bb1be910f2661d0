from __future__ import annotations

import abc
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("liaison.bus")

Handler = Callable[[dict[str, Any]], Awaitable[None]]
ReconnectHandler = Callable[[], Awaitable[None]]


class Bus(abc.ABC):
    """Publish after commit; subscribers re-read PostgreSQL on reconnect."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._reconnect_handlers: list[ReconnectHandler] = []

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers[channel].append(handler)

    def on_reconnect(self, handler: ReconnectHandler) -> None:
        """Called after the bus may have lost messages (a Redis reconnect):
        the subscriber catches up from PostgreSQL."""
        self._reconnect_handlers.append(handler)

    async def _dispatch(self, channel: str, message: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(channel, ())):
            try:
                await handler(message)
            except Exception:
                log.exception("bus handler failed on channel %s", channel)

    async def _reconnected(self) -> None:
        for handler in list(self._reconnect_handlers):
            try:
                await handler()
            except Exception:
                log.exception("bus reconnect handler failed")

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    async def ping(self) -> bool:
        """True when the bus can carry messages now (for /readyz)."""
