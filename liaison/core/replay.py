"""The `client_id` of a create that a phone may retry (API.md, Conventions).

The same create sent again by the same user with the same `client_id`
returns the first result and creates nothing, even when both arrive at once:
a unique index on (author, client_id) lets one win, and the other answers
with what the winner wrote. A `client_id` already used for another create
is a conflict (409 `client_id_reused`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from liaison.core.errors import ApiError, ErrorCode

Result = TypeVar("Result")


async def once(
    client_id: str | None,
    *,
    earlier: Callable[[str], Awaitable[asyncpg.Record | None]],
    create: Callable[[], Awaitable[Result]],
    replay: Callable[[asyncpg.Record], Awaitable[Result]],
    unique_index: str,
) -> Result:
    """`earlier(client_id)` finds the row the first create wrote; `replay` shows
    it as the create would have (or raises `reused` when it was another create);
    `unique_index` is the constraint that makes the concurrent twin fail."""
    if client_id is not None:
        first = await earlier(client_id)
        if first is not None:
            return await replay(first)
    try:
        return await create()
    except asyncpg.UniqueViolationError as error:
        if client_id is None or error.constraint_name != unique_index:
            raise
        first = await earlier(client_id)  # the concurrent twin won
        if first is None:
            raise
        return await replay(first)


def reused(what: str) -> ApiError:
    """`what`: "un autre message", "un autre article"..."""
    return ApiError(409, ErrorCode.CLIENT_ID_REUSED, f"Cet identifiant client a déjà servi pour {what}.")
