"""What the blog and the cahier de réalisations call: grouped, throttled notices.

`record` is called INSIDE the writer's transaction (the same connection), so a
post or page is notified if and only if it is written (the outbox pattern). A
worker loop (liaison/activity/sender.py) sends each notice once its grace period
(`ACTIVITY_GRACE_SECONDS`) has passed: one push, or one email, with the grouped
title and the link only: never a photo, never the text of the post or page.

`seen` is for the reading routes: someone who opens the blog or the cahier
while a notice waits does not need it any more.
"""

from __future__ import annotations

from uuid import UUID

from liaison.activity import store
from liaison.activity.policy import KINDS
from liaison.activity.store import Topic
from liaison.storage.db import Conn, Connection

__all__ = ["Topic", "record", "record_each", "seen"]


async def record(
    conn: Connection,
    recipients: list[UUID],
    *,
    school_id: UUID,
    kind: str,
    key: UUID,
    name: str,
    url: str,
) -> None:
    """One new post ("blog", key = class id, name = class name) or page ("cahier", key =
    child id, name = child's first name) for each recipient: their pending notice about it
    counts one more, or a new one starts its grace period. The caller leaves out the author."""
    await record_each(conn, [Topic(key, name, url, list(recipients))], school_id=school_id, kind=kind)


async def record_each(conn: Connection, topics: list[Topic], *, school_id: UUID, kind: str) -> None:
    """`record` for several topics at once (a class page: each child's cahier), in one statement."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    await store.add(conn, topics, school_id=school_id, kind=kind)


async def seen(conn: Conn, user_id: UUID, kind: str, key: UUID) -> bool:
    """The person opened what the notice was about: it is not sent. True if one was waiting.
    A notice already being sent is not stopped."""
    return await store.forget_pending(conn, user_id, kind, key)
