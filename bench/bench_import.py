"""How long a school's roster import takes, against a raw COPY of the same rows.

    python bench/bench_import.py [--schools 5] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

Creates a scratch database, imports the demo school's roster (196 pupils,
341 guardians) into fresh schools through the same code the API uses, then
re-imports it (the idempotent path), and compares with the ceiling: a bare
asyncpg COPY of as many rows into a table of the same width, in the same run.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import asyncpg

from liaison.demo.school import demo_roster_csv
from liaison.directory import store
from liaison.directory.csv_import import parse_roster
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate


async def run(dsn: str, schools: int) -> None:
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    bench_dsn = dsn.rsplit("/", 1)[0] + "/" + name
    try:
        pool = await create_pool(bench_dsn)
        async with pool.acquire() as conn:
            await migrate(conn)
        data = demo_roster_csv()
        started = time.perf_counter()
        rows = parse_roster(data)
        parse_ms = (time.perf_counter() - started) * 1000

        first, again = [], []
        for i in range(schools):
            async with pool.acquire() as conn:
                school = await store.create_school(conn, f"Bench {i}", "Lyon", f"{i:07d}B")
                for timings in (first, again):
                    started = time.perf_counter()
                    async with conn.transaction():
                        await store.import_roster(conn, school["id"], rows, 60)
                    timings.append((time.perf_counter() - started) * 1000)

        # The ceiling: COPY the same number of rows (children + guardians +
        # links + users) of similar width into a plain table.
        records = [
            (uuid.uuid4(), r.child_first_name, r.child_last_name, r.guardian_first_name, r.guardian_last_name)
            for r in rows
        ]
        copies = []
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE ceiling (id uuid, a text, b text, c text, d text,"
                " created timestamptz DEFAULT now())"
            )
            for _ in range(schools):
                started = time.perf_counter()
                async with conn.transaction():
                    # Four passes: about as many rows as the import writes.
                    for _ in range(4):
                        await conn.copy_records_to_table(
                            "ceiling", records=records, columns=["id", "a", "b", "c", "d"]
                        )
                copies.append((time.perf_counter() - started) * 1000)
        await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    median_first, median_again, median_copy = (statistics.median(x) for x in (first, again, copies))
    print(f"roster: {len(rows)} rows (pupil × guardian), parsed in {parse_ms:.1f} ms")
    print(f"first import      median {median_first:7.1f} ms  (over {schools} schools)")
    print(f"same file again   median {median_again:7.1f} ms")
    print(f"ceiling: raw COPY of {4 * len(rows)} rows  median {median_copy:7.1f} ms")
    print(f"ratio first import / ceiling: {median_first / median_copy:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--schools", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.dsn, args.schools))


if __name__ == "__main__":
    main()
