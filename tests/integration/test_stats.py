"""The adoption figures (`GET /api/stats`): exact counts of a small territory
with known activity, range filtering, the CSV, and who may read what.

The module has a database of its own so that the platform's figures are
exactly this territory's: two circonscriptions, the world's schools A and B
in the first, a school X in the second. The circonscriptions and their team
are written directly (the territory's routes are another capability's); all
the activity goes through the API, as a school would."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from liaison.accounts import store as accounts
from liaison.accounts.passwords import hash_password_sync
from liaison.calendar.days import Calendar
from liaison.config import Settings
from liaison.core.clock import paris_today, utcnow
from liaison.stats import store as stats_store
from liaison.stats.service import iso_week
from tests.conftest import (
    Clients,
    RunningServer,
    clients_of,
    database_pool,
    scratch_database,
    start_own_server,
)
from tests.receivers import b64url_encode
from tests.world import (
    PASSWORD,
    World,
    announce,
    build_world,
    families,
    import_roster,
    roster,
    school_with_director,
    sign_in,
    thread_and_message,
    write_direct,
)


@pytest.fixture(scope="module")
def stats_database(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server, "liaison_stats") as dsn:
        yield dsn


@pytest.fixture(scope="module")
async def sserver(base_settings: Settings, stats_database: str) -> AsyncIterator[RunningServer]:
    server = await start_own_server(base_settings, stats_database, "stats")
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def sapi(sserver: RunningServer) -> AsyncIterator[Clients]:
    async with clients_of(sserver.url) as clients:
        yield clients


@pytest.fixture(scope="module")
async def pool(sserver: RunningServer) -> AsyncIterator[asyncpg.Pool]:
    async with database_pool(sserver, 2) as pool:
        yield pool


@dataclass
class Territory:
    world: World
    c1: str  # A and B
    c2: str  # X
    x: str
    x_director: str
    team: str  # a token of C1's team


async def circonscription(pool: asyncpg.Pool, name: str, *school_ids: str) -> str:
    circonscription_id = await pool.fetchval(
        "INSERT INTO circonscriptions (name, name_key) VALUES ($1, lower($1)) RETURNING id", name
    )
    await pool.execute(
        "UPDATE schools SET circonscription_id = $1 WHERE id = ANY($2::uuid[])",
        circonscription_id,
        [uuid.UUID(s) for s in school_ids],
    )
    return str(circonscription_id)


def push_subscription() -> dict:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"http://127.0.0.1:9/push/{uuid.uuid4().hex}",
        "keys": {"p256dh": b64url_encode(raw), "auth": b64url_encode(os.urandom(16))},
    }


@pytest.fixture(scope="module")
async def territory(sapi: Clients, pool: asyncpg.Pool) -> Territory:
    """School A (CP, CE1): Léa and Inès (Claire, and Paul who never activated),
    Hugo (Sophie), Noah (Marc), and one more CP family that never activated.
    School B: Jade (Luc). School X: two families that never activated.

    Activity, today: the director of A sends an announcement to the whole
    school asking for a signature (5 families; Claire reads and signs for Léa
    and Inès, Sophie reads, Marc does not); the CP teacher one to the CP (3
    families, unread); Marc writes to the CE1 teacher about Noah, who answers;
    Sophie reports Hugo absent; the CP teacher publishes a blog post, the CE1
    teacher writes a class page of the cahier; Claire turns on notifications."""
    world = await build_world(sapi)
    a = world.a
    assert a.director is not None
    director = sapi(a.director.token)
    response = await import_roster(director, a.id, roster(families("CP", 1)))
    assert response.status_code == 200, response.text

    x, x_director = await school_with_director(sapi, "Mme Directrice X")
    response = await import_roster(sapi(x_director.token), x, roster(families("CM2", 2)))
    assert response.status_code == 200, response.text

    c1 = await circonscription(pool, f"Lyon Nord {uuid.uuid4().hex[:6]}", a.id, world.b.id)
    c2 = await circonscription(pool, f"Lyon Sud {uuid.uuid4().hex[:6]}", x)
    async with pool.acquire() as conn:
        ien = await accounts.create_user(
            conn,
            role="circonscription",
            school_id=None,
            display_name="M. l'Inspecteur",
            first_name="Inspecteur",
            last_name="Nord",
            password_hash=hash_password_sync(PASSWORD),
            circonscription_id=uuid.UUID(c1),
        )
    team = await sign_in(sapi(), ien.login, PASSWORD)

    claire, sophie, marc = (sapi(a.parents[p].token) for p in ("both", "cp", "ce1"))
    signed, _ = thread_and_message(await announce(director, "Réunion de rentrée", require_ack=True))
    for parent in (claire, sophie):
        response = await parent.post(f"/api/threads/{signed['id']}/read", json={"seq": 1})
        assert response.status_code == 204, response.text
    response = await claire.post(f"/api/threads/{signed['id']}/ack")
    assert response.status_code == 200, response.text
    cp_teacher = sapi(a.teachers["CP"].token)
    thread_and_message(await announce(cp_teacher, "Piscine", class_ids=[a.classes["CP"]]))

    direct, _ = thread_and_message(await write_direct(marc, a.children["Noah"]))
    response = await sapi(a.teachers["CE1"].token).post(
        f"/api/threads/{direct['id']}/messages", json={"body": "Bien reçu."}
    )
    assert response.status_code == 201, response.text

    day = Calendar().next_school_days(paris_today() + dt.timedelta(days=1), 1)[0].isoformat()
    response = await sophie.post(
        "/api/absences", json={"child_id": a.children["Hugo"], "start": day, "end": day, "reason": "illness"}
    )
    assert response.status_code == 201, response.text
    response = await cp_teacher.post(
        f"/api/classes/{a.classes['CP']}/posts", json={"title": "La mare", "body": "", "media_ids": []}
    )
    assert response.status_code == 201, response.text
    response = await sapi(a.teachers["CE1"].token).post(
        f"/api/classes/{a.classes['CE1']}/realisations",
        json={"title": "Le potager", "body": "", "media_ids": []},
    )
    assert response.status_code == 201, response.text
    response = await claire.post("/api/push/subscriptions", json=push_subscription())
    assert response.status_code == 201, response.text
    return Territory(world, c1, c2, x, x_director.token, team)


# The figures of each school, and of each scope as a whole.
A_ROW = {
    "families": 5,
    "families_activated": 4,
    "announcements": 2,
    "announcements_read_24h_pct": 37.5,  # Léa, Inès, Hugo of 5 + 3 families addressed
    "signatures_pct": 40.0,  # Léa and Inès of the 5 families asked
    "messages": 5,  # the two announcements, Marc's and the answer, the absence report
    "absences_online": 1,
    "blog_posts": 1,
    "cahier_pages": 1,
    "push_enabled_pct": 33.3,  # Claire of Claire, Sophie and Marc
}
B_ROW = {
    "families": 1,
    "families_activated": 1,
    "announcements": 0,
    "announcements_read_24h_pct": None,
    "signatures_pct": None,
    "messages": 0,
    "absences_online": 0,
    "blog_posts": 0,
    "cahier_pages": 0,
    "push_enabled_pct": 0.0,
}
X_ROW = {**B_ROW, "families": 2, "families_activated": 0, "push_enabled_pct": None}
C1_TOTAL = {**A_ROW, "families": 6, "families_activated": 5, "push_enabled_pct": 25.0}
PLATFORM_TOTAL = {**C1_TOTAL, "families": 8}


async def test_the_figures_of_a_school_a_circonscription_and_the_platform(
    sapi: Clients, territory: Territory
) -> None:
    world = territory.world
    admin = sapi(world.admin)
    today = paris_today()
    year = today.year if today.month >= 9 else today.year - 1

    response = await admin.get("/api/stats", params={"scope": "platform"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"scope", "from", "to", "schools", "total", "weeks"}
    assert (body["scope"], body["from"], body["to"]) == ("platform", f"{year}-09-01", f"{year + 1}-08-31")
    rows = {row["school_id"]: row for row in body["schools"]}
    assert set(rows) == {world.a.id, world.b.id, territory.x}
    assert [row["name"] for row in body["schools"]] == sorted(row["name"] for row in body["schools"])
    for school_id, expected in ((world.a.id, A_ROW), (world.b.id, B_ROW), (territory.x, X_ROW)):
        assert {k: v for k, v in rows[school_id].items() if k not in ("school_id", "name")} == expected
    assert body["total"] == PLATFORM_TOTAL
    # Every week from 1 September to this one, today's with all the activity:
    # Léa and Inès (Claire read), Hugo (Sophie read, reported), Noah (Marc wrote).
    weeks = body["weeks"]
    assert weeks[0]["week"] == iso_week(dt.date(year, 9, 1)) and weeks[-1]["week"] == iso_week(today)
    assert len({w["week"] for w in weeks}) == len(weeks)
    assert weeks[-1] == {"week": iso_week(today), "active_families": 4, "messages": 5}
    assert all(w["active_families"] == 0 and w["messages"] == 0 for w in weeks[:-1])

    response = await sapi(territory.team).get("/api/stats")  # the team's own circonscription
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == f"circonscription:{territory.c1}"
    assert [row["school_id"] for row in body["schools"]] == sorted(
        [world.a.id, world.b.id],
        key=lambda s: next(r["name"] for r in body["schools"] if r["school_id"] == s),
    )
    assert body["total"] == C1_TOTAL
    assert body["weeks"][-1] == {"week": iso_week(today), "active_families": 4, "messages": 5}

    assert world.b.director is not None
    response = await sapi(world.b.director.token).get("/api/stats")  # the director's own school
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == f"school:{world.b.id}"
    assert [r["school_id"] for r in body["schools"]] == [world.b.id]
    assert body["total"] == B_ROW
    assert body["weeks"][-1] == {"week": iso_week(today), "active_families": 0, "messages": 0}
    assert "Martin" not in response.text and "Claire" not in response.text  # counts, never a name


async def test_the_range_filters_activity_and_who_was_there(sapi: Clients, territory: Territory) -> None:
    admin = sapi(territory.world.admin)
    scope = f"school:{territory.world.a.id}"
    today = paris_today()
    response = await admin.get(
        "/api/stats", params={"scope": scope, "from": today.isoformat(), "to": today.isoformat()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == A_ROW
    assert body["weeks"] == [{"week": iso_week(today), "active_families": 4, "messages": 5}]

    # Before today: nobody was enrolled yet, nothing was written.
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    response = await admin.get("/api/stats", params={"scope": scope, "from": "2025-09-01", "to": yesterday})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2025-09-01", yesterday)
    assert body["total"] == {**B_ROW, "families": 0, "families_activated": 0, "push_enabled_pct": None}
    assert all(w["active_families"] == 0 and w["messages"] == 0 for w in body["weeks"])

    # Only the end given: the school year's start.
    future = (today + dt.timedelta(days=400)).isoformat()
    response = await admin.get("/api/stats", params={"scope": scope, "to": future})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == A_ROW
    assert response.json()["weeks"][-1]["week"] == iso_week(today)  # not beyond today


async def test_the_csv(sapi: Clients, territory: Territory) -> None:
    response = await sapi(territory.team).get(
        "/api/stats", params={"scope": f"circonscription:{territory.c1}", "format": "csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="bilan-circonscription-') and disposition.endswith(
        '.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "École", "Familles", "Familles activées", "Annonces", "Annonces lues sous 24 h (%)", "Signatures (%)",
        "Messages", "Absences signalées en ligne", "Articles de blog", "Pages du cahier",
        "Notifications activées (%)",
    ]  # fmt: skip
    assert len(rows) == 4  # the header, A and B by name, the total
    by_name = {row[0]: row[1:] for row in rows[1:]}
    names = {
        s["school_id"]: s["name"] for s in (await sapi(territory.team).get("/api/stats")).json()["schools"]
    }
    assert by_name[names[territory.world.a.id]] == ["5", "4", "2", "37,5", "40,0", "5", "1", "1", "1", "33,3"]
    assert by_name[names[territory.world.b.id]] == ["1", "1", "0", "", "", "0", "0", "0", "0", "0,0"]
    assert rows[-1] == ["Total", "6", "5", "2", "37,5", "40,0", "5", "1", "1", "1", "25,0"]


async def test_who_may_read_which_figures(sapi: Clients, territory: Territory) -> None:
    world = territory.world
    a, b = world.a, world.b
    assert a.director is not None
    unknown = str(uuid.uuid4())
    scopes = {
        "platform": "platform",
        "c1": f"circonscription:{territory.c1}",
        "c2": f"circonscription:{territory.c2}",
        "a": f"school:{a.id}",
        "b": f"school:{b.id}",
        "x": f"school:{territory.x}",
        "unknown school": f"school:{unknown}",
        "unknown circonscription": f"circonscription:{unknown}",
    }
    matrix = {
        "admin": (world.admin, {"platform": 200, "c1": 200, "c2": 200, "a": 200, "b": 200, "x": 200,
                                "unknown school": 404, "unknown circonscription": 404}),
        "circonscription": (territory.team, {"platform": 403, "c1": 200, "c2": 404, "a": 200, "b": 200,
                                             "x": 404, "unknown school": 404, "unknown circonscription": 404}),
        "director of A": (a.director.token, {"platform": 403, "c1": 404, "c2": 404, "a": 200, "b": 404,
                                             "x": 404, "unknown school": 404, "unknown circonscription": 404}),
        "director of X": (territory.x_director, {"platform": 403, "c1": 404, "c2": 404, "a": 404, "b": 404,
                                                 "x": 200, "unknown school": 404,
                                                 "unknown circonscription": 404}),
        "teacher of A": (a.teachers["CP"].token, dict.fromkeys(scopes, 403)),
        "parent of A": (a.parents["both"].token, dict.fromkeys(scopes, 403)),
    }  # fmt: skip
    for who, (token, expected) in matrix.items():
        client = sapi(token)
        for name, scope in scopes.items():
            response = await client.get("/api/stats", params={"scope": scope})
            assert response.status_code == expected[name], (who, name, response.text)
            if response.status_code != 200:
                code = {403: "forbidden", 404: "not_found"}[response.status_code]
                assert response.json()["error"]["code"] == code, (who, name)
            else:
                assert response.json()["scope"] == scope
        csv_answer = await client.get("/api/stats", params={"scope": scopes["a"], "format": "csv"})
        assert csv_answer.status_code == expected["a"], who
    # The default scope of those who read none is refused all the same.
    for token in (a.teachers["CP"].token, a.parents["both"].token):
        response = await sapi(token).get("/api/stats")
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    response = await sapi().get("/api/stats", params={"scope": "platform"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "region:1"}, "scope"),
        ({"scope": "school:pas-un-id"}, "scope"),
        ({"scope": "platform:x"}, "scope"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "01/09/2026"}, "to"),
        ({"from": "1999-12-31"}, "from"),
        ({"from": "2026-10-01", "to": "2026-09-30"}, "to"),
        ({"format": "xlsx"}, "format"),
    ],
)
async def test_bad_queries_name_their_field(
    sapi: Clients, territory: Territory, params: dict[str, str], field: str
) -> None:
    response = await sapi(territory.world.admin).get("/api/stats", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {field}, error


async def test_the_rollups_change_no_figure(sapi: Clients, territory: Territory, pool: asyncpg.Pool) -> None:
    """The closed periods rolled up (here as if 9 days had passed: today's
    announcements more than 24 h old, today's week closed) give the figures
    counted live, once: a second run adds nothing; a signature arriving after
    the rollup still counts. Last of the module: it leaves the rollups empty."""
    world = territory.world
    admin = sapi(world.admin)
    today = paris_today()
    queries = [
        (admin, {"scope": "platform"}),
        (sapi(territory.team), {}),
        (admin, {"scope": f"school:{world.a.id}", "from": (today - dt.timedelta(days=3)).isoformat()}),
        (admin, {"scope": "platform", "from": today.isoformat(), "to": today.isoformat()}),
        (
            admin,
            {"scope": f"circonscription:{territory.c1}", "to": (today + dt.timedelta(days=400)).isoformat()},
        ),
    ]

    async def answers() -> list[dict]:
        found = []
        for client, params in queries:
            response = await client.get("/api/stats", params=params)
            assert response.status_code == 200, response.text
            found.append(response.json())
        return found

    live = await answers()
    assert live[0]["total"] == PLATFORM_TOTAL and live[1]["total"] == C1_TOTAL
    later = utcnow() + dt.timedelta(days=9)
    try:
        async with pool.acquire() as conn:
            # The requests caught up with today: nothing settled yet.
            assert await conn.fetchval("SELECT count(*) FROM stats_announcements") == 0
            assert await conn.fetchval("SELECT count(*) FROM stats_weeks") == 0
            assert await stats_store.rollup(conn, later) == stats_store.RollupResult(announcements=2, weeks=1)
            rows = await conn.fetch("SELECT school_id, week, active_families, messages FROM stats_weeks")
            assert [tuple(r) for r in rows] == [
                (uuid.UUID(world.a.id), today - dt.timedelta(days=today.weekday()), 4, 5)
            ]
            announced = await conn.fetch(
                "SELECT families, read_24h, require_ack FROM stats_announcements ORDER BY families DESC"
            )
            assert [tuple(r) for r in announced] == [(5, 3, True), (3, 0, False)]
        assert await answers() == live

        async with pool.acquire() as conn:
            assert await stats_store.rollup(conn, later) == stats_store.RollupResult(announcements=0, weeks=0)
            assert await conn.fetchval("SELECT count(*) FROM stats_announcements") == 2
            assert await conn.fetchval("SELECT count(*) FROM stats_weeks") == 1
        assert await answers() == live

        # Sophie signs for Hugo after the rollup: 3 of the 5 families asked.
        sophie = sapi(world.a.parents["cp"].token)
        signed = next(t for t in (await sophie.get("/api/threads")).json()["threads"] if t["require_ack"])
        response = await sophie.post(f"/api/threads/{signed['id']}/ack")
        assert response.status_code == 200, response.text
        after = await answers()
        assert after[0]["total"] == {**PLATFORM_TOTAL, "signatures_pct": 60.0}
        assert after[1]["total"] == {**C1_TOTAL, "signatures_pct": 60.0}
    finally:
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM stats_announcements")
            await conn.execute("DELETE FROM stats_weeks")
            await conn.execute("UPDATE stats_rollups SET announcements_through = NULL, weeks_through = NULL")
