"""The SQL of delivery: VAPID keys, push subscriptions, the outbox, the delivery log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from liaison.storage.db import Conn, Connection

# -- keys and subscriptions ------------------------------------------------------


async def stored_keys(conn: Conn) -> tuple[str, str] | None:
    row = await conn.fetchrow("SELECT private_pem, public_key FROM push_keys WHERE id = 1")
    return (row["private_pem"], row["public_key"]) if row else None


async def store_keys(conn: Conn, private_pem: str, public_key: str) -> tuple[str, str]:
    """Keep these keys unless another process stored its own first: then theirs win."""
    await conn.execute(
        "INSERT INTO push_keys (id, private_pem, public_key) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
        private_pem,
        public_key,
    )
    stored = await stored_keys(conn)
    assert stored is not None
    return stored


@dataclass(frozen=True)
class Subscription:
    id: UUID
    user_id: UUID
    endpoint: str
    p256dh: str
    auth: str

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


async def subscribe(conn: Conn, user_id: UUID, endpoint: str, p256dh: str, auth: str) -> None:
    # A browser keeps its endpoint when someone else signs in on it: the
    # endpoint follows the latest user, so pushes never reach the previous one.
    await conn.execute(
        """INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
           ON CONFLICT (endpoint) DO UPDATE SET user_id = $1, p256dh = $3, auth = $4, created_at = now()""",
        user_id,
        endpoint,
        p256dh,
        auth,
    )


async def unsubscribe(conn: Conn, user_id: UUID, endpoint: str) -> bool:
    status = await conn.execute(
        "DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2", user_id, endpoint
    )
    return status != "DELETE 0"


async def forget_subscription(conn: Conn, subscription_id: UUID) -> None:
    await conn.execute("DELETE FROM push_subscriptions WHERE id = $1", subscription_id)


async def subscription_succeeded(conn: Conn, subscription_id: UUID) -> None:
    await conn.execute("UPDATE push_subscriptions SET last_success_at = now() WHERE id = $1", subscription_id)


async def subscriptions_of(conn: Conn, user_ids: Iterable[UUID]) -> dict[UUID, list[Subscription]]:
    rows = await conn.fetch(
        """SELECT id, user_id, endpoint, p256dh, auth FROM push_subscriptions
           WHERE user_id = ANY($1::uuid[]) ORDER BY created_at""",
        list(user_ids),
    )
    found: dict[UUID, list[Subscription]] = defaultdict(list)
    for r in rows:
        found[r["user_id"]].append(Subscription(r["id"], r["user_id"], r["endpoint"], r["p256dh"], r["auth"]))
    return found


# -- the outbox ---------------------------------------------------------------------


async def enqueue(
    conn: Connection,
    *,
    school_id: UUID,
    thread_id: UUID,
    seq: int,
    kind: str,
    urgent: bool,
    due_at: dt.datetime,
    child_id: UUID | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO notification_jobs (school_id, thread_id, seq, kind, urgent, due_at, child_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        school_id,
        thread_id,
        seq,
        kind,
        urgent,
        due_at,
        child_id,
    )


@dataclass(frozen=True)
class Job:
    id: int
    school_id: UUID
    thread_id: UUID
    seq: int
    kind: str
    urgent: bool
    due_at: dt.datetime
    child_id: UUID | None = None


async def claim_jobs(conn: Connection, now: dt.datetime, limit: int = 20) -> list[Job]:
    """Due jobs, locked for this transaction (other workers skip them)."""
    rows = await conn.fetch(
        """SELECT id, school_id, thread_id, seq, kind, urgent, due_at, child_id FROM notification_jobs
           WHERE done_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2
           FOR UPDATE SKIP LOCKED""",
        now,
        limit,
    )
    return [Job(**dict(r)) for r in rows]


async def job_done(conn: Connection, job_id: int) -> None:
    await conn.execute("UPDATE notification_jobs SET done_at = now() WHERE id = $1", job_id)


@dataclass(frozen=True)
class NewDelivery:
    user_id: UUID
    channel: str
    due_at: dt.datetime


async def add_deliveries(
    conn: Conn, job_id: int, thread_id: UUID, seq: int, urgent: bool, deliveries: list[NewDelivery]
) -> None:
    """Deliveries of one job (of the message `seq` of the thread)."""
    if not deliveries:
        return
    await conn.execute(
        """INSERT INTO deliveries (job_id, thread_id, seq, user_id, channel, urgent, first_due_at, due_at)
           SELECT $1, $2, $3, u, c, $4, d, d
           FROM unnest($5::uuid[], $6::text[], $7::timestamptz[]) AS t(u, c, d)
           ON CONFLICT (job_id, user_id, channel) DO NOTHING""",
        job_id,
        thread_id,
        seq,
        urgent,
        [d.user_id for d in deliveries],
        [d.channel for d in deliveries],
        [d.due_at for d in deliveries],
    )


# -- the delivery log ---------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    id: int
    job_id: int
    thread_id: UUID
    seq: int
    user_id: UUID
    channel: str
    urgent: bool
    attempts: int
    first_due_at: dt.datetime
    kind: str


async def claim_deliveries(conn: Conn, channel: str, now: dt.datetime, limit: int) -> list[Delivery]:
    """Mark due deliveries `sending` and commit that before anything is sent."""
    rows = await conn.fetch(
        """UPDATE deliveries d SET state = 'sending', sending_since = now(), attempts = attempts + 1
           FROM notification_jobs j
           WHERE j.id = d.job_id AND d.id IN (
               SELECT id FROM deliveries WHERE channel = $1 AND state = 'queued' AND due_at <= $2
               ORDER BY urgent DESC, due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING d.id, d.job_id, d.thread_id, d.seq, d.user_id, d.channel, d.urgent, d.attempts,
                     d.first_due_at, j.kind""",
        channel,
        now,
        limit,
    )
    return [Delivery(**dict(r)) for r in rows]


async def finish(conn: Conn, delivery_id: int, state: str, error: str | None = None) -> None:
    await conn.execute(
        """UPDATE deliveries SET state = $2, error = $3,
                  sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
           WHERE id = $1""",
        delivery_id,
        state,
        error,
    )


async def retry_later(conn: Conn, delivery_id: int, due_at: dt.datetime, error: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET state = 'queued', due_at = $2, error = $3 WHERE id = $1",
        delivery_id,
        due_at,
        error,
    )


async def keep_sending(conn: Conn, delivery_ids: list[int]) -> None:
    """A live worker still holds these: not for recovery."""
    await conn.execute(
        "UPDATE deliveries SET sending_since = now() WHERE id = ANY($1::bigint[]) AND state = 'sending'",
        delivery_ids,
    )


async def recover_stuck(conn: Conn, older_than: dt.timedelta) -> int:
    """Deliveries left `sending` by a worker that died. The send may or may
    not have happened: send again once (in_doubt); a second time, give up
    rather than risk a second duplicate."""
    status = await conn.execute(
        """UPDATE deliveries
           SET state = CASE WHEN in_doubt THEN 'failed' ELSE 'queued' END,
               error = CASE WHEN in_doubt THEN 'issue inconnue après deux interruptions'
                            ELSE 'repris après une interruption' END,
               in_doubt = true, due_at = now()
           WHERE state = 'sending' AND sending_since < now() - $1::interval""",
        older_than,
    )
    return int(status.split()[-1])


async def delivered_times(conn: Conn, thread_id: UUID) -> dict[UUID, dict[str, dt.datetime | None]]:
    """For the receipts: when each member was first reached by each channel."""
    rows = await conn.fetch(
        """SELECT user_id, channel, min(sent_at) AS at FROM deliveries
           WHERE thread_id = $1 AND state = 'sent' GROUP BY user_id, channel
           UNION ALL
           SELECT user_id, 'websocket', delivered_at FROM socket_deliveries WHERE thread_id = $1""",
        thread_id,
    )
    found: dict[UUID, dict[str, dt.datetime | None]] = defaultdict(
        lambda: {"websocket": None, "push": None, "email": None}
    )
    for r in rows:
        found[r["user_id"]][r["channel"]] = r["at"]
    return found


@dataclass(frozen=True)
class DigestRuns:
    first_since: dt.datetime | None
    last_day: dt.date | None


async def first_digests(conn: Conn, user_ids: list[UUID], since: dt.datetime) -> dict[UUID, DigestRuns]:
    """For the receipts: each person's first digest sent at or after `since`, and
    the day of their latest one."""
    rows = await conn.fetch(
        """SELECT user_id, min(sent_at) FILTER (WHERE sent_at >= $2) AS first_since, max(day) AS last_day
           FROM digest_runs WHERE user_id = ANY($1::uuid[]) GROUP BY user_id""",
        user_ids,
        since,
    )
    return {r["user_id"]: DigestRuns(r["first_since"], r["last_day"]) for r in rows}


@dataclass(frozen=True)
class Planned:
    """A delivery still to go (or going): when it is due, and when it first was."""

    due_at: dt.datetime
    first_due_at: dt.datetime


async def planned_deliveries(conn: Conn, thread_id: UUID) -> dict[UUID, list[Planned]]:
    """For the receipts: each person's deliveries of the thread queued or being sent."""
    rows = await conn.fetch(
        """SELECT user_id, due_at, first_due_at FROM deliveries
           WHERE thread_id = $1 AND state IN ('queued', 'sending')""",
        thread_id,
    )
    found: dict[UUID, list[Planned]] = defaultdict(list)
    for r in rows:
        found[r["user_id"]].append(Planned(r["due_at"], r["first_due_at"]))
    return found


async def awaiting_first_notice(conn: Conn, thread_id: UUID) -> set[UUID] | None:
    """Who still waits for the thread's first message to be notified (held by
    quiet hours, the grace period): a reminder would only come with it. None
    when that message's job is not even expanded: everyone waits."""
    unexpanded = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM notification_jobs
                          WHERE thread_id = $1 AND seq = 1 AND kind = 'message' AND done_at IS NULL)""",
        thread_id,
    )
    if unexpanded:
        return None
    rows = await conn.fetch(
        """SELECT DISTINCT d.user_id FROM deliveries d JOIN notification_jobs j ON j.id = d.job_id
           WHERE d.thread_id = $1 AND d.seq = 1 AND j.kind = 'message' AND d.state = 'queued'""",
        thread_id,
    )
    return {r["user_id"] for r in rows}


async def jobs_to_expand(conn: Conn, thread_id: UUID) -> list[Job]:
    """For the receipts: the thread's notification jobs not yet turned into deliveries."""
    rows = await conn.fetch(
        """SELECT id, school_id, thread_id, seq, kind, urgent, due_at, child_id FROM notification_jobs
           WHERE done_at IS NULL AND thread_id = $1 ORDER BY due_at""",
        thread_id,
    )
    return [Job(**dict(r)) for r in rows]


