"""The SQL of the event log (see the design note in `liaison/realtime/__init__.py`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from liaison.core.events import NewEvent
from liaison.storage.db import Conn, Connection


@dataclass(frozen=True)
class Event:
    pos: int
    type: str
    data: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        return {"type": self.type, "pos": self.pos, "data": self.data}

    def to_json(self) -> str:
        return json.dumps(self.to_api(), separators=(",", ":"), ensure_ascii=False)


async def append(conn: Connection, school_id: UUID, events: Sequence[NewEvent]) -> int:
    """Give the events their positions and write them with their recipients.

    Call it last in the transaction: the stream's row stays locked until
    commit, which is what keeps commits in position order. Returns the last
    position written (to publish after commit)."""
    events = [e for e in events if e.recipients]
    if not events:
        return 0
    last: int = await conn.fetchval(
        """INSERT INTO event_streams (school_id, last_pos) VALUES ($1, $2)
           ON CONFLICT (school_id) DO UPDATE SET last_pos = event_streams.last_pos + $2
           RETURNING last_pos""",
        school_id,
        len(events),
    )
    first = last - len(events) + 1
    positions = range(first, last + 1)
    await conn.executemany(
        "INSERT INTO events (school_id, pos, type, data) VALUES ($1, $2, $3, $4)",
        [(school_id, pos, e.type, e.data) for pos, e in zip(positions, events, strict=True)],
    )
    users: list[UUID] = []
    user_positions: list[int] = []
    for pos, event in zip(positions, events, strict=True):
        unique = list(dict.fromkeys(event.recipients))
        users.extend(unique)
        user_positions.extend([pos] * len(unique))
    await conn.copy_records_to_table(
        "event_recipients",
        records=[(u, p, school_id) for u, p in zip(users, user_positions, strict=True)],
        columns=["user_id", "pos", "school_id"],
    )
    return last


async def head(conn: Conn, school_id: UUID) -> int:
    last: int = await conn.fetchval(
        "SELECT coalesce((SELECT last_pos FROM event_streams WHERE school_id = $1), 0)", school_id
    )
    return last


async def heads(conn: Conn, school_ids: Iterable[UUID]) -> dict[UUID, int]:
    rows = await conn.fetch(
        "SELECT school_id, last_pos FROM event_streams WHERE school_id = ANY($1::uuid[])", list(school_ids)
    )
    return {r["school_id"]: r["last_pos"] for r in rows}


class Gap(Exception):
    """The events after that position are partly forgotten: reload, then
    follow from `head`."""

    def __init__(self, head: int) -> None:
        super().__init__(head)
        self.head = head


async def for_user(
    conn: Conn, user_id: UUID, school_id: UUID, since: int, limit: int = 500
) -> tuple[list[Event], int]:
    """The user's events after `since`, and the position to go on from, read
    in one statement (one snapshot): a client given that position misses
    nothing, even if events commit while it reads. Raises Gap when some of
    those events were pruned."""
    rows = await conn.fetch(
        """WITH stream AS (
               SELECT coalesce(max(last_pos), 0) AS head, coalesce(max(pruned_upto), 0) AS pruned
               FROM event_streams WHERE school_id = $2)
           SELECT stream.head, stream.pruned, e.pos, e.type, e.data
           FROM stream LEFT JOIN LATERAL (
               SELECT ev.pos, ev.type, ev.data
               FROM event_recipients r JOIN events ev ON ev.school_id = r.school_id AND ev.pos = r.pos
               WHERE r.user_id = $1 AND r.pos > $3
               ORDER BY r.pos LIMIT $4) e ON true
           ORDER BY e.pos""",
        user_id,
        school_id,
        since,
        limit,
    )
    if since < rows[0]["pruned"]:
        raise Gap(rows[0]["head"])
    events = [Event(r["pos"], r["type"], r["data"]) for r in rows if r["pos"] is not None]
    if len(events) == limit:
        # Not at the head yet: go on from the last event given, not the head.
        return events, events[-1].pos
    return events, max(rows[0]["head"], since)


async def for_users(
    conn: Conn, school_id: UUID, after: int, upto: int, user_ids: Sequence[UUID]
) -> list[tuple[Event, list[UUID]]]:
    """Events of a school in (after, upto], each once with those of the given
    users (the ones connected to this process) who may see it."""
    rows = await conn.fetch(
        """SELECT e.pos, e.type, e.data, r.users
           FROM (SELECT pos, array_agg(user_id) AS users FROM event_recipients
                 WHERE school_id = $1 AND pos > $2 AND pos <= $3 AND user_id = ANY($4::uuid[])
                 GROUP BY pos) r
           JOIN events e ON e.school_id = $1 AND e.pos = r.pos
           ORDER BY e.pos""",
        school_id,
        after,
        upto,
        list(user_ids),
    )
    return [(Event(r["pos"], r["type"], r["data"]), r["users"]) for r in rows]


async def prune(conn: Connection, days: int) -> int:
    """Forget events older than the retention. A client that comes back from
    further away is told to reload (`Gap`) rather than resumed with holes."""
    cutoffs = await conn.fetch(
        """SELECT school_id, max(pos) AS upto FROM events
           WHERE created_at < now() - make_interval(days => $1) GROUP BY school_id""",
        days,
    )
    removed = 0
    for row in cutoffs:
        async with conn.transaction():
            await conn.execute(
                "UPDATE event_streams SET pruned_upto = greatest(pruned_upto, $2) WHERE school_id = $1",
                row["school_id"],
                row["upto"],
            )
            await conn.execute(
                "DELETE FROM event_recipients WHERE school_id = $1 AND pos <= $2",
                row["school_id"],
                row["upto"],
            )
            status = await conn.execute(
                "DELETE FROM events WHERE school_id = $1 AND pos <= $2", row["school_id"], row["upto"]
            )
            removed += int(status.split()[-1])
    return removed
