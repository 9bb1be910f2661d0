"""Hostile input (issue 13, items 4, 5, 6, 8, 10): dates out of any school year,
JSON nested too deep, control characters in one-line fields, NUL and lone
surrogates, a `since` beyond a bigint. Each a clear error, never a 500, nothing
half-written; rows stored before the checks still read."""

# ruff: noqa: F811  (the delivery fixtures, imported, are the mail test's arguments)

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import websockets

from tests.integration.test_agenda import local, summaries
from tests.integration.test_delivery import (  # noqa: F401  (fixtures of a delivery database)
    GRACE,
    clocked,
    created,
    dapi,
    deliveries_of,
    delivery_database,
    dserver,
    pool,
    quiesce,
    set_preferences,
    settings,
)
from tests.integration.test_errors_and_ops import assert_error
from tests.live import Live
from tests.world import announce, build_world, open_signup

YEAR_ONE = "0001-01-01T00:00:00Z"


def event(starts_at: str, ends_at: str | None = None) -> dict:
    return {"title": "Kermesse", "starts_at": starts_at, "ends_at": ends_at or starts_at}


# -- 4. dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    [
        YEAR_ONE,
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:59:59.999999Z",
        "1999-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
    ],
)
async def test_an_agenda_date_out_of_any_school_year_is_refused_and_not_saved(api, world, db, starts_at):
    a = world.a
    director = api(a.director.token)
    before = await db.fetchval("SELECT count(*) FROM agenda_events WHERE school_id = $1", uuid.UUID(a.id))
    response = await director.post(f"/api/schools/{a.id}/events", json=event(starts_at))
    assert_error(response, 422, "invalid", fields={"starts_at"})
    assert (
        await db.fetchval("SELECT count(*) FROM agenda_events WHERE school_id = $1", uuid.UUID(a.id))
        == before
    )
    assert (await director.get(f"/api/schools/{a.id}/events")).status_code == 200
    ok = await director.post(f"/api/schools/{a.id}/events", json=event("2000-01-01T00:00:00Z"))
    assert ok.status_code == 201, ok.text


async def test_dates_of_signups_messages_absences_and_queries_are_bounded(api, world):
    a = world.a
    director = api(a.director.token)
    response = await open_signup(director, "Kermesse", {"Stand": 2}, closes_at=YEAR_ONE)
    assert_error(response, 422, "invalid", fields={"closes_at"})
    response = await announce(director, "Plus tard", send_at=YEAR_ONE)
    assert response.status_code == 422, response.text
    parent = api(a.parents["cp"].token)
    absence = {
        "child_id": a.children["Hugo"],
        "start": "0001-01-01",
        "end": "0001-01-01",
        "reason": "illness",
    }
    assert_error(await parent.post("/api/absences", json=absence), 422, "invalid", fields={"start"})
    teacher = api(a.teachers["CP"].token)
    for day in ("0001-01-01", "20261203", "2026-W49-4"):
        response = await teacher.get(f"/api/classes/{a.classes['CP']}/absences", params={"date": day})
        assert_error(response, 400, "bad_request")


async def test_events_stored_out_of_range_before_the_check_still_read(server, api, world, db):
    """Rows written before the check: a year-1 time became `-infinity` (asyncpg
    writes datetime.min so), a year-9999 one `infinity`; an ordinary year 1 too."""
    a = world.a
    school, creator = uuid.UUID(a.id), uuid.UUID(a.director.user_id)
    for starts, ends in (
        ("-infinity", "-infinity"),
        ("0001-01-01 00:00:00+00", "infinity"),
        ("-infinity", "9999-12-31 23:00:00+00"),
    ):
        await db.execute(
            """INSERT INTO agenda_events (school_id, class_id, title, starts_at, ends_at, location, description, created_by)
               VALUES ($1, NULL, 'Ancienne', $2::text::timestamptz, $3::text::timestamptz, '', '', $4)""",
            school, starts, ends, creator,
        )  # fmt: skip
    director = api(a.director.token)
    response = await director.get(f"/api/schools/{a.id}/events")
    assert response.status_code == 200, response.text
    old = [e for e in response.json()["events"] if e["title"] == "Ancienne"]
    assert len(old) == 3 and all(e["starts_at"].startswith("0001-01-01") for e in old)
    classes = await api(a.parents["cp"].token).get(f"/api/classes/{a.classes['CP']}/events")
    assert classes.status_code == 200, classes.text
    url = local(server, (await api(a.parents["cp"].token).get("/api/me/calendar")).json()["url"])
    assert "Ancienne" in await summaries(url)


