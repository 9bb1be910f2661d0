"""The SQL of activity notices: one pending row per (person, kind, key)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from liaison.storage.db import Conn, Connection

_COLUMNS = """id, user_id, school_id, kind, key, name, url, count, first_at, attempts, in_doubt,
              first_try_at"""


@dataclass(frozen=True)
class Notice:
    id: int
    user_id: UUID
    school_id: UUID
    kind: str
    key: UUID
    name: str
    url: str
    count: int
    first_at: dt.datetime
    attempts: int
    in_doubt: bool
    first_try_at: dt.datetime | None


@dataclass(frozen=True)
class Topic:
    """What a notice is about, for some of its readers: a cahier, a blog."""

    key: UUID
    name: str
    url: str
    recipients: list[UUID]


async def add(conn: Connection, topics: list[Topic], *, school_id: UUID, kind: str) -> None:
    """One more post or page for each person of each topic, in one statement (a
    class page is news in every child's cahier): a new pending notice, or +1 on
    theirs. Sorted, so that two writers touching the same people lock them in one order."""
    rows = sorted({(user, t.key, t.name, t.url) for t in topics for user in t.recipients})
    if not rows:
        return
    users, keys, names, urls = (list(column) for column in zip(*rows, strict=True))
    await conn.execute(
        """INSERT INTO activity_notices AS n (user_id, school_id, kind, key, name, url)
           SELECT u, $5, $6, k, na, ur FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
               AS t(u, k, na, ur) ORDER BY u, k
           ON CONFLICT (user_id, kind, key) WHERE state = 'pending'
           DO UPDATE SET count = n.count + 1, last_at = now(), name = EXCLUDED.name, url = EXCLUDED.url""",
        users,
        keys,
        names,
        urls,
        school_id,
        kind,
    )


async def forget_pending(conn: Conn, user_id: UUID, kind: str, key: UUID) -> bool:
    status = await conn.execute(
        "DELETE FROM activity_notices WHERE user_id = $1 AND kind = $2 AND key = $3 AND state = 'pending'",
        user_id,
        kind,
        key,
    )
    return status != "DELETE 0"


async def claim_due(conn: Connection, now: dt.datetime, grace: dt.timedelta, limit: int) -> list[Notice]:
    """Pending notices past their grace period and their hold, locked for this
    transaction (other workers skip them)."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM activity_notices
            WHERE state = 'pending' AND first_at <= $1::timestamptz - $2::interval
              AND (hold_until IS NULL OR hold_until <= $1)
            ORDER BY first_at LIMIT $3
            FOR UPDATE SKIP LOCKED""",
        now,
        grace,
        limit,
    )
    return [Notice(**dict(r)) for r in rows]


async def hold(conn: Connection, holds: list[tuple[int, dt.datetime]]) -> None:
    """Not yet (quiet hours, the 17:00 digest): looked at again then."""
    if holds:
        await conn.execute(
            """UPDATE activity_notices n SET hold_until = t.at
               FROM unnest($1::bigint[], $2::timestamptz[]) AS t(id, at) WHERE n.id = t.id""",
            [h[0] for h in holds],
            [h[1] for h in holds],
        )


async def start_sending(conn: Connection, sends: list[tuple[int, str]], now: dt.datetime) -> None:
    """Marked `sending` (committed with the claim, before anything is sent)."""
    if sends:
        await conn.execute(
            """UPDATE activity_notices n
               SET state = 'sending', channel = t.channel, sending_since = now(),
                   attempts = n.attempts + 1, first_try_at = coalesce(n.first_try_at, $3)
               FROM unnest($1::bigint[], $2::text[]) AS t(id, channel) WHERE n.id = t.id""",
            [s[0] for s in sends],
            [s[1] for s in sends],
            now,
        )


async def finish(conn: Conn, notice_ids: list[int], state: str, error: str | None = None) -> None:
    await conn.execute(
        """UPDATE activity_notices SET state = $2, error = $3, hold_until = NULL,
                  sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
           WHERE id = ANY($1::bigint[])""",
        notice_ids,
        state,
        error,
    )


async def release(
    pool: asyncpg.Pool, notice_id: int, hold_until: dt.datetime, error: str, *, in_doubt: bool = False
) -> None:
    """Back to pending, to try again at `hold_until` (a retry, a fallback to email)."""
    async with pool.acquire() as conn, conn.transaction():
        await _back_to_pending(conn, notice_id, hold_until, error, in_doubt)


async def _back_to_pending(
    conn: Connection, notice_id: int, hold_until: dt.datetime, error: str, in_doubt: bool
) -> None:
    """If a post or page came while this notice was being sent, there is already a new
    pending notice for the same person and topic: this one joins it (its count added),
    so the person still gets one notice. Inside a transaction."""
    for attempt in (1, 2):
        try:
            async with conn.transaction():  # a savepoint: a unique violation undoes only this
                me = await conn.fetchrow(
                    """SELECT user_id, kind, key, count, first_at FROM activity_notices
                       WHERE id = $1 AND state = 'sending' FOR UPDATE""",
                    notice_id,
                )
                if me is None:
                    return
                joined = await conn.fetchval(
                    """UPDATE activity_notices
                       SET count = count + $4, first_at = least(first_at, $5),
                           hold_until = greatest(coalesce(hold_until, $6), $6), in_doubt = in_doubt OR $7
                       WHERE user_id = $1 AND kind = $2 AND key = $3 AND state = 'pending' RETURNING id""",
                    me["user_id"],
                    me["kind"],
                    me["key"],
                    me["count"],
                    me["first_at"],
                    hold_until,
                    in_doubt,
                )
                if joined is not None:
                    await conn.execute(
                        """UPDATE activity_notices SET state = 'skipped', error = $2, hold_until = NULL
                           WHERE id = $1""",
                        notice_id,
                        f"{error} ; repris dans la notification {joined}",
                    )
                else:
                    await conn.execute(
                        """UPDATE activity_notices
                           SET state = 'pending', hold_until = $2, error = $3, in_doubt = in_doubt OR $4
                           WHERE id = $1""",
                        notice_id,
                        hold_until,
                        error,
                        in_doubt,
                    )
            return
        except asyncpg.UniqueViolationError:
            # A pending notice was written between the two statements: join it now.
            if attempt == 2:
                raise


async def keep_sending(conn: Conn, notice_ids: list[int]) -> None:
    """A live worker still holds these: not for recovery."""
    await conn.execute(
        """UPDATE activity_notices SET sending_since = now()
           WHERE id = ANY($1::bigint[]) AND state = 'sending'""",
        notice_ids,
    )


async def recover_stuck(pool: asyncpg.Pool, older_than: dt.timedelta, now: dt.datetime) -> int:
    """Notices left `sending` by a worker that died. The send may or may not have
    happened: send again once (in_doubt); a second time, give up rather than risk a
    second duplicate."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT id, in_doubt FROM activity_notices
               WHERE state = 'sending' AND sending_since < now() - $1::interval
               ORDER BY id FOR UPDATE SKIP LOCKED""",
            older_than,
        )
        for row in rows:
            if row["in_doubt"]:
                await finish(conn, [row["id"]], "failed", "issue inconnue après deux interruptions")
            else:
                await _back_to_pending(conn, row["id"], now, "repris après une interruption", True)
    return len(rows)


async def prune(conn: Conn, older_than: dt.timedelta) -> int:
    status = await conn.execute(
        """DELETE FROM activity_notices
           WHERE state IN ('sent', 'skipped', 'failed') AND last_at < now() - $1::interval""",
        older_than,
    )
    return int(status.split()[-1])


async def pending_count(conn: Conn) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM activity_notices WHERE state IN ('pending', 'sending')"
    )
    return count
