"""The bus between processes: a doorbell, never the log.

PostgreSQL holds every event; the bus only tells the other processes that
something was committed, so they read it. Two implementations share one
interface: `MemoryBus` for the single-process default, `RedisBus` when
several web and worker processes run side by side.
"""

from liaison.bus.base import Bus, Handler
from liaison.bus.memory import MemoryBus
from liaison.bus.redis import RedisBus

__all__ = ["Bus", "Handler", "MemoryBus", "RedisBus"]
