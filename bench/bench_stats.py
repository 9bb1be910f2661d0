"""The adoption figures of a whole territory: `GET /api/stats` for the
platform and for one circonscription, against the bare aggregate query.

    python bench/bench_stats.py [--schools 890] [--repeat 20] [--keep | --database DSN]
                                [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

(`--keep` keeps the territory's database, `--database` measures one kept
before: the territory takes minutes to make.)

A scratch database gets, by COPY, a territory of DESIGN.md's size in the
autumn of its first year: `--schools` schools (890: 28 circonscriptions,
about 100,000 pupils in classes of about 24, 180,000 guardians, 4,500
teachers), each school taking Liaison up at its own pace (35 to 95 % of
guardians activated, half of them with notifications on), and the activity
of the school year so far, from 1 September to today: announcements to a
class or to the whole school (a fifth asking for a signature; most families
reading within hours), conversations between families and teachers,
absences reported online, blog posts and cahier pages.

Then, over `--repeat` requests each, through an in-process client of the app
(the ASGI app, its pool, its middleware; no network), `GET /api/stats` as
the admin for the platform and as the circonscription's team for the
largest circonscription, against the ceiling measured in the same run: the
bare aggregate query, `liaison.stats.store.figures` on one connection
(the same statements, without the policy, the snapshot transaction, the rows
turned into JSON, nor HTTP). Before, the rollups of the closed periods
(`liaison.stats.store.rollup`: announcements more than 24 h old, closed
weeks) are emptied and made again, timed, then run once more (what the
worker does every 10 minutes: nothing new), so that the requests read them
and count live only the last day's announcements and the current week.
Prints the rollup's times, p50 and p99 of each and their ratio, and each
statement's time (the rolled-up path's, and the whole range counted live
as it was before the rollups); asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liaison.accounts import store as accounts
from liaison.accounts.passwords import hash_password_sync
from liaison.app import create_app
from liaison.config import Settings
from liaison.core.clock import PARIS, paris_today
from liaison.stats import store
from liaison.stats.service import mondays, paris_midnight, school_year
from liaison.storage.migrations import migrate

ADMIN, PASSWORD = "admin-bench", "un mot de passe de banc d'essai"
CIRCONSCRIPTIONS = 28
CLASS_SIZE = 24


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Territory:
    """The rows of the territory, as lists of tuples for COPY."""

    def __init__(self, schools: int, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.year_start = paris_midnight(school_year(now.astimezone(PARIS).date())[0])
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.circonscriptions = [new_id() for _ in range(CIRCONSCRIPTIONS)]
        self.schools: list[uuid.UUID] = []
        for n in range(schools):
            self.school(n)

    def add(self, table: str, *row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def moment(self, after: dt.datetime | None = None) -> dt.datetime:
        start = after or self.year_start
        span = (self.now - start).total_seconds()
        return start + dt.timedelta(seconds=self.rng.random() * max(span, 1))

    def user(self, role: str, school: uuid.UUID, login: str, activated: dt.datetime | None) -> uuid.UUID:
        user_id = new_id()
        self.add("users", user_id, login, role, school, login, "", "", None, activated, school)
        return user_id

    def school(self, n: int) -> None:
        rng = self.rng
        school = new_id()
        self.schools.append(school)
        self.add(
            "schools",
            school,
            f"École {n:03d}",
            "Ville",
            f"{n:07d}B",
            self.circonscriptions[n % CIRCONSCRIPTIONS],
        )
        pupils = int(rng.triangular(20, 270, 46))  # 112 on average: most schools are small
        uptake = rng.uniform(0.35, 0.95)
        started = self.year_start - dt.timedelta(days=10)
        director = self.user("director", school, f"d{n}", started)
        self.add("school_staff", director, school, "director")
        classes = []
        for c in range((pupils + CLASS_SIZE - 1) // CLASS_SIZE):
            class_id, teacher = new_id(), self.user("teacher", school, f"t{n}.{c}", started)
            self.add("classes", class_id, school, f"Classe {c}", f"classe {c}")
            self.add("school_staff", teacher, school, "teacher")
            self.add("class_staff", class_id, teacher)
            classes.append((class_id, teacher, []))
        guardians_of: dict[uuid.UUID, list[tuple[uuid.UUID, bool]]] = {}
        for p in range(pupils):
            class_id, _, members = classes[p % len(classes)]
            child = new_id()
            self.add("children", child, school, class_id, "Enfant", f"E{n}.{p}", f"e{n}.{p}", started)
            members.append(child)
            family = []
            for g in range(2 if rng.random() < 0.8 else 1):
                activated = self.moment() if rng.random() < uptake else None
                guardian = self.user("parent", school, f"p{n}.{p}.{g}", activated)
                self.add("guardianships", child, guardian)
                family.append((guardian, activated is not None))
                if activated is not None and rng.random() < 0.55:
                    self.add(
                        "push_subscriptions", new_id(), guardian, f"https://push.example/{guardian}", "k", "a"
                    )
            guardians_of[child] = family
        self.activity(school, director, classes, guardians_of, uptake)

    def thread(
        self,
        school: uuid.UUID,
        kind: str,
        author: uuid.UUID,
        staff: list[uuid.UUID],
        children: list[uuid.UUID],
        guardians_of: dict[uuid.UUID, list[tuple[uuid.UUID, bool]]],
        *,
        require_ack: bool = False,
        at: dt.datetime | None = None,
    ) -> tuple[uuid.UUID, dt.datetime]:
        rng = self.rng
        thread, created = new_id(), at or self.moment()
        self.add("threads", thread, school, kind, "Sujet", children[0] if kind != "announcement" and kind != "signup" else None,
                 author, require_ack, created, created, 1)  # fmt: skip
        self.add("messages", new_id(), thread, 1, author, "Bonjour à tous.", created)
        for member in staff:
            self.add("thread_members", thread, member, True, 1, created, created, created)
        seen: set[uuid.UUID] = set()
        for child in children:
            self.add("thread_children", thread, child)
            signed = False
            for guardian, active in guardians_of[child]:
                if guardian in seen:
                    continue
                seen.add(guardian)
                read = created if guardian == author else None
                if read is None and active and rng.random() < 0.8:
                    read = min(created + dt.timedelta(hours=rng.expovariate(1 / 14)), self.now)
                self.add("thread_members", thread, guardian, False, 1 if read else 0, read, read, created)
                if require_ack and read and not signed and rng.random() < 0.85:
                    self.add("acks", thread, child, guardian, read, False)
                    signed = True
        return thread, created

    def activity(
        self,
        school: uuid.UUID,
        director: uuid.UUID,
        classes: list[tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]],
        guardians_of: dict[uuid.UUID, list[tuple[uuid.UUID, bool]]],
        uptake: float,
    ) -> None:
        rng = self.rng
        weeks = max(1, (self.now - self.year_start).days // 7)
        everyone = [child for _, _, members in classes for child in members]
        teachers = [teacher for _, teacher, _ in classes]
        for _ in range(weeks // 2):  # the director, to the whole school, every other week
            kind = "signup" if rng.random() < 0.1 else "announcement"
            self.thread(school, kind, director, [director, *teachers], everyone, guardians_of,
                        require_ack=rng.random() < 0.2)  # fmt: skip
        for class_id, teacher, members in classes:
            if not members:
                continue
            for _ in range(int(weeks * 0.6)):  # each teacher to the class
                self.thread(school, "announcement", teacher, [teacher, director], members, guardians_of,
                            require_ack=rng.random() < 0.2)  # fmt: skip
            for child in members:
                family = [g for g, active in guardians_of[child] if active]
                if family and rng.random() < 0.6 * uptake + 0.2:  # a conversation with the teacher
                    parent = family[0]
                    thread, created = self.thread(school, "direct", parent, [teacher], [child], guardians_of)
                    at = created
                    for seq in range(2, 2 + rng.randint(0, 4)):
                        at = min(at + dt.timedelta(hours=rng.expovariate(1 / 20)), self.now)
                        self.add(
                            "messages",
                            new_id(),
                            thread,
                            seq,
                            teacher if seq % 2 == 0 else parent,
                            "Merci.",
                            at,
                        )
                if family and rng.random() < 0.3:  # an absence reported online
                    thread, created = self.thread(
                        school, "absence", family[0], [teacher], [child], guardians_of
                    )
                    day = created.astimezone(PARIS).date()
                    self.add("absences", new_id(), school, child, class_id, day, day, "day", "illness",
                             family[0], created, thread)  # fmt: skip
            for _ in range(weeks // 2):
                at = self.moment()
                self.add(
                    "posts", new_id(), school, class_id, teacher, "Article", "", "published", at, at, at, at
                )
            for _ in range(weeks):
                at = self.moment()
                self.add(
                    "realisation_pages", new_id(), school, "class", None, class_id, teacher, "Page", "", at
                )


COLUMNS = {
    "circonscriptions": ["id", "name", "name_key"],
    "schools": ["id", "name", "city", "uai", "circonscription_id"],
    "users": ["id", "login", "role", "school_id", "display_name", "first_name", "last_name", "email",
              "activated_at", "stream_id"],
    "school_staff": ["user_id", "school_id", "role"],
    "classes": ["id", "school_id", "name", "name_key"],
    "class_staff": ["class_id", "user_id"],
    "children": ["id", "school_id", "class_id", "first_name", "last_name", "identity_key", "created_at"],
    "guardianships": ["child_id", "user_id"],
    "push_subscriptions": ["id", "user_id", "endpoint", "p256dh", "auth"],
    "threads": ["id", "school_id", "kind", "subject", "child_id", "author_id", "require_ack", "created_at",
                "last_activity_at", "last_seq"],
    "messages": ["id", "thread_id", "seq", "author_id", "body", "created_at"],
    "thread_members": ["thread_id", "user_id", "is_staff", "read_seq", "first_read_at", "read_at",
                       "last_activity_at"],
    "thread_children": ["thread_id", "child_id"],
    "acks": ["thread_id", "child_id", "user_id", "acked_at", "on_paper"],
    "absences": ["id", "school_id", "child_id", "class_id", "start_date", "end_date", "part", "reason",
                 "reported_by", "reported_at", "thread_id"],
    "posts": ["id", "school_id", "class_id", "author_id", "title", "body", "status", "created_at", "updated_at",
              "activity_at", "published_at"],
    "realisation_pages": ["id", "school_id", "kind", "child_id", "class_id", "author_id", "title", "body",
                          "created_at"],
}  # fmt: skip


async def fill(conn: asyncpg.Connection, territory: Territory) -> None:
    # Rows made consistent by construction: no foreign key checked row by row
    # (nor the search trigger: the figures read no message's text).
    await conn.execute("SET session_replication_role = replica")
    territory.rows["circonscriptions"] = [
        (c, f"Circonscription {i:02d}", f"circonscription {i:02d}")
        for i, c in enumerate(territory.circonscriptions)
    ]
    for table, columns in COLUMNS.items():
        rows = territory.rows.get(table, [])
        began = time.perf_counter()
        await conn.copy_records_to_table(table, records=rows, columns=columns)
        print(f"  COPY {table:<20} {len(rows):>10,} rows {time.perf_counter() - began:7.1f} s")
    await conn.execute("RESET session_replication_role")
    await conn.execute("ANALYZE")


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    await call()  # warm: plans, caches
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return times


async def statement_times(
    conn: Any,
    school_ids: list[uuid.UUID],
    start: dt.datetime,
    end: dt.datetime,
    week_starts: list[dt.datetime],
) -> None:
    statements: dict[str, tuple[str, tuple[Any, ...]]] = {
        "families": (store._FAMILIES, (school_ids, end)),
        "guardians (push)": (store._GUARDIANS, (school_ids, end)),
        "announcements (all live)": (store._ANNOUNCEMENTS, (school_ids, start, end)),
        "messages (all live)": (store._MESSAGES, (school_ids, start, end, week_starts)),
        "published": (store._PUBLISHED, (school_ids, start, end)),
        "active fam. (all live)": (store._ACTIVE_FAMILIES, (school_ids, start, end, week_starts)),
    }
    state = await store.rolled(conn)
    assert state.announcements is not None and state.weeks is not None
    cut = max(state.announcements, start)
    this_week = paris_midnight(state.weeks)
    statements.update(
        {
            "rolled announcements": (store._ROLLED_ANNOUNCEMENTS, (school_ids, start, cut)),
            "live announcements": (store._ANNOUNCEMENTS, (school_ids, cut, end)),
            "rolled weeks": (
                store._ROLLED_WEEKS,
                (school_ids, week_starts[0].date(), state.weeks - dt.timedelta(days=7)),
            ),
            "live messages": (store._MESSAGES, (school_ids, this_week, end, week_starts)),
            "live active families": (store._ACTIVE_FAMILIES, (school_ids, this_week, end, week_starts)),
        }
    )
    for label, (sql, args) in statements.items():
        async with conn.transaction(readonly=True):
            await store.snapshot_settings(conn)
            best = min(await timed(lambda s=sql, a=args: conn.fetch(s, *a), 3))
        print(f"    {label:<22} {best:8.1f} ms")


async def run(dsn: str, schools: int, repeat: int, seed: int, keep: bool, reuse: str | None) -> None:
    name = f"liaison_bench_stats_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    if reuse:
        database, keep = reuse, True
    else:
        await admin.execute(f'CREATE DATABASE "{name}"')
        database = dsn.rsplit("/", 1)[0] + "/" + name
    try:
        conn = await asyncpg.connect(database)
        try:
            await migrate(conn)
            if not reuse:
                now = dt.datetime.now(dt.UTC)
                began = time.perf_counter()
                territory = Territory(schools, seed, now)
                print(f"territory of {schools} schools generated in {time.perf_counter() - began:.1f} s")
                await fill(conn, territory)
            sizes = await conn.fetchrow(
                """SELECT (SELECT count(*) FROM children) AS pupils,
                          (SELECT count(*) FROM users WHERE role = 'parent') AS guardians,
                          (SELECT count(*) FROM users WHERE role = 'teacher') AS teachers,
                          (SELECT count(*) FROM threads) AS threads,
                          (SELECT count(*) FROM messages) AS messages,
                          (SELECT count(*) FROM thread_members) AS members"""
            )
            print("  " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
            # The rollups of the closed periods, from nothing, then once more
            # (what the worker's loop does every 10 minutes: nothing new).
            await conn.execute("DELETE FROM stats_announcements")
            await conn.execute("DELETE FROM stats_weeks")
            await conn.execute("UPDATE stats_rollups SET announcements_through = NULL, weeks_through = NULL")
            for label in ("rollup", "rollup again"):
                began = time.perf_counter()
                rolled = await store.rollup(conn, dt.datetime.now(dt.UTC))
                assert rolled is not None
                print(
                    f"  {label}: {time.perf_counter() - began:.2f} s ({rolled.announcements:,} (announcement,"
                    f" school) rows, {rolled.weeks:,} (school, week) rows)"
                )
            largest = await conn.fetchval(
                "SELECT circonscription_id FROM schools GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
            team = await accounts.create_user(
                conn, role="circonscription", school_id=None, display_name="IEN", first_name="Ien",
                last_name="Bench", password_hash=hash_password_sync(PASSWORD), circonscription_id=largest,
            )  # fmt: skip
        finally:
            await conn.close()

        settings = Settings(
            database_url=database,
            secret_key="bench-" + uuid.uuid4().hex,
            admin_login=ADMIN,
            admin_password=PASSWORD,
            data_dir=Path(tempfile.mkdtemp(prefix="liaison-bench-stats-")),
            log_level="WARNING",
        )
        app = create_app(settings)
        first, last = school_year(paris_today())
        start, end = paris_midnight(first), paris_midnight(last + dt.timedelta(days=1))
        week_starts = [paris_midnight(monday) for monday in mondays(first, last)]
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            tokens = {}
            for who, login in (("admin", ADMIN), ("team", team.login)):
                answer = await client.post("/api/session", json={"login": login, "password": PASSWORD})
                assert answer.status_code == 200, answer.text
                tokens[who] = answer.json()["token"]
            cases = [
                ("platform", "admin", "platform", None),
                ("circonscription", "team", f"circonscription:{largest}", largest),
            ]
            print(f"\ntimes in ms over {repeat} requests each (p50 / p99); ceiling: the bare aggregate query")
            print(
                f"{'scope':<17} {'schools':>7} {'GET p50':>8} {'GET p99':>8} {'bare p50':>9} {'bare p99':>9} {'ratio':>6}"
            )
            pool: asyncpg.Pool = app.state.pool
            for label, who, scope, circonscription in cases:

                async def request(s: str = scope, w: str = who) -> None:
                    answer = await client.get(
                        "/api/stats", params={"scope": s}, headers={"Authorization": f"Bearer {tokens[w]}"}
                    )
                    assert answer.status_code == 200, answer.text

                async with pool.acquire() as conn:
                    ids = [
                        r["id"]
                        for r in await store.schools_of_scope(conn, circonscription_id=circonscription)
                    ]

                    async def bare(c: Any = conn, i: list[uuid.UUID] = ids) -> None:
                        async with c.transaction(readonly=True):
                            await store.snapshot_settings(c)
                            await store.figures(c, i, start, end, week_starts)

                    bare_times = await timed(bare, repeat)
                get_times = await timed(request, repeat)
                get50, get99 = percentiles(get_times)
                bare50, bare99 = percentiles(bare_times)
                print(
                    f"{label:<17} {len(ids):>7} {get50:8.1f} {get99:8.1f} {bare50:9.1f} {bare99:9.1f} {get50 / bare50:6.2f}"
                )
            for label, _, _, circonscription in cases:
                async with pool.acquire() as conn:
                    ids = [
                        r["id"]
                        for r in await store.schools_of_scope(conn, circonscription_id=circonscription)
                    ]
                    print(f"\n  each statement, {label} (best of 3):")
                    await statement_times(conn, ids, start, end, week_starts)
    finally:
        if keep:
            print(f"\nkept: {database}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--schools", type=int, default=890)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the database (its DSN is printed)")
    parser.add_argument("--database", help="measure a database kept by an earlier run (no new territory)")
    args = parser.parse_args()
    asyncio.run(run(args.dsn, args.schools, args.repeat, args.seed, args.keep, args.database))


if __name__ == "__main__":
    main()
