"""Errors of the API (one shape, French messages), hostile text, and operations:
health, readiness, metrics and logs."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import uuid

import httpx
import pytest
from markupsafe import escape
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_PASSWORD
from tests.world import (
    PASSWORD,
    activate,
    admin_token,
    build_world,
    create_school,
    school_with_director,
    sign_in,
)

# Words that a French sentence of the API carries; English defaults such as
# "Not Found" or "Method Not Allowed" carry none of them.
_FRENCH = re.compile(
    r"(?i)[éèêàçùôî]|\b(le|la|les|de|du|des|un|une|ce|cette|est|pas|ne|trop|vous|introuvable"
    r"|invalides?|certains|sont|requête|champs?|envoyez|permise|ici)\b"
)
_ENGLISH_DEFAULTS = {"Not Found", "Method Not Allowed", "Internal Server Error", "Bad Request"}


def assert_error(
    response: httpx.Response, status: int, code: str | None = None, *, fields: set[str] | None = None
) -> dict:
    """The response is the API's one error shape, with a French message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict), body
    assert {"code", "message"} <= set(error) <= {"code", "message", "fields"}, body
    assert isinstance(error["code"], str) and error["code"], body
    message = error["message"]
    assert isinstance(message, str) and message.strip(), body
    assert message not in _ENGLISH_DEFAULTS, body
    assert _FRENCH.search(message), f"message not in French: {message!r}"
    assert "Traceback" not in response.text
    if code is not None:
        assert error["code"] == code, body
    if fields is None:
        assert "fields" not in error, body
    else:
        assert set(error["fields"]) == fields, body
        for text in error["fields"].values():
            assert isinstance(text, str) and _FRENCH.search(text), body
    return error


# --- routing -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/api/schools/extra/levels/deep", "/api/classes/abc/members"])
async def test_unknown_paths_are_json_404(api, path):
    assert_error(await api().get(path), 404, "not_found")


async def test_non_uuid_id_is_404_even_when_signed_in(api):
    client = api(await admin_token(api()))
    assert_error(await client.get("/api/classes/abc/members"), 404, "not_found")


async def test_post_to_a_non_uuid_id_is_404(api):
    client = api(await admin_token(api()))
    response = await client.post("/api/schools/123/staff", json={"role": "teacher", "display_name": "X"})
    assert_error(response, 404, "not_found")


async def test_put_on_a_post_only_route_is_json_405(api):
    response = await api().put("/api/schools", json={})
    assert_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("GET", "/api/session", {"POST", "DELETE"}), ("PUT", "/api/schools", {"GET", "HEAD", "POST"})],
)
async def test_wrong_method_is_json_405_naming_the_allowed_ones(api, method, path, allowed):
    response = await api().request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


# --- request bodies ------------------------------------------------------------