# -- 5. JSON nested too deep ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/session", "/api/threads", "/api/me/preferences"])
async def test_json_nested_too_deep_is_bad_json(api, world, path):
    client = api(world.a.director.token)
    method = client.put if path == "/api/me/preferences" else client.post
    for body in (b"[" * 5000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        response = await method(path, content=body, headers={"Content-Type": "application/json"})
        assert_error(response, 400, "bad_json")
    # Deep but within what JSON decodes: the model refuses it, no 500.
    deep = json.dumps({"kind": "announcement", "audience": {"school": True}, "subject": "x", "body": "y",
                       "slots": json.loads("[" * 900 + "]" * 900)})  # fmt: skip
    response = await client.post("/api/threads", content=deep, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text


# -- 6. control characters, NUL, lone surrogates ----------------------------------------------


@pytest.mark.parametrize(
    "subject", ["Sortie\nau musée", "Sortie\r\nBcc: x@y", "Sortie\tau musée", "A\u2028B", "A\x1bB"]
)
async def test_a_one_line_field_with_a_control_character_is_refused(api, world, db, subject):
    director = api(world.a.director.token)
    assert_error(await announce(director, subject), 422, "invalid", fields={"subject"})
    assert await db.fetchval("SELECT count(*) FROM threads WHERE subject = $1", subject) == 0
    response = await director.post(
        f"/api/schools/{world.a.id}/events", json={**event("2026-12-03T08:00:00Z"), "title": subject}
    )
    assert_error(response, 422, "invalid", fields={"title"})


async def test_a_message_body_keeps_its_line_breaks(api, world):
    response = await announce(api(world.a.director.token), "Sortie", body="Ligne 1\nLigne 2\r\n\tFin")
    assert response.status_code == 201, response.text
    assert response.json()["message"]["body"] == "Ligne 1\nLigne 2\r\n\tFin"


@pytest.mark.parametrize("text", ["\\u0000", "\\ud800", "a\\udfffb"])
async def test_nul_and_lone_surrogates_anywhere_in_a_body_are_refused(api, world, text):
    director = api(world.a.director.token)
    raw = (
        '{"kind": "announcement", "audience": {"school": true}, "subject": "Sortie", "body": "x' + text + '"}'
    )
    response = await director.post("/api/threads", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid", fields={"body"})
    raw = '{"login": "x' + text + '", "password": "p"}'
    response = await api().post("/api/session", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid", fields={"login"})
    absence = '{"child_id": "%s", "start": "2026-12-03", "end": "2026-12-03", "reason": "illness", "client_id": "c%s"}'
    parent = api(world.a.parents["cp"].token)
    response = await parent.post("/api/absences", content=absence % (world.a.children["Hugo"], text),
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    assert_error(response, 422, "invalid", fields={"client_id"})


# -- 8. an upload's form fields -------------------------------------------------------------


@pytest.mark.parametrize("client_id", [b"abc\x00def", b"a\x80b", b"a\nb"])
async def test_an_upload_whose_client_id_is_not_text_is_refused(api, world, client_id):
    teacher = api(world.a.teachers["CP"].token)
    boundary = "hostile"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="client_id"\r\n\r\n'.encode()
        + client_id
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\nnot a photo\r\n--{boundary}--\r\n".encode()
    )
    response = await teacher.post(
        "/api/media", content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert_error(response, 422, "invalid", fields={"client_id"})


# -- 10. the WebSocket's `since` ------------------------------------------------------------


async def test_a_resume_since_that_is_not_a_position_is_an_error_frame(server, world):
    live = await Live.connect(server.url, world.a.parents["cp"].token)
    try:
        for since in (2**80, 2**63, -1, 1.5, "3", True, None, [1]):
            await live.connection.send(json.dumps({"type": "resume", "since": since}))
            frame = await live.next("error")
            assert frame["code"] == "bad_frame", (since, frame)
        for text in ("[" * 5000, '{"type": "ping", "x": "\\ud800"}'):
            await live.connection.send(text)
        assert (await live.next("error"))["code"] == "bad_frame"
        await live.connection.send(json.dumps({"type": "ping"}))
        await live.next("pong")  # the socket is still open
        await live.connection.send(json.dumps({"type": "resume", "since": 2**63 - 1}))
        await live.connection.send(json.dumps({"type": "ping"}))
        await live.next("pong")
    finally:
        await live.close()
    url = server.url.replace("http://", "ws://") + "/ws?since=" + "9" * 30
    async with websockets.connect(url) as connection:
        await connection.send(
            json.dumps({"type": "auth", "token": world.a.parents["cp"].token, "since": 2**80})
        )
        assert json.loads(await connection.recv())["type"] == "ready"


# -- 6. the mail of a subject stored with a line break, a mail that cannot be built ------------


async def test_stored_line_break_is_folded_and_an_unbuildable_mail_fails_once(dapi, pool, smtp, clocked):
    await quiesce(pool)
    world = await build_world(dapi)
    a = world.a
    # Every family of CP, Claire too: no quiet hours, whatever the time of the run.
    for label in ("cp", "ce1", "both"):
        await set_preferences(dapi(a.parents[label].token), email="immediate")
    thread, message = (
        (await announce(dapi(a.teachers["CP"].token), "Sortie", class_ids=[a.classes["CP"]])).json().values()
    )
    # Written before the check: a line break in the subject, and an address no mail can carry.
    await pool.execute(
        "UPDATE threads SET subject = 'Sortie\r\nau musée' WHERE id = $1", uuid.UUID(thread["id"])
    )
    sophie = uuid.UUID(a.parents["cp"].user_id)
    loop = await clocked()
    await loop.at(created(message) + dt.timedelta(seconds=GRACE + 1))
    rows = [r for r in await deliveries_of(pool, thread["id"]) if r["channel"] == "email"]
    mails = await smtp.wait_for(len(rows))
    assert rows and {r["state"] for r in rows} == {"sent"}
    assert {m.header("Subject") for m in mails} == {"Sortie au musée"}

    thread2, message2 = (
        (await announce(dapi(a.teachers["CP"].token), "Piscine", class_ids=[a.classes["CP"]])).json().values()
    )
    await pool.execute("UPDATE users SET email = 'sophie\nBcc: x@example.fr' WHERE id = $1", sophie)
    await loop.at(created(message2) + dt.timedelta(seconds=GRACE + 1))
    await loop.at(created(message2) + dt.timedelta(minutes=30))  # a retry would be due by now
    [failed] = [
        r
        for r in await deliveries_of(pool, thread2["id"])
        if r["channel"] == "email" and r["user_id"] == sophie
    ]
    assert failed["state"] == "failed" and failed["attempts"] <= 1, dict(failed)
    assert "courriel impossible" in failed["error"]


@pytest.mark.parametrize("token", ["\\ud800", "a\\u0000b", "\\u00e9t\\u00e9"])
async def test_an_auth_frame_with_a_token_that_is_not_ascii_is_4401(server, token):
    url = server.url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(url) as connection:
        await connection.send('{"type": "auth", "token": "' + token + '"}')
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await connection.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
