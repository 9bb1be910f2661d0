from __future__ import annotations

import asyncio
from typing import Any

from liaison.bus.base import Bus


class MemoryBus(Bus):
    """Delivers within this process, on the next turn of the event loop,
    so that a publisher never runs subscribers inside its own call stack."""

    def __init__(self) -> None:
        super().__init__()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._dispatch(channel, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def ping(self) -> bool:
        return True
