"""What the event stream's two transports (`routes.py`: the WebSocket and
long polling) read of the event log: a user's own events, never anyone
else's. Who receives an event was decided when it was written (its
recipients), so there is nothing left to decide here."""

from __future__ import annotations

from uuid import UUID

from liaison.core.context import Context
from liaison.core.people import User
from liaison.realtime import store
from liaison.realtime.store import Event, Gap

__all__ = ["Event", "Gap", "events_after", "position"]


async def position(ctx: Context, stream_id: UUID) -> int:
    """Where a client starts following the user's stream, with no backlog."""
    return await store.head(ctx.pool, stream_id)


async def events_after(
    ctx: Context, user: User, stream_id: UUID, since: int, limit: int = 500
) -> tuple[list[Event], int]:
    """The user's events after `since` in their stream, and the position to go
    on from. Raises Gap when some of them were forgotten (the client reloads)."""
    return await store.for_user(ctx.pool, user.id, stream_id, since, limit)