def _post_session(client: httpx.AsyncClient, content, content_type: str | None = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post("/api/session", content=content, headers=headers)


async def test_invalid_json_is_400(api):
    assert_error(await _post_session(api(), b"{bad"), 400, "bad_json")


async def test_invalid_utf8_is_400(api):
    assert_error(await _post_session(api(), b'{"login": "\xff\xfe"}'), 400, "bad_json")


@pytest.mark.parametrize("content", [b"", b"   \n"])
async def test_empty_body_is_400(api, content):
    assert_error(await _post_session(api(), content), 400, "bad_request")


async def test_empty_body_without_content_type_is_400(api):
    assert_error(await _post_session(api(), b"", content_type=None), 400, "bad_request")


@pytest.mark.parametrize("content", [b'[{"login": "a", "password": "b"}]', b'"text"', b"12", b"null"])
async def test_body_that_is_not_an_object_is_400(api, content):
    assert_error(await _post_session(api(), content), 400, "bad_request")


async def test_wrong_types_are_422_naming_both_fields(api):
    response = await api().post("/api/session", json={"login": 12, "password": True})
    assert_error(response, 422, "invalid", fields={"login", "password"})


async def test_unknown_field_is_422_naming_it(api):
    response = await api().post("/api/session", json={"login": "x", "password": "y", "remember_me": True})
    error = assert_error(response, 422, "invalid", fields={"remember_me"})
    assert error["fields"]["remember_me"] == "Ce champ n'est pas attendu."


async def test_missing_field_is_422_naming_it(api):
    response = await api().post("/api/session", json={"login": "quelqu-un"})
    error = assert_error(response, 422, "invalid", fields={"password"})
    assert error["fields"]["password"] == "Ce champ est obligatoire."


async def test_empty_string_field_is_422(api):
    response = await api().post("/api/session", json={"login": "   ", "password": "x"})
    assert_error(response, 422, "invalid", fields={"login"})


@pytest.mark.parametrize("kind", [["announcement"], {"a": 1}, 3, None, "poll"])
@pytest.mark.parametrize("scheduled", [False, True])
async def test_a_thread_kind_of_the_wrong_type_is_422_naming_kind(api, kind, scheduled):
    """A list is not hashable: the kind is checked before it is looked up."""
    _, director = await school_with_director(api)
    body = {"kind": kind, "subject": "S", "body": "B", "audience": {"school": True}}
    if scheduled:
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        body["send_at"] = tomorrow.isoformat()
    response = await api(director.token).post("/api/threads", json=body)
    assert response.status_code == 422, response.text
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Certains champs sont invalides.",
            "fields": {"kind": "Valeur attendue : direct, announcement ou signup."},
        }
    }


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_non_json_content_type_is_415(api, content_type):
    body = json.dumps({"login": "x", "password": "y"}).encode()
    assert_error(await _post_session(api(), body, content_type), 415, "unsupported_media_type")


async def test_json_with_charset_is_accepted(api):
    # A login of its own: failures per login are counted in Redis, across runs too.
    body = json.dumps({"login": f"inconnu-{uuid.uuid4().hex}", "password": "mauvais"}).encode()
    response = await _post_session(api(), body, "application/json; charset=utf-8")
    assert_error(response, 401, "bad_credentials")


def _oversized_json(size: int) -> bytes:
    padding = size - len(b'{"login": "", "password": "x"}') + 1
    data = b'{"login": "' + b"a" * padding + b'", "password": "x"}'
    assert len(data) > size
    return data


async def test_body_over_the_limit_with_content_length_is_413(api, server):
    limit = server.settings.max_body_bytes
    assert limit == 1_048_576
    response = await _post_session(api(), _oversized_json(limit))
    assert_error(response, 413, "too_large")


async def test_body_at_the_limit_is_read(api, server):
    limit = server.settings.max_body_bytes
    data = json.dumps({"login": f"inconnu-{uuid.uuid4().hex}", "password": "y"}).encode()
    data = data[:-1] + b" " * (limit - len(data)) + b"}"
    assert len(data) == limit
    assert_error(await _post_session(api(), data), 401, "bad_credentials")


