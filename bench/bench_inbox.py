"""How fast an inbox page loads, for a parent of three and a director of a big school.

    python bench/bench_inbox.py [--threads 2000] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

A scratch database gets one school; the director is a member of `--threads`
threads (direct threads and announcements, as a year of a 400-family school
makes), a parent of three children is in a few hundred. The inbox query of
`liaison.messaging.store.inbox` (first page, a later page, unread only) is
timed against a ceiling measured in the same run: the bare index read of the
same number of `thread_members` rows. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import asyncpg

from liaison.messaging import store
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate


async def _fill(conn: asyncpg.Connection, threads: int) -> tuple[uuid.UUID, uuid.UUID]:
    school = await conn.fetchval(
        "INSERT INTO schools (name, city, uai) VALUES ('Bench', 'Lyon', '0000000X') RETURNING id"
    )
    director = await conn.fetchval(
        """INSERT INTO users (login, role, school_id, display_name)
           VALUES ('directrice', 'director', $1, 'Mme Bench') RETURNING id""",
        school,
    )
    parent = await conn.fetchval(
        """INSERT INTO users (login, role, school_id, display_name)
           VALUES ('parent', 'parent', $1, 'Parent Bench') RETURNING id""",
        school,
    )
    ids = [uuid.uuid4() for _ in range(threads)]
    await conn.copy_records_to_table(
        "threads",
        records=[
            (tid, school, "announcement" if i % 10 == 0 else "direct", f"Sujet {i}", director, 3)
            for i, tid in enumerate(ids)
        ],
        columns=["id", "school_id", "kind", "subject", "author_id", "last_seq"],
    )
    await conn.execute(
        """UPDATE threads SET last_activity_at = now() - (random() * interval '300 days'),
                              created_at = now() - interval '300 days'"""
    )
    members = [(tid, director, True, 3 if i % 3 else 1) for i, tid in enumerate(ids)]
    members += [(tid, parent, False, 0 if i % 7 == 0 else 3) for i, tid in enumerate(ids) if i % 8 == 0]
    await conn.copy_records_to_table(
        "thread_members", records=members, columns=["thread_id", "user_id", "is_staff", "read_seq"]
    )
    await conn.execute(
        """UPDATE thread_members m SET last_activity_at = t.last_activity_at
           FROM threads t WHERE t.id = m.thread_id"""
    )
    await conn.execute("ANALYZE")
    return director, parent


async def _time(work, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _line(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{label:<42} p50 {statistics.median(ordered):6.2f} ms   p99 {p99:6.2f} ms"


async def run(dsn: str, threads: int, repeat: int) -> None:
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pool = await create_pool(dsn.rsplit("/", 1)[0] + "/" + name)
        async with pool.acquire() as conn:
            await migrate(conn)
            director, parent = await _fill(conn, threads)
        first = await store.inbox(pool, director, 50, None, False)
        later = (first[-1][0]["last_activity_at"], first[-1][0]["id"])
        print(f"director in {threads} threads, parent in {threads // 8}; pages of 50")
        figures = {
            "director, first page": await _time(lambda: store.inbox(pool, director, 50, None, False), repeat),
            "director, second page": await _time(
                lambda: store.inbox(pool, director, 50, later, False), repeat
            ),
            "director, unread only": await _time(lambda: store.inbox(pool, director, 50, None, True), repeat),
            "parent, first page": await _time(lambda: store.inbox(pool, parent, 50, None, False), repeat),
        }
        ceiling = await _time(
            lambda: pool.fetch(
                """SELECT thread_id FROM thread_members WHERE user_id = $1
                   ORDER BY last_activity_at DESC, thread_id DESC LIMIT 50""",
                director,
            ),
            repeat,
        )
        for label, timings in figures.items():
            print(
                _line(label, timings),
                f"  ratio {statistics.median(timings) / statistics.median(ceiling):.1f}×",
            )
        print(_line("ceiling: bare index read of 50 members", ceiling))
        await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.dsn, args.threads, args.repeat))


if __name__ == "__main__":
    main()
