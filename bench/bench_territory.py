"""A whole territory: its import, and whether an inbox stays as fast as in one school.

    python bench/bench_territory.py [--schools 890] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

Creates a scratch database and builds the reference territory through the
same code the API uses: 28 circonscriptions, 890 schools (maternelles,
élémentaires and primaires of 3 to 8 classes), 40 RPIs of two or three
village schools whose families have children in several of them (the same
guardian, by email, in each school's roster: one account), each school's
staff added one by one and its roster imported from its CSV. The ceiling is
a raw asyncpg COPY of as many rows as the import wrote, in the same run.

Then the inboxes: the busy school of `bench_inbox.py` (a director in 2,000
threads, a parent in 250) is built once in an empty database and once inside
the territory, where every other school has had 20 announcements to all its
families; the inbox query is timed in both. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Sequence

import asyncpg
from bench_inbox import _fill as fill_busy_school
from bench_inbox import _line, _time

from liaison.demo.school import CLASSES, Family, FamilyGenerator, roster_csv, roster_rows
from liaison.demo.territory import uai
from liaison.directory import store
from liaison.directory.csv_import import parse_roster
from liaison.messaging import store as messaging
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate

CIRCONSCRIPTIONS = 28
RPIS = 40
LEVELS = [name for name, _, _ in CLASSES]
KINDS = ((LEVELS[:3], 0.3), (LEVELS[3:], 0.4), (LEVELS, 0.3))  # maternelle, élémentaire, primaire


def _school_classes(rng: random.Random) -> list[tuple[str, int]]:
    levels = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    return [(name, rng.randint(18, 29)) for name in levels]


def _families(rng: random.Random, classes: list[tuple[str, int]], domain: str, seed: int) -> list[Family]:
    """About one family in ten has two children in the group's classes."""
    slots = [name for name, size in classes for _ in range(size)]
    rng.shuffle(slots)
    plans: list[tuple[str, ...]] = []
    while slots:
        first = slots.pop()
        other = next((i for i, name in enumerate(slots) if name != first), None)
        if other is not None and rng.random() < 0.1:
            plans.append((first, slots.pop(other)))
        else:
            plans.append((first,))
    generator = FamilyGenerator(seed, domain)
    return [generator.family(plan) for plan in plans]


class Territory:
    """The schools to create, each with its classes, staff and roster rows."""

    def __init__(self, schools: int, seed: int = 2026) -> None:
        rng = random.Random(seed)
        self.schools: list[dict] = []
        rpis = RPIS if schools >= 200 else 0
        index = 0
        self.rpis: list[list[int]] = []
        while len(self.rpis) < rpis:
            size = 2 if len(self.rpis) % 3 == 0 else 3
            members = list(range(index, index + size))
            # An RPI spreads the levels over its schools: the families follow.
            classes = [(name, rng.randint(14, 22)) for name in LEVELS]
            share = [classes[i :: len(members)] for i in range(len(members))]
            families = _families(rng, classes, f"rpi{len(self.rpis)}.example.fr", seed + index)
            for school_index, own in zip(members, share, strict=True):
                self._add(rng, school_index, own, families)
            self.rpis.append(members)
            index += len(members)
        for school_index in range(index, schools):
            classes = _school_classes(rng)
            families = _families(rng, classes, f"ecole{school_index}.example.fr", seed + school_index)
            self._add(rng, school_index, classes, families)

    def _add(
        self, rng: random.Random, index: int, classes: list[tuple[str, int]], families: Sequence[Family]
    ) -> None:
        names = [name for name, _ in classes]
        self.schools.append(
            {
                "name": f"École {index}",
                "city": f"Commune {index // 3}",
                "uai": uai(f"{690000 + index:07d}"),
                "circonscription": index % CIRCONSCRIPTIONS,
                "classes": names,
                "roster": roster_csv(roster_rows(families, names)),
            }
        )


async def build(pool: asyncpg.Pool, territory: Territory) -> dict[str, float]:
    """Create the territory through the directory's code; time each part."""
    spent = {
        "circonscriptions and schools": 0.0,
        "staff": 0.0,
        "rosters (parse and import)": 0.0,
        "rpis": 0.0,
    }
    async with pool.acquire() as conn:
        started = time.perf_counter()
        circonscriptions = [
            (await store.create_circonscription(conn, f"Circonscription {i}"))["id"]
            for i in range(CIRCONSCRIPTIONS)
        ]
        school_ids = []
        for school in territory.schools:
            row = await store.create_school(conn, school["name"], school["city"], school["uai"])
            await store.move_school(conn, row["id"], circonscriptions[school["circonscription"]])
            school_ids.append(row["id"])
        spent["circonscriptions and schools"] = time.perf_counter() - started
        for school, school_id in zip(territory.schools, school_ids, strict=True):
            started = time.perf_counter()
            for rank, class_name in enumerate(school["classes"]):
                async with conn.transaction():
                    await store.add_staff(
                        conn,
                        school_id,
                        role="director" if rank == 0 else "teacher",
                        display_name=f"Enseignant {class_name} {school['uai']}",
                        first_name="Enseignant",
                        last_name=f"{class_name} {school['uai']}",
                        email=None,
                        class_names=[class_name],
                    )
            spent["staff"] += time.perf_counter() - started
            started = time.perf_counter()
            async with conn.transaction():
                await store.import_roster(conn, school_id, parse_roster(school["roster"]), 60)
            spent["rosters (parse and import)"] += time.perf_counter() - started
        started = time.perf_counter()
        for number, members in enumerate(territory.rpis):
            await store.create_rpi(conn, f"RPI {number}", [school_ids[i] for i in members])
        spent["rpis"] = time.perf_counter() - started
    return spent