async def test_chunked_body_over_the_limit_is_413(api, server):
    limit = server.settings.max_body_bytes
    chunk = b" " * 65536

    async def stream():
        yield b'{"login": "x", "password": "y"'
        for _ in range(limit // len(chunk) + 2):
            yield chunk
        yield b"}"

    request = api().build_request(
        "POST", "/api/session", content=stream(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = await api().send(request)
    assert_error(response, 413, "too_large")


async def test_bad_content_length_is_400(server):
    # httpx always sends a correct Content-Length; speak HTTP by hand.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 12abc\r\nConnection: close\r\n\r\n{}"
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    status = int(raw.split(b" ", 2)[1])
    assert status == 400, raw  # refused by the HTTP layer or by the app, never a 500


# --- hostile text ------------------------------------------------------------

HOSTILE_NAME = "Robert'); DROP TABLE users;-- <script>alert(1)</script> 🎒"


async def test_hostile_display_name_is_stored_verbatim_and_escaped_in_html(api, db):
    world = await build_world(api)
    director = api(world.a.director.token)
    response = await director.post(
        f"/api/schools/{world.a.id}/staff",
        json={"role": "teacher", "display_name": HOSTILE_NAME, "class_names": ["CP"]},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["user"]["display_name"] == HOSTILE_NAME
    user_id = created["user"]["id"]

    members = await director.get(f"/api/classes/{world.a.classes['CP']}/members")
    assert members.status_code == 200, members.text
    teachers = {t["id"]: t for t in members.json()["teachers"]}
    assert teachers[user_id]["display_name"] == HOSTILE_NAME

    assert await db.fetchval("SELECT to_regclass('public.users') IS NOT NULL")
    assert await db.fetchval("SELECT display_name FROM users WHERE id = $1", uuid.UUID(user_id)) == (
        HOSTILE_NAME
    )
    assert await db.fetchval("SELECT count(*) FROM users") > 1
    # The API still works on that table.
    assert (await api(world.a.parents["both"].token).get("/api/me")).status_code == 200

    letters = await director.get(f"/api/schools/{world.a.id}/activation-letters")
    assert letters.status_code == 200, letters.text
    assert letters.headers["content-type"].startswith("text/html")
    html = letters.text
    assert f"<dd>{created['login']}</dd>" in html  # the letter of that teacher is on the page
    assert "<script>" not in html
    assert "alert(1)</script>" not in html
    assert str(escape(HOSTILE_NAME)) in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "🎒" in html


# --- the roster import ----------------------------------------------------------


async def test_import_over_the_limit_is_413(api, server):
    world_admin = api(await admin_token(api()))
    school_id = await create_school(world_admin)
    limit = server.settings.max_import_bytes
    header = "Classe;Nom élève;Prénom élève;Date naissance;Nom responsable;Prénom responsable;Courriel;Lien\n"
    row = "CP;Martin;Léa;12/03/2020;Martin;Claire;claire@example.fr;Mère\n"
    data = (header + row * (limit // len(row.encode()) + 2)).encode()
    assert len(data) > limit
    response = await world_admin.post(
        f"/api/schools/{school_id}/import", content=data, headers={"Content-Type": "text/csv"}
    )
    assert_error(response, 413, "too_large")
    members = await world_admin.get(f"/api/schools/{school_id}/activation-letters")
    assert "Aucune lettre" in members.text  # nothing was imported


async def test_import_as_json_is_415(api):
    world_admin = api(await admin_token(api()))
    school_id = await create_school(world_admin)
    response = await world_admin.post(f"/api/schools/{school_id}/import", json={"rows": []})
    assert_error(response, 415, "unsupported_media_type")


# --- health and readiness ----------------------------------------------------


async def test_healthz(api):
    response = await api().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_everything_answers(api):
    response = await api().get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"] is True
    assert body["bus"] is True


async def test_readyz_is_503_when_the_bus_does_not_answer(start_server):
    # Nothing listens on port 1: the server must still start, and say it is not ready.
    broken = await start_server(redis_url="redis://127.0.0.1:1/0")
    async with httpx.AsyncClient(base_url=broken.url, timeout=30) as client:
        assert (await client.get("/healthz")).status_code == 200
        response = await client.get("/readyz")
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["bus"] is False
        assert body["database"] is True
        assert "Traceback" not in response.text


# --- metrics -----------------------------------------------------------------


def _samples(text: str, name: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text, name).get(tuple(sorted(labels.items())), 0.0)


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_metrics_through_a_local_proxy_are_not_local(api, header):
    """Behind a reverse proxy on the same machine every request comes from the
    loopback: one that carries forwarding headers is not this machine's own."""
    anonymous = api()
    assert (await anonymous.get("/metrics")).status_code == 200
    forwarded = await anonymous.get("/metrics", headers={header: "203.0.113.9"})
    assert_error(forwarded, 404, "not_found")


async def test_metrics_count_requests_by_route_template(api):
    world = await build_world(api)
    director = api(world.a.director.token)
    class_id = world.a.classes["CP"]
    route = "/api/classes/{class_id:uuid}/members"
    anonymous = api()

    async def scrape() -> str:
        response = await anonymous.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        return response.text

    before = await scrape()
    counted = dict(route=route, method="GET", status="200")
    for expected in (1, 2, 3):
        assert (await director.get(f"/api/classes/{class_id}/members")).status_code == 200
        text = await scrape()
        assert _value(text, "liaison_http_requests_total", **counted) == (
            _value(before, "liaison_http_requests_total", **counted) + expected
        )
        assert _value(text, "liaison_http_request_duration_seconds_count", route=route, method="GET") == (
            _value(before, "liaison_http_request_duration_seconds_count", route=route, method="GET")
            + expected
        )
    assert _value(text, "liaison_http_request_duration_seconds_sum", route=route, method="GET") > 0
    assert class_id not in text
    assert "/api/classes/" + class_id not in text

    # A refusal is counted under the same template with its status.
    forbidden = dict(route=route, method="GET", status="401")
    was = _value(text, "liaison_http_requests_total", **forbidden)
    assert (await anonymous.get(f"/api/classes/{class_id}/members")).status_code == 401
    text = await scrape()
    assert _value(text, "liaison_http_requests_total", **forbidden) == was + 1

    # Unmatched paths never become labels.
    await anonymous.get(f"/api/nothing-here/{uuid.uuid4()}")
    text = await scrape()
    assert "nothing-here" not in text


# --- logs --------------------------------------------------------------------


async def _wait_for_access_lines(caplog, count: int) -> list[dict]:
    """The access line is written just after the response is sent: let the
    server task finish its turn."""
    for _ in range(200):
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "liaison.access"]
        if len(lines) >= count:
            return lines
        await asyncio.sleep(0.01)
    return lines


async def test_logs_keep_no_secret_and_one_access_line_per_request(api, caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="liaison")
    marker = "marqueur-" + uuid.uuid4().hex
    anonymous = api()
    admin = await admin_token(anonymous)
    admin_client = api(admin)
    school_id = await create_school(admin_client)
    response = await admin_client.post(
        f"/api/schools/{school_id}/staff",
        json={"role": "director", "display_name": f"Mme Journal {uuid.uuid4().hex[:6]}", "class_names": []},
    )
    assert response.status_code == 201, response.text
    code = response.json()["activation_code"]
    login = response.json()["login"]
    activated = await activate(anonymous, code)
    signed_in = await sign_in(anonymous, login, PASSWORD)
    wrong = await anonymous.post("/api/session", json={"login": login, "password": "pas-le-bon-mot-de-passe"})
    assert wrong.status_code == 401
    me = await api(signed_in).get("/api/me?marqueur=" + marker)
    assert me.status_code == 200
    await api(signed_in).get(f"/api/classes/{uuid.uuid4()}/members")

    expected = [
        ("POST", "/api/session", 200),  # admin
        ("POST", "/api/schools", 201),
        ("POST", "/api/schools/{school_id:uuid}/staff", 201),
        ("POST", "/api/activate", 200),
        ("POST", "/api/session", 200),
        ("POST", "/api/session", 401),
        ("GET", "/api/me", 200),
        ("GET", "/api/classes/{class_id:uuid}/members", 404),
    ]
    lines = await _wait_for_access_lines(caplog, len(expected))
    assert [(line["method"], line["route"], line["status"]) for line in lines] == expected
    for line in lines:
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert lines[0]["user"] is None  # the admin signs in: no session yet
    assert lines[-2]["user"] is not None

    secrets = {
        "password": PASSWORD,
        "admin password": ADMIN_PASSWORD,
        "wrong password": "pas-le-bon-mot-de-passe",
        "admin token": admin,
        "token from activation": activated,
        "token from sign-in": signed_in,
        "activation code": code,
    }
    everything = [caplog.text]
    for record in caplog.records:
        everything.append(record.getMessage())
        everything.append(repr(record.__dict__))  # extras and args too
    captured = "\n".join(everything)
    for what, secret in secrets.items():
        assert secret not in captured, f"the {what} appears in the logs"
    # No query string in the service's own lines (httpx, on the client side, logs whole URLs).
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("liaison"))
    assert marker not in ours
