"""One client's live stream: a bounded queue between the notifier and a socket.

The notifier never waits for a client: it drops events into the queue, and a
client too slow to empty it is cut off (it will resume from its last
position) rather than slowing everyone else.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

DEFAULT_QUEUE_SIZE = 1000


EVENT, FRAME, WAKE = "event", "frame", "wake"


class Connection:
    """Items are (kind, pos, text): an event at a position, another frame to
    send as is (pong, error), or a wake-up for the writer."""

    def __init__(self, user_id: UUID, stream_id: UUID, max_queue: int = DEFAULT_QUEUE_SIZE) -> None:
        self.user_id = user_id
        self.stream_id = stream_id  # the user's one stream (`users.stream_id`)
        self.queue: asyncio.Queue[tuple[str, int, str]] = asyncio.Queue(max_queue)
        self.overflowed = asyncio.Event()
        self._offered = 0  # highest position put in the queue

    def mark_start(self, pos: int) -> None:
        self._offered = pos

    def offer(self, pos: int, text: str) -> None:
        if pos <= self._offered:
            return
        if self._put((EVENT, pos, text)):
            self._offered = pos

    def say(self, text: str) -> None:
        self._put((FRAME, 0, text))

    def wake(self) -> None:
        self._put((WAKE, 0, ""))

    def _put(self, item: tuple[str, int, str]) -> bool:
        if self.overflowed.is_set():
            return False
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed.set()
            return False
        return True
