"""Paged lists: `?limit=` and an opaque `next` cursor naming the last row shown.

Every list is ordered by a time and an id (most recent first); the cursor
carries both, so that a page starts strictly after the previous one even
when rows share a time.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from uuid import UUID

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Cursor = tuple[dt.datetime, UUID]


def encode_cursor(moment: dt.datetime, row_id: UUID) -> str:
    raw = json.dumps([moment.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Cursor | None:
    """None for anything that is not a cursor this service wrote."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, row_id = json.loads(raw)
        return dt.datetime.fromisoformat(moment), UUID(row_id)
    except (ValueError, TypeError):
        return None
