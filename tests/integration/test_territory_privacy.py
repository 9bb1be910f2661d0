"""What a school sees stays in it (API.md "Territory"), over HTTP.

- A member of the circonscription's team, whose circonscription holds schools A and
  B, asks for every family resource of school A by its real id: threads, messages,
  receipts, paper slips, absences and registers, cahiers, the class blog, photos,
  consents, class members, letters, the agenda of a class, sign-ups, search. Each
  answer is 404 `not_found` (it does not exist for them) or 403 `forbidden` (an
  account-level refusal: sending a photo), and nothing is written.
- Sophie, a parent of Hugo in school A, is also Jade's guardian in school B: what
  the director of A reads (class members, letters, receipts and paper slips of an
  announcement to Sophie, search) never names Jade nor school B.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from liaison.accounts import store as accounts
from liaison.accounts.passwords import hash_password_sync
from liaison.calendar.days import Calendar
from liaison.core.clock import paris_today
from tests.blog_world import post, upload
from tests.conftest import Clients
from tests.integration.test_realisations import add_class_page, add_page
from tests.world import (
    PASSWORD,
    World,
    announce,
    announcement,
    build_world,
    direct,
    open_signup,
    sign_in,
    write_direct,
)

# The tables a family's resources live in: a refused request leaves each as it was.
WRITTEN = ["threads", "thread_members", "thread_children", "messages", "acks", "thread_reminders",
           "absences", "absence_settings", "roll_calls", "roll_call_absents", "posts", "post_media",
           "post_comments", "realisation_pages", "realisation_media", "media", "media_children",
           "image_consents", "consent_reminders", "agenda_events", "signups", "signup_slots",
           "school_calendars", "school_closures", "children", "guardianships", "classes",
           "class_staff", "activation_codes", "scheduled_posts"]  # fmt: skip


def school_day(skip: int) -> str:
    """A school day of the default calendar (the world's schools keep it), days ahead."""
    return Calendar().next_school_days(paris_today() + dt.timedelta(days=3), skip + 1)[-1].isoformat()


def when(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def world(api: Clients, db: asyncpg.Pool) -> World:
    """The two schools of tests/world.py in one circonscription, its team's account,
    and in school A one of each family resource."""
    world = await build_world(api)
    a = world.a
    tag = uuid.uuid4().hex[:6]
    async with db.acquire() as conn:
        circ = await conn.fetchval(
            "INSERT INTO circonscriptions (name, name_key) VALUES ($1, $1) RETURNING id", f"Lyon {tag}"
        )
        await conn.execute(
            "UPDATE schools SET circonscription_id = $1 WHERE id = ANY($2::uuid[])",
            circ,
            [uuid.UUID(a.id), uuid.UUID(world.b.id)],
        )
        team = await accounts.create_user(
            conn, role="circonscription", school_id=None, circonscription_id=circ,
            display_name="M. l'Inspecteur", login=f"ien.{tag}", password_hash=hash_password_sync(PASSWORD),
        )  # fmt: skip
    world.team = await sign_in(api(), team.login, PASSWORD)
    world.circonscription_id = str(circ)

    teacher, sophie = api(a.teachers["CP"].token), api(a.parents["cp"].token)
    cp, hugo = a.classes["CP"], a.children["Hugo"]
    board = created(await announce(teacher, "Sortie au musée", class_ids=[cp], require_ack=True))
    world.board = board["thread"]["id"]
    world.board_seq = board["message"]["seq"]
    signup = created(await open_signup(teacher, "Kermesse", {"Gâteaux": 5}, class_ids=[cp]))
    world.signup, world.slot = signup["thread"]["id"], signup["thread"]["slots"][0]["id"]
    world.direct = created(await write_direct(sophie, hugo, "Hugo et la cantine"))["thread"]["id"]
    day = school_day(0)
    reported = created(
        await sophie.post(
            "/api/absences", json={"child_id": hugo, "start": day, "end": day, "reason": "illness"}
        )
    )
    world.absence, world.absence_thread = reported["absence"]["id"], reported["thread"]["id"]
    created(await sophie.put(f"/api/children/{hugo}/image-consent", json={"granted": True}))
    photo = await upload(teacher)
    world.photo, world.photo_url = photo["id"], photo["url"]
    assert (
        await teacher.put(f"/api/media/{photo['id']}/children", json={"child_ids": [hugo]})
    ).status_code == 200
    world.post = created(await post(teacher, cp, "Les tulipes", media_ids=[photo["id"]]))["id"]
    world.comment = created(await sophie.post(f"/api/posts/{world.post}/comments", json={"body": "Bravo !"}))[
        "id"
    ]
    world.page = created(await add_page(teacher, hugo, "Hugo lit"))["id"]
    world.class_page = created(await add_class_page(teacher, cp, "La classe"))["id"]
    created(await teacher.post(f"/api/classes/{cp}/events", json={"title": "Piscine", "starts_at": when(3), "ends_at": when(3)}))  # fmt: skip
    return world


def requests(world: World) -> list[tuple[str, str, dict[str, Any] | None, int]]:
    """(method, path, JSON body, status) of every family resource of school A."""
    a = world.a
    cp, hugo, sophie_id = a.classes["CP"], a.children["Hugo"], a.parents["cp"].user_id
    board, signup, talk = world.board, world.signup, world.direct
    event = {"title": "Visite", "starts_at": when(4), "ends_at": when(4)}
    day = school_day(1)
    hidden = [
        # threads: an announcement, a sign-up, a family's conversation, an absence's
        *[("GET", f"/api/threads/{t}", None) for t in (board, signup, talk, world.absence_thread)],
        *[("GET", f"/api/threads/{t}/messages", None) for t in (board, talk, world.absence_thread)],
        ("POST", f"/api/threads/{talk}/messages", {"body": "Bonjour."}),
        ("POST", f"/api/threads/{board}/messages", {"body": "Bonjour."}),
        ("DELETE", f"/api/threads/{board}/messages/{world.board_seq}", None),
        ("PATCH", f"/api/threads/{board}/messages/{world.board_seq}", {"body": "Corrigé."}),
        ("POST", f"/api/threads/{board}/read", {"seq": world.board_seq}),
        ("POST", f"/api/threads/{board}/ack", None),
        ("POST", f"/api/threads/{board}/reply-privately", {"body": "Une question."}),
        ("GET", f"/api/threads/{board}/receipts", None),
        ("GET", f"/api/threads/{board}/paper", None),
        ("POST", f"/api/threads/{board}/paper-acks", {"child_id": hugo}),
        ("POST", f"/api/threads/{board}/remind", None),
        ("POST", f"/api/threads/{board}/close", None),
        ("POST", f"/api/threads/{board}/reopen", None),
        ("PUT", f"/api/threads/{board}/agenda", {"starts_at": when(5), "ends_at": when(5)}),
        ("GET", f"/api/threads/{world.absence_thread}/absence", None),
        # sign-ups
        ("GET", f"/api/threads/{signup}/signups", None),
        ("POST", f"/api/threads/{signup}/signups", {"slot_id": world.slot}),
        ("GET", f"/api/threads/{signup}/signups/print", None),
        # absences and registers
        ("POST", "/api/absences", {"child_id": hugo, "start": day, "end": day, "reason": "illness"}),
        ("POST", f"/api/absences/{world.absence}/cancel", None),
        ("GET", f"/api/classes/{cp}/absences", None),
        ("GET", f"/api/schools/{a.id}/absences", None),
        ("GET", f"/api/classes/{cp}/roll-call", None),
        ("POST", f"/api/classes/{cp}/roll-call", {"date": day, "part": "morning", "absent": []}),
        ("GET", f"/api/schools/{a.id}/absence-settings", None),
        ("PUT", f"/api/schools/{a.id}/absence-settings", {"check_time": "08:20"}),
        # cahiers
        ("GET", f"/api/children/{hugo}/realisations", None),
        ("POST", f"/api/children/{hugo}/realisations", {"title": "Une page"}),
        ("GET", f"/api/children/{hugo}/realisations/export", None),
        ("POST", f"/api/classes/{cp}/realisations", {"title": "La classe"}),
        ("GET", f"/api/realisations/{world.page}", None),
        ("GET", f"/api/realisations/{world.class_page}", None),
        ("DELETE", f"/api/realisations/{world.page}", None),
        # the class blog
        ("GET", f"/api/classes/{cp}/posts", None),
        ("POST", f"/api/classes/{cp}/posts", {"title": "Un article", "body": "Texte.", "media_ids": []}),
        ("GET", f"/api/posts/{world.post}", None),
        ("PATCH", f"/api/posts/{world.post}", {"title": "Corrigé"}),
        ("DELETE", f"/api/posts/{world.post}", None),
        ("POST", f"/api/posts/{world.post}/publish", None),
        ("POST", f"/api/posts/{world.post}/reject", {"comment": "Non."}),
        ("POST", f"/api/posts/{world.post}/comments", {"body": "Bravo."}),
        ("DELETE", f"/api/posts/{world.post}/comments/{world.comment}", None),
        # photos
        ("GET", f"/api/media/{world.photo}", None),
        ("PUT", f"/api/media/{world.photo}/children", {"child_ids": [hugo]}),
        ("GET", world.photo_url, None),
        ("GET", world.photo_url.replace("/web", "/thumb"), None),
        # consents
        ("GET", f"/api/children/{hugo}/image-consent", None),
        ("PUT", f"/api/children/{hugo}/image-consent", {"granted": False}),
        ("POST", f"/api/children/{hugo}/image-consent/paper", {"guardian_id": sophie_id, "granted": False}),
        ("GET", f"/api/classes/{cp}/image-consents", None),
        ("GET", f"/api/classes/{cp}/image-consents/forms", None),
        ("POST", f"/api/classes/{cp}/image-consents/remind", None),
        # the directory's family data: members, letters, accounts, the roster
        ("GET", f"/api/classes/{cp}/members", None),
        ("GET", f"/api/schools/{a.id}/activation-letters", None),
        ("POST", f"/api/children/{hugo}/account", None),
        # the agenda of a class and of the school; the school calendar (see
        # tests/unit/test_territory_policies.py: the school's people's)
        ("GET", f"/api/classes/{cp}/events", None),
        ("POST", f"/api/classes/{cp}/events", event),
        ("GET", f"/api/schools/{a.id}/events", None),
        ("POST", f"/api/schools/{a.id}/events", event),
        ("GET", f"/api/schools/{a.id}/calendar", None),
    ]
    refused = [
        # Writing to A's families: a conversation about Hugo, an announcement to his class
        # or to the school (the team writes to the staff only, `staff_of`).
        ("POST", "/api/threads", direct(hugo, "Hugo"), 404),
        ("POST", "/api/threads", announcement({"class_ids": [cp]}), 403),
        ("POST", "/api/threads", announcement({"school": True}), 403),
        (
            "POST",
            f"/api/schools/{a.id}/staff",
            {"role": "teacher", "display_name": "X", "class_names": []},
            404,
        ),
    ]
    return [(method, path, body, 404) for method, path, body in hidden] + refused


async def snapshot(db: asyncpg.Pool) -> dict[str, str]:
    async with db.acquire() as conn:
        return {
            table: await conn.fetchval(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")
            for table in WRITTEN
        }  # fmt: skip


async def test_the_circonscription_team_reaches_no_family_resource(api, db, world):
    team = api(world.team)
    before = await snapshot(db)
    answers = {}
    for i, (method, path, body, _) in enumerate(requests(world)):
        response = await team.request(method, path, json=body)
        error = response.json().get("error", {}) if "json" in response.headers.get("content-type", "") else {}
        answers[(i, method, path)] = (response.status_code, error.get("code"))
    codes = {403: "forbidden", 404: "not_found"}
    expected = {
        (i, method, path): (status, codes[status])
        for i, (method, path, _, status) in enumerate(requests(world))
    }
    assert answers == expected
    # An account-level refusal: photos belong to a school, the team is of none.
    refused = await team.post("/api/media", files={"file": ("p.jpg", b"\xff\xd8\xff", "image/jpeg")})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    # What the team has of its own shows nothing of school A's families.
    inbox = await team.get("/api/threads")
    assert inbox.status_code == 200, inbox.text
    ids = {world.board, world.signup, world.direct, world.absence_thread}
    assert not ids & {t["id"] for t in inbox.json()["threads"]}
    for q in ("musée", "cantine", "Hugo"):
        found = await team.get("/api/search", params={"q": q})
        assert (found.status_code, found.json()) == (200, {"results": []}), q
    assert await snapshot(db) == before


async def test_the_director_of_a_learns_nothing_of_b_through_a_shared_family(api, db, world):
    a, b = world.a, world.b
    jade, sophie_id = b.children["Jade"], a.parents["cp"].user_id
    director_b = api(b.director.token)
    jade_row = next(
        c
        for c in (await director_b.get(f"/api/classes/{b.classes['CM1']}/members")).json()["children"]
        if c["id"] == jade
    )
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO guardianships (child_id, user_id, relationship) VALUES ($1, $2, 'Mère')",
            uuid.UUID(jade),
            uuid.UUID(sophie_id),
        )
    # B writes to Jade's families (Sophie now among them), with a word of its own.
    word = f"Carnaval{uuid.uuid4().hex[:6]}"
    created(await announce(director_b, f"{word} de Jade", body=f"Le {word} de l'école B."))
    sophie = api(a.parents["cp"].token)
    assert [r["thread"]["school_id"] for r in (await sophie.get("/api/search", params={"q": word})).json()["results"]] == [b.id]  # fmt: skip
    # A writes to the whole school, Sophie included, asking for a signature.
    director = api(a.director.token)
    board = created(await announce(director, "Photo de classe", body="À signer.", require_ack=True))["thread"]
    secrets = (jade, b.id, jade_row["last_name"], b.classes["CM1"], "Jade")
    seen = {
        "members": [await director.get(f"/api/classes/{cls}/members") for cls in a.classes.values()],
        "letters": [await director.get(f"/api/schools/{a.id}/activation-letters")],
        "receipts": [await director.get(f"/api/threads/{board['id']}/receipts")],
        "paper": [await director.get(f"/api/threads/{board['id']}/paper")],
        "thread": [await director.get(f"/api/threads/{board['id']}")],
        "search": [await director.get("/api/search", params={"q": q}) for q in (word, "Jade", jade_row["last_name"])],
    }  # fmt: skip
    for what, responses in seen.items():
        for response in responses:
            assert response.status_code == 200, (what, response.text)
            leaked = [secret for secret in secrets if secret in response.text]
            assert leaked == [], (what, str(response.url))
    # Sophie is there, with Hugo only: the director of A sees the family as A knows it.
    receipts = seen["receipts"][0].text
    assert a.children["Hugo"] in receipts and sophie_id in receipts
    for response in seen["search"]:
        assert response.json() == {"results": []}
