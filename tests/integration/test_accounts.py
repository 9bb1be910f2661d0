"""Sessions, activation, CSRF, the sign-in rate limit, preferences."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import Clients
from tests.world import (
    PASSWORD,
    Person,
    admin_token,
    families,
    import_roster,
    roster,
    school_with_director,
    sign_in,
)


@pytest.fixture
async def school(api: Clients) -> tuple[str, Person, httpx.AsyncClient]:
    school_id, director = await school_with_director(api, "Mme Comptes")
    return school_id, director, api(director.token)


async def new_codes(client: httpx.AsyncClient, school_id: str, count: int = 1) -> list[dict]:
    response = await import_roster(client, school_id, roster(families("CP", count)))
    assert response.status_code == 200, response.text
    return response.json()["guardians"]


async def test_sign_in_gives_a_token_and_a_safe_cookie(api, school):
    _, director, _ = school
    response = await api().post("/api/session", json={"login": director.login, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["role"] == "director" and body["token"]
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    me = await api(body["token"]).get("/api/me")
    assert me.json()["user"]["id"] == director.user_id


async def test_cookie_is_secure_behind_https(start_server):
    server = await start_server(public_url="https://liaison.example.fr")
    async with httpx.AsyncClient(base_url=server.url) as client:
        token = await admin_token(client)
        assert token
        response = await client.post(
            "/api/session", json={"login": "admin-tests", "password": "un mot de passe d'admin solide"}
        )
    assert "Secure" in response.headers["set-cookie"]


async def test_bad_credentials(api, school):
    _, director, _ = school
    unknown = f"personne-inconnue-{uuid.uuid4().hex[:8]}"
    for login, password in ((director.login, "pas le bon mot de passe"), (unknown, PASSWORD)):
        response = await api().post("/api/session", json={"login": login, "password": password})
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "Identifiant ou mot de passe incorrect."


async def test_sign_out_revokes_the_token_at_once(api, school):
    _, director, _ = school
    token = await sign_in(api(), director.login, PASSWORD)
    client = api(token)
    assert (await client.get("/api/me")).status_code == 200
    assert (await client.delete("/api/session")).status_code == 204
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    # Other sessions of the same person are not affected.
    assert (await api(director.token).get("/api/me")).status_code == 200


async def test_csrf_required_for_cookie_requests(server, school):
    _, director, _ = school
    async with httpx.AsyncClient(base_url=server.url) as browser:
        await browser.post("/api/session", json={"login": director.login, "password": PASSWORD})
        me = await browser.get("/api/me")  # a safe request: the cookie alone is enough
        assert me.status_code == 200
        csrf = me.json()["csrf_token"]
        refused = await browser.put("/api/me/preferences", json={"push": False})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf"
        wrong = await browser.put(
            "/api/me/preferences", json={"push": False}, headers={"X-CSRF-Token": "0" * 64}
        )
        assert wrong.status_code == 403
        accepted = await browser.put(
            "/api/me/preferences", json={"push": False}, headers={"X-CSRF-Token": csrf}
        )
        assert accepted.status_code == 200 and accepted.json()["push"] is False
        # A bearer token is not sent by browsers on their own: no CSRF needed.
        assert (await browser.delete("/api/session", headers={"X-CSRF-Token": csrf})).status_code == 204
        assert (await browser.get("/api/me")).status_code == 401


async def test_activation_code_is_single_use(api, school):
    school_id, _, director = school
    guardian = (await new_codes(director, school_id))[0]
    code = guardian["activation_code"]
    # Typed on a phone: lower case, no dashes.
    response = await api().post(
        "/api/activate", json={"code": code.lower().replace("-", " "), "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == guardian["user_id"]
    again = await api().post("/api/activate", json={"code": code, "password": PASSWORD})
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "unknown_code"
    assert await sign_in(api(), guardian["login"], PASSWORD)


async def test_unknown_and_expired_codes(api, school, db):
    school_id, _, director = school
    guardian = (await new_codes(director, school_id))[0]
    await db.execute(
        "UPDATE activation_codes SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        uuid.UUID(guardian["user_id"]),
    )
    expired = await api().post(
        "/api/activate", json={"code": guardian["activation_code"], "password": PASSWORD}
    )
    assert expired.status_code == 404
    unknown = await api().post("/api/activate", json={"code": "AAAA-BBBB-CCCC", "password": PASSWORD})
    assert unknown.status_code == 404


async def test_weak_password_keeps_the_code_usable(api, school):
    school_id, _, director = school
    guardian = (await new_codes(director, school_id))[0]
    for weak in ("court", "1234567890", "aaaaaaaaaaaa", guardian["login"] + "2026!"):
        response = await api().post(
            "/api/activate", json={"code": guardian["activation_code"], "password": weak}
        )
        assert response.status_code == 422, weak
        assert response.json()["error"]["fields"]["password"]
    ok = await api().post("/api/activate", json={"code": guardian["activation_code"], "password": PASSWORD})
    assert ok.status_code == 200


async def test_concurrent_use_of_one_code_activates_once(api, school):
    import asyncio

    school_id, _, director = school
    code = (await new_codes(director, school_id))[0]["activation_code"]
    responses = await asyncio.gather(
        *(api().post("/api/activate", json={"code": code, "password": PASSWORD}) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 404, 404, 404, 404]


async def test_rate_limit_per_login_then_per_address(start_server, school):
    _, director, _ = school
    server = await start_server(login_max_failures_per_login=3, login_max_failures_per_ip=6)
    import redis.asyncio as aioredis

    from liaison.accounts.ratelimit import Limit, _key

    # Start from a clean count for this address, whatever ran before.
    client_redis = aioredis.from_url(server.settings.redis_url)
    await client_redis.delete(_key("127.0.0.1", Limit("ip", 6, 900), server.settings.redis_prefix))
    await client_redis.aclose()
    async with httpx.AsyncClient(base_url=server.url) as client:

        async def attempt(login: str, password: str = "mauvais mot de passe") -> httpx.Response:
            return await client.post("/api/session", json={"login": login, "password": password})

        for _ in range(3):
            assert (await attempt(director.login)).status_code == 401
        blocked = await attempt(director.login, PASSWORD)  # even the right password waits
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert blocked.json()["error"]["code"] == "too_many_attempts"
        # Another login from the same address still works, until the address limit.
        others = [f"inconnu-{uuid.uuid4().hex[:8]}" for _ in range(4)]
        for login in others[:3]:
            assert (await attempt(login)).status_code == 401
        assert (await attempt(others[3])).status_code == 429


async def test_rate_limit_is_shared_through_redis(start_server, school):
    """Two web processes count the failures of one login together."""
    _, director, _ = school
    first = await start_server(login_max_failures_per_login=4)
    second = await start_server(login_max_failures_per_login=4)
    login = director.login + "-typo"
    async with httpx.AsyncClient(base_url=first.url) as one, httpx.AsyncClient(base_url=second.url) as two:
        for client in (one, two, one, two):
            response = await client.post("/api/session", json={"login": login, "password": "x"})
            assert response.status_code == 401
        assert (await one.post("/api/session", json={"login": login, "password": "x"})).status_code == 429


async def test_preferences_round_trip_and_validation(api, school):
    _, director, _ = school
    client = api(director.token)
    defaults = (await client.get("/api/me/preferences")).json()
    assert defaults == {"email": "immediate", "push": True, "quiet_hours": {"start": "20:00", "end": "07:00"}}
    updated = await client.put(
        "/api/me/preferences", json={"email": "digest", "quiet_hours": {"start": "21:30", "end": "06:45"}}
    )
    assert updated.json() == {
        "email": "digest",
        "push": True,
        "quiet_hours": {"start": "21:30", "end": "06:45"},
    }
    assert (await client.get("/api/me/preferences")).json() == updated.json()
    cleared = await client.put("/api/me/preferences", json={"quiet_hours": None})
    assert cleared.json()["quiet_hours"] is None
    for bad, field in (
        ({"email": "weekly"}, "email"),
        ({"push": "yes"}, "push"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "07:00", "end": "07:00"}}, "quiet_hours"),
        ({"colour": "blue"}, "colour"),
    ):
        response = await client.put("/api/me/preferences", json=bad)
        assert response.status_code == 422, bad
        assert field in response.json()["error"]["fields"], response.json()
    assert (await client.get("/api/me/preferences")).json() == cleared.json()
    assert (await api().get("/api/me/preferences")).status_code == 401


async def test_me_for_each_role(api, school):
    school_id, director, director_client = school
    me = (await director_client.get("/api/me")).json()
    assert me["user"] == {
        "id": director.user_id,
        "display_name": "Mme Comptes",
        "role": "director",
        "school_id": school_id,
        "school_ids": [school_id],
        "circonscription_id": None,
    }
    assert me["school"]["id"] == school_id and me["children"] == [] and me["csrf_token"]
    admin = (await api(await admin_token(api())).get("/api/me")).json()
    assert admin["user"]["role"] == "admin" and admin["school"] is None
