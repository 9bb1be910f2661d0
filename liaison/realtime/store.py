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


async def append(conn: Connection, school_id: UUID, events: Sequence[NewEvent]) -> dict[UUID, int]:
    """Give the events their positions and write them with their recipients.

    Each event goes into the stream of each of its recipients
    (`users.stream_id`): once per stream, with that stream's recipients.
    `school_id` is the school the change belongs to; it decides nothing here
    (an announcement of an RPI reaches the streams of three schools).

    Call it last in the transaction: the streams' rows stay locked until
    commit, which is what keeps commits in position order. They are locked in
    one order (sorted stream ids), so two writers never deadlock. Returns each
    stream's last position written (to publish after commit)."""
    del school_id  # kept for the callers: where an event goes is its recipients' business
    recipients = [list(dict.fromkeys(e.recipients)) for e in events]
    everyone = list(dict.fromkeys(u for users in recipients for u in users))
    if not everyone:
        return {}
    stream_of = await _streams_of(conn, everyone)
    # stream -> [(event, its recipients in that stream)], events in their order
    copies: dict[UUID, list[tuple[NewEvent, list[UUID]]]] = {}
    for event, users in zip(events, recipients, strict=True):
        by_stream: dict[UUID, list[UUID]] = {}
        for user in users:
            stream = stream_of.get(user)
            if stream is not None:  # the platform admin has no stream
                by_stream.setdefault(stream, []).append(user)
        for stream, members in by_stream.items():
            copies.setdefault(stream, []).append((event, members))
    if not copies:
        return {}
    streams = sorted(copies)
    # One statement; its rows are locked one after the other in stream order.
    bumped = await conn.fetch(
        """INSERT INTO event_streams (stream_id, last_pos)
           SELECT s, n FROM unnest($1::uuid[], $2::bigint[]) AS t(s, n) ORDER BY s
           ON CONFLICT (stream_id) DO UPDATE SET last_pos = event_streams.last_pos + excluded.last_pos
           RETURNING stream_id, last_pos""",
        streams,
        [len(copies[s]) for s in streams],
    )
    heads: dict[UUID, int] = {r["stream_id"]: r["last_pos"] for r in bumped}
    event_rows: list[tuple[UUID, int, str, dict[str, Any]]] = []
    recipient_rows: list[tuple[UUID, int, UUID]] = []
    for stream in streams:
        pos = heads[stream] - len(copies[stream])
        for event, members in copies[stream]:
            pos += 1
            event_rows.append((stream, pos, event.type, event.data))
            recipient_rows.extend((user, pos, stream) for user in members)
    await conn.executemany(
        "INSERT INTO events (stream_id, pos, type, data) VALUES ($1, $2, $3, $4)", event_rows
    )
    await conn.copy_records_to_table(
        "event_recipients", records=recipient_rows, columns=["user_id", "pos", "stream_id"]
    )
    return heads


# Above this many recipients the planner reads the whole `users` table (a
# sequential scan that grows with the territory); the primary key's bitmap
# scan is 1.5-3x faster for an announcement to a school of 6,500.
_MANY = 1000


# A person's stream is fixed when the account is created and never changes
# (that is what keeps their positions growing), so each process remembers
# the ones it has read: an announcement to a school of 6,500 asks PostgreSQL
# only about people it has never written to. Bounded: a territory has
# 190,000 people; past the bound the memory starts afresh.
_KNOWN_STREAMS: dict[UUID, UUID] = {}
_KNOWN_STREAMS_MAX = 400_000


async def _streams_of(conn: Connection, user_ids: list[UUID]) -> dict[UUID, UUID]:
    """Each user's stream (the platform admin, who has none, is left out)."""
    known = _KNOWN_STREAMS
    streams = {u: known[u] for u in user_ids if u in known}
    unknown = [u for u in user_ids if u not in streams]
    if unknown:
        query = "SELECT id, stream_id FROM users WHERE id = ANY($1::uuid[]) AND stream_id IS NOT NULL"
        if len(unknown) <= _MANY:
            rows = await conn.fetch(query, unknown)
        else:
            await conn.execute("SET LOCAL enable_seqscan = off")
            rows = await conn.fetch(query, unknown)
            await conn.execute("SET LOCAL enable_seqscan = on")
        found = {r["id"]: r["stream_id"] for r in rows}
        if len(known) + len(found) > _KNOWN_STREAMS_MAX:
            known.clear()
        known.update(found)
        streams.update(found)
    return streams


