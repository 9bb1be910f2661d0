"""What a route hands to the services: the app's pool, bus and settings."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from starlette.requests import HTTPConnection

from liaison.bus import Bus
from liaison.config import Settings


@dataclass(frozen=True)
class Context:
    pool: asyncpg.Pool
    bus: Bus
    settings: Settings

    @classmethod
    def of(cls, request: HTTPConnection) -> Context:
        state = request.app.state
        return cls(state.pool, state.bus, state.settings)