async def copy_ceiling(pool: asyncpg.Pool, rows: int) -> float:
    """A bare COPY of `rows` rows of a user's width: what the disk and the
    driver allow for as many rows as the import wrote."""
    records = [(uuid.uuid4(), f"prenom{i}", f"nom{i}", f"prenom{i}.nom{i}", "parent") for i in range(rows)]
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE ceiling (id uuid PRIMARY KEY, a text, b text, c text, d text,"
            " created timestamptz DEFAULT now())"
        )
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("ceiling", records=records, columns=["id", "a", "b", "c", "d"])
        return time.perf_counter() - started


async def written_rows(conn: asyncpg.Connection) -> dict[str, int]:
    tables = (
        "schools",
        "classes",
        "users",
        "school_staff",
        "class_staff",
        "children",
        "guardianships",
        "guardian_identities",
        "activation_codes",
    )
    return {table: await conn.fetchval(f"SELECT count(*) FROM {table}") for table in tables}


async def announce_everywhere(conn: asyncpg.Connection, per_school: int) -> int:
    """`per_school` past announcements from each school's director to all its
    families, written in bulk: the weight of a territory's year on the tables."""
    await conn.execute("SET statement_timeout = 0")  # millions of rows: longer than a request may take
    await conn.execute(
        """INSERT INTO threads (id, school_id, kind, subject, author_id, whole_school, last_seq,
                                created_at, last_activity_at)
           SELECT gen_random_uuid(), s.school_id, 'announcement', 'Annonce ' || n, s.user_id, true, 1,
                  now() - n * interval '7 days', now() - n * interval '7 days'
           FROM school_staff s, generate_series(1, $1) AS n WHERE s.role = 'director'""",
        per_school,
    )
    return await conn.fetchval(
        """WITH members AS (
               INSERT INTO thread_members (thread_id, user_id, is_staff, read_seq, last_activity_at)
               SELECT DISTINCT t.id, g.user_id, false, 1, t.last_activity_at
               FROM threads t JOIN children c ON c.school_id = t.school_id
               JOIN guardianships g ON g.child_id = c.id
               WHERE t.subject LIKE 'Annonce %'
               RETURNING 1)
           SELECT count(*) FROM members"""
    )


async def inbox_figures(pool: asyncpg.Pool, director: uuid.UUID, parent: uuid.UUID, repeat: int) -> dict:
    return {
        "director": await _time(lambda: messaging.inbox(pool, director, 50, None, False), repeat),
        "director, unread": await _time(lambda: messaging.inbox(pool, director, 50, None, True), repeat),
        "parent": await _time(lambda: messaging.inbox(pool, parent, 50, None, False), repeat),
    }


async def scratch(admin: asyncpg.Connection, dsn: str) -> tuple[str, str]:
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    return name, dsn.rsplit("/", 1)[0] + "/" + name


async def run(dsn: str, schools: int, repeat: int) -> None:
    admin = await asyncpg.connect(dsn)
    names = []
    try:
        started = time.perf_counter()
        territory = Territory(schools)
        generated = time.perf_counter() - started
        name, territory_dsn = await scratch(admin, dsn)
        names.append(name)
        pool = await create_pool(territory_dsn, max_size=4)
        async with pool.acquire() as conn:
            await migrate(conn)
        started = time.perf_counter()
        spent = await build(pool, territory)
        total = time.perf_counter() - started
        async with pool.acquire() as conn:
            counts = await written_rows(conn)
        rows = sum(counts.values())
        ceiling = await copy_ceiling(pool, rows)
        pupils = counts["children"]
        guardians = counts["guardian_identities"]
        print(
            f"territory: {schools} schools in {len(territory.rpis)} RPIs and {CIRCONSCRIPTIONS} circonscriptions"
        )
        print(f"  {pupils:,} pupils, {counts['users']:,} accounts, {counts['school_staff']:,} staff roles")
        print(f"  rosters generated in {generated:.1f} s (not counted)")
        for part, seconds in spent.items():
            print(f"  {part:<32} {seconds:7.1f} s")
        print(
            f"  import of the whole territory   {total:7.1f} s for {rows:,} rows written ({guardians:,} guardian identities)"
        )
        print(f"  ceiling: raw COPY of {rows:,} rows {ceiling:.2f} s  ratio {total / ceiling:.0f}×")
        shared = await pool.fetchval(
            "SELECT count(*) FROM (SELECT user_id FROM guardian_identities GROUP BY user_id HAVING count(*) > 1) s"
        )
        print(f"  guardians with one account in several schools of an RPI: {shared:,}")

        # Its own connection: millions of rows take longer than the pool lets a command run.
        conn = await asyncpg.connect(territory_dsn)
        try:
            members = await announce_everywhere(conn, 20)
            director, parent = await fill_busy_school(conn, 2000)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        print(f"  + 20 announcements per school: {members:,} thread members; the busy school added")
        in_territory = await inbox_figures(pool, director, parent, repeat)
        await pool.close()

        name, alone_dsn = await scratch(admin, dsn)
        names.append(name)
        alone_pool = await create_pool(alone_dsn, max_size=2)
        async with alone_pool.acquire() as conn:
            await migrate(conn)
            director, parent = await fill_busy_school(conn, 2000)
        alone = await inbox_figures(alone_pool, director, parent, repeat)
        await alone_pool.close()
        print("inbox, first page of 50 (director in 2,000 threads, parent in 250)")
        for label in in_territory:
            ratio = statistics.median(in_territory[label]) / statistics.median(alone[label])
            print(_line(f"  {label}, in the territory", in_territory[label]), f"  {ratio:.2f}× one school")
            print(_line(f"  {label}, one school alone", alone[label]))
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--schools", type=int, default=890)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.dsn, args.schools, args.repeat))


if __name__ == "__main__":
    main()
