"""The check before children's photos are shown outside their own cahier."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import asyncpg

from liaison.consent import store
from liaison.core.errors import ApiError, ErrorCode
from liaison.storage.db import Conn


def consent_missing(children: list[asyncpg.Record]) -> ApiError:
    """409 `consent_missing` naming the children, with `children: [{"id", "display_name"}]`."""
    names = [c["display_name"] for c in children]
    if len(names) == 1:
        message = f"Photo de {names[0]} : il manque l'accord de ses responsables pour publier."
    else:
        listed = ", ".join(names[:-1]) + " et " + names[-1]
        message = f"Photos de {listed} : il manque l'accord de leurs responsables pour publier."
    return ApiError(
        409,
        ErrorCode.CONSENT_MISSING,
        message,
        extra={"children": [{"id": str(c["id"]), "display_name": c["display_name"]} for c in children]},
    )


async def require_consent(conn: Conn, child_ids: Iterable[UUID]) -> None:
    """Raise 409 `consent_missing` unless every one of these children has consent."""
    missing = await store.children_without_consent(conn, list(child_ids))
    if missing:
        raise consent_missing(missing)