async def head(conn: Conn, stream_id: UUID) -> int:
    last: int = await conn.fetchval(
        "SELECT coalesce((SELECT last_pos FROM event_streams WHERE stream_id = $1), 0)", stream_id
    )
    return last


async def heads(conn: Conn, stream_ids: Iterable[UUID]) -> dict[UUID, int]:
    rows = await conn.fetch(
        "SELECT stream_id, last_pos FROM event_streams WHERE stream_id = ANY($1::uuid[])", list(stream_ids)
    )
    return {r["stream_id"]: r["last_pos"] for r in rows}


class Gap(Exception):
    """The events after that position are partly forgotten: reload, then
    follow from `head`."""

    def __init__(self, head: int) -> None:
        super().__init__(head)
        self.head = head


async def for_user(
    conn: Conn, user_id: UUID, stream_id: UUID, since: int, limit: int = 500
) -> tuple[list[Event], int]:
    """The user's events after `since`, and the position to go on from, read
    in one statement (one snapshot): a client given that position misses
    nothing, even if events commit while it reads. Raises Gap when some of
    those events were pruned."""
    rows = await conn.fetch(
        """WITH stream AS (
               SELECT coalesce(max(last_pos), 0) AS head, coalesce(max(pruned_upto), 0) AS pruned
               FROM event_streams WHERE stream_id = $2)
           SELECT stream.head, stream.pruned, e.pos, e.type, e.data
           FROM stream LEFT JOIN LATERAL (
               SELECT ev.pos, ev.type, ev.data
               FROM event_recipients r JOIN events ev ON ev.stream_id = r.stream_id AND ev.pos = r.pos
               WHERE r.user_id = $1 AND r.pos > $3
               ORDER BY r.pos LIMIT $4) e ON true
           ORDER BY e.pos""",
        user_id,
        stream_id,
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
    conn: Conn, stream_id: UUID, after: int, upto: int, user_ids: Sequence[UUID]
) -> list[tuple[Event, list[UUID]]]:
    """Events of a stream in (after, upto], each once with those of the given
    users (the ones connected to this process) who may see it."""
    rows = await conn.fetch(
        """SELECT e.pos, e.type, e.data, r.users
           FROM (SELECT pos, array_agg(user_id) AS users FROM event_recipients
                 WHERE stream_id = $1 AND pos > $2 AND pos <= $3 AND user_id = ANY($4::uuid[])
                 GROUP BY pos) r
           JOIN events e ON e.stream_id = $1 AND e.pos = r.pos
           ORDER BY e.pos""",
        stream_id,
        after,
        upto,
        list(user_ids),
    )
    return [(Event(r["pos"], r["type"], r["data"]), r["users"]) for r in rows]


async def prune(conn: Connection, days: int) -> int:
    """Forget events older than the retention. A client that comes back from
    further away is told to reload (`Gap`) rather than resumed with holes."""
    cutoffs = await conn.fetch(
        """SELECT stream_id, max(pos) AS upto FROM events
           WHERE created_at < now() - make_interval(days => $1) GROUP BY stream_id""",
        days,
    )
    removed = 0
    for row in cutoffs:
        async with conn.transaction():
            await conn.execute(
                "UPDATE event_streams SET pruned_upto = greatest(pruned_upto, $2) WHERE stream_id = $1",
                row["stream_id"],
                row["upto"],
            )
            await conn.execute(
                "DELETE FROM event_recipients WHERE stream_id = $1 AND pos <= $2",
                row["stream_id"],
                row["upto"],
            )
            status = await conn.execute(
                "DELETE FROM events WHERE stream_id = $1 AND pos <= $2", row["stream_id"], row["upto"]
            )
            removed += int(status.split()[-1])
    return removed
