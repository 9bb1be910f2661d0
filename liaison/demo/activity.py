"""A few past weeks of plausible activity in the demo territory, so that the
adoption figures (`#/stats`) say something on the first visit: each week
the director of each school writes to every family, some announcements ask
for a signature, families read (more of them week after week, as a school
adopts the tool) and a few write to their child's teacher.

The announcements and conversations are written through the services, as
a real school writes them; the demo then moves them back to their week and
records the reading of those weeks, which no service can do in the past.
The notifications of those weeks count as long gone.
"""

from __future__ import annotations

import datetime as dt
import random
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.core.clock import utcnow
from liaison.core.context import Context
from liaison.core.people import User
from liaison.messaging import service
from liaison.storage.db import Connection

WEEKS = 6
SEED = 2028
SUBJECTS = (
    ("Photos de classe mardi", "Le photographe passe mardi matin. Pensez aux tenues !"),
    ("Piscine : les bonnets", "Chaque élève doit avoir un bonnet de bain pour la séance de jeudi."),
    ("Sortie au musée", "La classe visitera le musée jeudi. Merci de signer pour votre accord."),
    ("Conseil d'école", "Le conseil d'école se réunit le 8 décembre à 18 h ; vos représentants y seront."),
    ("Vaccinations", "Merci de vérifier les vaccinations de votre enfant avant les vacances."),
    ("Marché de Noël", "Le marché de Noël de l'école a lieu vendredi à 16 h 30 dans la cour."),
)
QUESTIONS = (
    "Bonjour, mon enfant a oublié son cahier de liaison, pouvez-vous me dire les devoirs ? Merci.",
    "Bonjour, pourra-t-il partir à 16 h jeudi pour un rendez-vous ? Merci beaucoup.",
    "Bonjour, elle a mal dormi cette nuit, merci de veiller à ce qu'elle boive bien.",
)


async def write(pool: asyncpg.Pool, settings: Settings, directors: list[str]) -> None:
    """`directors`: the logins of each school's director."""
    ctx = Context(pool, MemoryBus(), settings)
    rng = random.Random(SEED)
    now = utcnow()
    monday = (now - dt.timedelta(days=now.weekday())).replace(hour=7, minute=45, second=0, microsecond=0)
    for login in directors:
        director = await _user(pool, login)
        assert director.school_id is not None
        for week in range(WEEKS, 0, -1):
            sent_at = monday - dt.timedelta(weeks=week) + dt.timedelta(days=rng.choice((0, 1, 3)))
            subject, body = SUBJECTS[(week + len(login)) % len(SUBJECTS)]
            thread, _ = await service.start_announcement(
                ctx,
                director,
                whole_school=True,
                class_ids=[],
                subject=subject,
                body=body,
                require_ack=week % 2 == 0,
                urgent=False,
                client_id=f"demo-week-{week}",
            )
            # Adoption grows: more families read in the later weeks.
            share = min(0.9, 0.35 + 0.1 * (WEEKS - week))
            await _read_in_the_past(pool, UUID(thread["id"]), sent_at, share, rng)
        await _questions(ctx, pool, director.school_id, monday, rng)


async def _user(pool: asyncpg.Pool, login: str) -> User:
    user_id = await pool.fetchval("SELECT id FROM users WHERE login = $1", login)
    return (await accounts.users_by_id(pool, [user_id]))[user_id]


async def _read_in_the_past(
    pool: asyncpg.Pool, thread_id: UUID, sent_at: dt.datetime, share: float, rng: random.Random
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await _move_back(conn, [thread_id], sent_at)
        families = await conn.fetch(
            """SELECT tc.child_id, array_agg(m.user_id ORDER BY m.user_id) AS guardians
               FROM thread_children tc
               JOIN guardianships g ON g.child_id = tc.child_id
               JOIN thread_members m ON m.thread_id = tc.thread_id AND m.user_id = g.user_id
               JOIN users u ON u.id = g.user_id AND u.activated_at IS NOT NULL
               WHERE tc.thread_id = $1 GROUP BY tc.child_id ORDER BY tc.child_id""",
            thread_id,
        )
        readers: dict[UUID, dt.datetime] = {}
        acks: list[tuple[UUID, UUID, UUID, dt.datetime]] = []
        for family in families:
            if rng.random() >= share:
                continue
            reader = rng.choice(family["guardians"])
            # Most read the same evening; some a day or two later.
            read_at = sent_at + dt.timedelta(hours=rng.choice((1, 2, 3, 5, 9, 12, 20, 30, 50)))
            readers.setdefault(reader, read_at)
            acks.append((thread_id, family["child_id"], reader, readers[reader]))
        await conn.execute(
            """UPDATE thread_members m SET read_seq = 1, first_read_at = r.at, read_at = r.at
               FROM unnest($2::uuid[], $3::timestamptz[]) AS r(user_id, at)
               WHERE m.thread_id = $1 AND m.user_id = r.user_id""",
            thread_id,
            list(readers),
            list(readers.values()),
        )
        if await conn.fetchval("SELECT require_ack FROM threads WHERE id = $1", thread_id):
            await conn.executemany(
                "INSERT INTO acks (thread_id, child_id, user_id, acked_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT DO NOTHING",
                acks,
            )
            await conn.execute(
                """UPDATE thread_members m SET acked_at = a.acked_at FROM acks a
                   JOIN guardianships g ON g.child_id = a.child_id
                   WHERE a.thread_id = $1 AND m.thread_id = $1 AND m.user_id = g.user_id""",
                thread_id,
            )


async def _questions(
    ctx: Context, pool: asyncpg.Pool, school_id: UUID, monday: dt.datetime, rng: random.Random
) -> None:
    """A few families write to the teacher, one or two a week."""
    rows = await pool.fetch(
        """SELECT DISTINCT ON (c.id) c.id AS child_id, g.user_id FROM children c
           JOIN guardianships g ON g.child_id = c.id JOIN users u ON u.id = g.user_id
           WHERE c.school_id = $1 AND u.activated_at IS NOT NULL ORDER BY c.id, g.user_id""",
        school_id,
    )
    people = await accounts.users_by_id(pool, [r["user_id"] for r in rows])
    for week in range(WEEKS, 0, -1):
        for row in rng.sample(list(rows), k=min(len(rows), rng.choice((1, 2, 3)))):
            thread, _ = await service.start_direct(
                ctx,
                people[row["user_id"]],
                row["child_id"],
                "Une question",
                rng.choice(QUESTIONS),
                False,
                f"demo-question-{week}-{row['child_id']}",
            )
            async with pool.acquire() as conn, conn.transaction():
                written = monday - dt.timedelta(weeks=week) + dt.timedelta(days=rng.randrange(5), hours=11)
                await _move_back(conn, [UUID(thread["id"])], written)


async def _move_back(conn: Connection, thread_ids: list[UUID], at: dt.datetime) -> None:
    """The threads were written at `at`; their notifications went out then."""
    await conn.execute(
        "UPDATE threads SET created_at = $2, last_activity_at = $2 WHERE id = ANY($1::uuid[])",
        thread_ids,
        at,
    )
    await conn.execute(
        "UPDATE messages SET created_at = $2 WHERE thread_id = ANY($1::uuid[])", thread_ids, at
    )
    await conn.execute(
        "UPDATE thread_members SET last_activity_at = $2 WHERE thread_id = ANY($1::uuid[])", thread_ids, at
    )
    await conn.execute(
        "UPDATE notification_jobs SET done_at = now() WHERE thread_id = ANY($1::uuid[]) AND done_at IS NULL",
        thread_ids,
    )
