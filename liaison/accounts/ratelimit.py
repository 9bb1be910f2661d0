"""The sign-in limits' counters: the same as every other limit's, in
`liaison.core.limits` (kept here under their old names)."""

from __future__ import annotations

from liaison.core.limits import (
    FailureCounter,
    Keyed,
    Limit,
    MemoryFailureCounter,
    RedisFailureCounter,
    _key,
)

__all__ = ["FailureCounter", "Keyed", "Limit", "MemoryFailureCounter", "RedisFailureCounter", "_key"]
