"""How fast a search answers, on a territory's year of messages.

    python bench/bench_search.py [--messages 100000] [--schools 10] [--repeat 30]
                                 [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

A scratch database gets `--schools` schools of 16 classes and 400 families,
and `--messages` messages in all, written in French from a few hundred
sentences of school life (outings, the pool, the canteen, meetings, children's
first names): per school about 400 announcements (a third to the whole school)
and 2,000 conversations between a family and a teacher. Rows go in by COPY,
through the trigger that computes each message's search document.

For a parent (in ~160 threads), a teacher (~270) and a director (~800), and
for a word, two words, a first name and a phrase, it prints:

- the EXPLAIN ANALYZE execution time of `liaison.search.store.HITS` (the
  ranked, membership-filtered query), and the p50 of the whole service call
  (`liaison.search.service.search`: parsing, hits, rows, headlines, snippets);
- two ceilings measured in the same run: the same GIN query without the
  membership join (every school's matches ranked), and the bare GIN match
  (`count(*)` of `search_document @@ query`, the least any plan must read).

Then what search costs a write: COPY of 10,000 messages with and without the
trigger and the GIN index (rolled back). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liaison.accounts import store as accounts
from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.core.context import Context
from liaison.search import service, store
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate

CLASSES = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"] * 2
FAMILIES_PER_CLASS = 25
ANNOUNCEMENTS_PER_SCHOOL = 400
CONVERSATIONS_PER_SCHOOL = 2000

FIRST_NAMES = (
    "Léa Hugo Inès Noah Jade Louis Emma Gabriel Chloé Raphaël Alice Arthur Lina Jules Rose Adam Anna Maël "
    "Zoé Lucas Mila Sacha Léna Nathan Eva Tom Julia Paul Nina Léo Manon Éden Ambre Timéo Agathe Isaac Anaïs "
    "Mohamed Yasmine Ibrahim Aïcha Élise Théo Camille Noé Clément Margaux Bastien Salomé Côme"
).split()
SUBJECTS = [
    "Sortie au musée", "Piscine", "Réunion de rentrée", "Photos de classe", "Kermesse", "Cantine",
    "Fournitures", "Carnaval", "Sortie à la ferme", "Bibliothèque", "Vaccinations", "Classe verte",
    "Spectacle de fin d'année", "Grève", "Poux", "Semaine du goût", "Élections des parents",
]  # fmt: skip
SENTENCES = [
    "La sortie au musée aura lieu jeudi, départ à 8 h 30 devant l'école.",
    "Prévoir un pique-nique, une gourde et une casquette.",
    "Les séances de piscine reprennent lundi : pensez au bonnet et au maillot.",
    "La réunion des parents aura lieu mardi à 18 h dans la salle polyvalente.",
    "Merci de rapporter le coupon signé avant vendredi.",
    "Le menu de la cantine est affiché à l'entrée de l'école.",
    "{name} a oublié son cahier de poésie dans la classe.",
    "{name} sera absent demain matin pour un rendez-vous chez le médecin.",
    "Est-ce que {name} peut partir à 16 h avec sa grand-mère ?",
    "Les photos de classe seront prises le 12 octobre.",
    "La kermesse aura lieu le samedi 27 juin dans la cour.",
    "Nous cherchons des parents accompagnateurs pour la sortie à la ferme.",
    "Les élèves ont travaillé sur les saisons et les animaux de la forêt.",
    "Pensez à vérifier les cheveux de vos enfants : des poux ont été signalés.",
    "La bibliothèque municipale accueille la classe tous les quinze jours.",
    "Bonjour, merci pour votre message.",
    "Bonne journée à vous.",
    "{name} a fait de beaux progrès en lecture ce trimestre.",
    "Le carnaval aura lieu le mardi gras : les enfants peuvent venir déguisés.",
    "Les fournitures manquantes sont à apporter pour lundi.",
    "{name} s'est fait mal à la récréation, rien de grave, mais surveillez son genou.",
    "Le spectacle de fin d'année se prépare : les répétitions commencent.",
    "En raison de la grève, la cantine ne sera pas assurée jeudi.",
    "La classe verte partira du 3 au 7 mai, une réunion d'information est prévue.",
    "N'oubliez pas la trottinette de {name} qui est restée sous le préau.",
    "Les évaluations de mi-année auront lieu la semaine prochaine.",
    "Merci de signer le cahier de liaison.",
    "La semaine du goût : chaque enfant apporte un fruit de saison.",
    "Les élections des représentants de parents d'élèves ont lieu vendredi.",
    "Nous avons planté des tulipes dans le jardin de l'école.",
]
# (what it is, what is typed); the table says how many messages of the territory match.
QUERIES = [
    ("a word", "sortie"),
    ("two words", "réunion parents"),
    ("a first name", "Agathe"),
    ("another word", "trottinette"),
    ("a phrase", '"cahier de poésie"'),
]


def text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES).format(name=rng.choice(FIRST_NAMES)) for _ in range(sentences))


async def _fill(conn: asyncpg.Connection, schools: int, total: int, seed: int) -> dict[str, uuid.UUID]:
    """The territory; returns a director, a teacher and a parent of school 0."""
    rng = random.Random(seed)
    per_school = total // schools
    users: list[tuple[Any, ...]] = []
    threads: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    messages: list[tuple[Any, ...]] = []
    start = time.time() - 300 * 86400
    chosen: dict[str, uuid.UUID] = {}
    school_rows = [(uuid.uuid4(), f"École {s}", "Lyon", f"{s:07d}B") for s in range(schools)]
    await conn.copy_records_to_table("schools", records=school_rows, columns=["id", "name", "city", "uai"])
    for s, (school, *_) in enumerate(school_rows):
        director = uuid.uuid4()
        teachers = [uuid.uuid4() for _ in CLASSES]
        families = [[uuid.uuid4() for _ in range(FAMILIES_PER_CLASS)] for _ in CLASSES]
        users.append((director, f"dir{s}", "director", school, f"Mme Directrice {s}"))
        users += [(t, f"t{s}.{c}", "teacher", school, f"Enseignant {c}") for c, t in enumerate(teachers)]
        users += [
            (p, f"p{s}.{c}.{i}", "parent", school, f"Parent {i}")
            for c, klass in enumerate(families)
            for i, p in enumerate(klass)
        ]
        if s == 0:
            chosen = {"director": director, "teacher": teachers[3], "parent": families[3][0]}
        written = 0

        def thread(
            kind: str,
            subject: str,
            author: uuid.UUID,
            people: dict[uuid.UUID, bool],
            count: int,
            school: uuid.UUID = school,
        ) -> None:
            nonlocal written
            thread_id, moment = uuid.uuid4(), start + rng.random() * 300 * 86400
            when = [moment + i * 3600 for i in range(count)]
            threads.append((thread_id, school, kind, subject, author, count, _ts(when[-1]), _ts(moment)))
            members.extend((thread_id, u, staff, count, _ts(when[-1])) for u, staff in people.items())
            writers = list(people)
            for seq in range(1, count + 1):
                who = author if seq == 1 else rng.choice(writers)
                messages.append(
                    (uuid.uuid4(), thread_id, seq, who, text(rng, rng.randint(1, 4)), _ts(when[seq - 1]))
                )
            written += count

        for a in range(ANNOUNCEMENTS_PER_SCHOOL):
            whole = a % 3 == 0
            if whole:
                people = {p: False for klass in families for p in klass} | {t: True for t in teachers}
                author = director
            else:
                c = rng.randrange(len(CLASSES))
                people = {p: False for p in families[c]} | {teachers[c]: True}
                author = teachers[c]
            people[director] = True
            thread("announcement", rng.choice(SUBJECTS), author, people, 1 + (a % 5 == 0))
        remaining = per_school - written
        for d in range(CONVERSATIONS_PER_SCHOOL):
            c = rng.randrange(len(CLASSES))
            parent = families[c][rng.randrange(FAMILIES_PER_CLASS)]
            people = {parent: False, teachers[c]: True}
            if d % 5 == 0:
                people[director] = True
            count = max(1, remaining // (CONVERSATIONS_PER_SCHOOL - d) + rng.randint(-2, 2))
            count = min(count, remaining) if d < CONVERSATIONS_PER_SCHOOL - 1 else remaining
            if count <= 0:
                continue
            remaining -= count
            thread(
                "direct", rng.choice(["Question", "Absence", "Rendez-vous", *SUBJECTS]), parent, people, count
            )
    await conn.copy_records_to_table(
        "users", records=users, columns=["id", "login", "role", "school_id", "display_name"]
    )
    await conn.copy_records_to_table(
        "threads",
        records=threads,
        columns=[
            "id",
            "school_id",
            "kind",
            "subject",
            "author_id",
            "last_seq",
            "last_activity_at",
            "created_at",
        ],
    )
    await conn.copy_records_to_table(
        "thread_members",
        records=members,
        columns=["thread_id", "user_id", "is_staff", "read_seq", "last_activity_at"],
    )
    began = time.perf_counter()
    await conn.copy_records_to_table(
        "messages", records=messages, columns=["id", "thread_id", "seq", "author_id", "body", "created_at"]
    )
    print(
        f"{len(messages):,} messages in {len(threads):,} threads, {len(members):,} memberships, "
        f"{schools} schools; messages COPY (trigger and GIN) {time.perf_counter() - began:.1f} s"
    )
    await conn.execute("VACUUM ANALYZE")
    return chosen


def _ts(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


async def _explain(conn: asyncpg.Connection, sql: str, *args: object) -> float:
    """Execution time (ms) of `sql` as EXPLAIN ANALYZE reports it, best of three."""
    times = []
    for _ in range(3):
        plan = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
        parsed = plan if isinstance(plan, list) else json.loads(plan)  # the pool decodes JSON
        times.append(float(parsed[0]["Execution Time"]))
    return min(times)


async def _p50(work: Any, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        await work()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


CEILING_RANKED = """SELECT m.id, ts_rank_cd(m.search_document, $1::tsquery) AS rank
                    FROM messages m
                    WHERE m.search_document @@ $1::tsquery AND m.recalled_at IS NULL
                    ORDER BY rank DESC, m.created_at DESC, m.id DESC LIMIT 20"""
CEILING_BARE = "SELECT count(*) FROM messages m WHERE m.search_document @@ $1::tsquery"


async def _write_cost(conn: asyncpg.Connection, count: int = 10_000) -> None:
    rng = random.Random(7)
    thread_id, author = await conn.fetchrow("SELECT thread_id, user_id FROM thread_members LIMIT 1")
    rows = [
        (uuid.uuid4(), thread_id, 1_000_000 + i, author, text(rng, rng.randint(1, 4))) for i in range(count)
    ]
    figures = {}
    for label, before in (
        ("with the search trigger and GIN index", []),
        (
            "without them (the ceiling)",
            ["ALTER TABLE messages DISABLE TRIGGER messages_search_document", "DROP INDEX messages_search"],
        ),
    ):
        tx = conn.transaction()
        await tx.start()
        for statement in before:
            await conn.execute(statement)
        began = time.perf_counter()
        await conn.copy_records_to_table(
            "messages", records=rows, columns=["id", "thread_id", "seq", "author_id", "body"]
        )
        figures[label] = (time.perf_counter() - began) * 1000
        await tx.rollback()
    for label, ms in figures.items():
        print(
            f"COPY of {count:,} messages {label:<40} {ms:8.0f} ms   {ms * 1000 / count:6.1f} µs per message"
        )


async def run(dsn: str, total: int, schools: int, repeat: int, seed: int) -> None:
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    database = dsn.rsplit("/", 1)[0] + "/" + name
    pool: asyncpg.Pool | None = None
    try:
        # Filling takes longer than the service's statement timeout: its own connection.
        conn = await asyncpg.connect(database)
        try:
            await migrate(conn)
            people = await _fill(conn, schools, total, seed)
        finally:
            await conn.close()
        pool = await create_pool(database)
        async with pool.acquire() as conn:
            counts = {
                who: await conn.fetchval(
                    """SELECT count(DISTINCT tm.thread_id) || ' threads, ' || count(*) || ' messages'
                       FROM thread_members tm JOIN messages m ON m.thread_id = tm.thread_id
                       WHERE tm.user_id = $1""",
                    user_id,
                )
                for who, user_id in people.items()
            }
        for who, count in counts.items():
            print(f"  the {who}: {count}")
        ctx = Context(pool, MemoryBus(), Settings(database_url="unused"))
        header = (
            f"{'query':<28} {'who':<9} {'found':>6} {'HITS':>8} {'service':>8} "
            f"{'ceiling: no membership':>23} {'bare GIN':>9} {'matches':>8}"
        )
        print()
        print("times in ms: HITS and the ceilings as EXPLAIN ANALYZE executes them (best of 3), service p50")
        print(header)
        async with pool.acquire() as conn:
            for label, typed in QUERIES:
                query = await store.parse_query(conn, typed)
                assert query is not None
                ranked = await _explain(conn, CEILING_RANKED, query.text)
                bare = await _explain(conn, CEILING_BARE, query.text)
                matches = await conn.fetchval(CEILING_BARE, query.text)
                for who, user_id in people.items():
                    user = await accounts.get_user(pool, user_id)
                    assert user is not None
                    found = len(await conn.fetch(store.HITS, user_id, query.text, 200))
                    hits = await _explain(conn, store.HITS, user_id, query.text, 20)
                    whole = await _p50(lambda u=user, t=typed: service.search(ctx, u, t, 20), repeat)
                    print(
                        f"{label + ': ' + typed:<28} {who:<9} {found:>6} {hits:8.2f} {whole:8.2f} "
                        f"{ranked:23.2f} {bare:9.2f} {matches:>8}"
                    )
            for who, typed in (("director", "sortie"), ("director", "Agathe"), ("parent", "sortie")):
                query = await store.parse_query(conn, typed)
                assert query is not None
                plan = await conn.fetch(
                    f"EXPLAIN (ANALYZE, COSTS OFF) {store.HITS}", people[who], query.text, 20
                )
                print(f"\nplan of HITS, the {who}, {typed!r}:")
                for row in plan:
                    print("   ", row[0])
            print()
            await _write_cost(conn)
    finally:
        if pool is not None:
            await pool.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    asyncio.run(run(args.dsn, args.messages, args.schools, args.repeat, args.seed))


if __name__ == "__main__":
    main()