async def users_with_push(conn: Conn, user_ids: list[UUID]) -> set[UUID]:
    """Those of these people with at least one push subscription."""
    rows = await conn.fetch(
        "SELECT DISTINCT user_id FROM push_subscriptions WHERE user_id = ANY($1::uuid[])", user_ids
    )
    return {r["user_id"] for r in rows}


async def record_socket_deliveries(conn: Conn, pairs: list[tuple[UUID, UUID, dt.datetime]]) -> None:
    if not pairs:
        return
    await conn.execute(
        """INSERT INTO socket_deliveries (thread_id, user_id, delivered_at)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
           ON CONFLICT DO NOTHING""",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        [p[2] for p in pairs],
    )


async def claim_digests(conn: Conn, user_ids: list[UUID], day: dt.date) -> set[UUID]:
    """Claim today's digest for these users; each is sent once, by one worker."""
    rows = await conn.fetch(
        """INSERT INTO digest_runs (user_id, day) SELECT unnest($1::uuid[]), $2
           ON CONFLICT DO NOTHING RETURNING user_id""",
        user_ids,
        day,
    )
    return {r["user_id"] for r in rows}


async def release_digest(conn: Conn, user_id: UUID, day: dt.date) -> None:
    await conn.execute("DELETE FROM digest_runs WHERE user_id = $1 AND day = $2", user_id, day)


async def pending_count(conn: Conn) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM deliveries WHERE state IN ('queued', 'sending')")
    return count


async def cancel_for_message(conn: Conn, thread_id: UUID, seq: int) -> None:
    """A recalled message: its notifications not yet sent are dropped."""
    await conn.execute(
        """UPDATE notification_jobs SET done_at = now()
           WHERE thread_id = $1 AND seq = $2 AND done_at IS NULL""",
        thread_id,
        seq,
    )
    await conn.execute(
        """UPDATE deliveries SET state = 'skipped', error = 'message rappelé par son auteur'
           WHERE thread_id = $1 AND seq = $2 AND state = 'queued'""",
        thread_id,
        seq,
    )
