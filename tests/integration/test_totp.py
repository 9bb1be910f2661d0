"""The second factor of a director or an admin: TOTP codes and recovery codes."""

from __future__ import annotations

import datetime as dt

import pyotp

from tests.world import PASSWORD, school_with_director


def now_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC))


async def test_a_director_turns_on_a_second_factor(api):
    _, director = await school_with_director(api, "Mme Deux-Facteurs")
    me = api(director.token)
    assert (await me.get("/api/me/second-factor")).json() == {"enabled": False, "recovery_codes_left": 0}
    setup = (await me.post("/api/me/second-factor/setup")).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/") and setup["secret"] in setup["otpauth_uri"]
    qr = await me.get("/api/me/second-factor/qr")
    assert (
        qr.headers["content-type"].startswith("image/svg+xml") and "no-store" in qr.headers["cache-control"]
    )
    wrong = await me.post("/api/me/second-factor/enable", json={"code": "000000"})
    assert wrong.status_code == 422
    enabled = await me.post("/api/me/second-factor/enable", json={"code": now_code(setup["secret"])})
    assert enabled.status_code == 200, enabled.text
    recovery = enabled.json()["recovery_codes"]
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert (await me.post("/api/me/second-factor/setup")).status_code == 409

    # Sign-in: the password, then the code.
    anonymous = api()
    first = await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    assert first.status_code == 401 and first.json()["error"]["code"] == "second_factor_required"
    assert "token" not in first.json()
    challenge = first.json()["error"]["challenge"]
    bad = await anonymous.post("/api/session/second-factor", json={"challenge": challenge, "code": "123456"})
    assert bad.status_code == 401
    good = await anonymous.post(
        "/api/session/second-factor", json={"challenge": challenge, "code": now_code(setup["secret"])}
    )
    assert good.status_code == 200 and good.json()["user"]["id"] == director.user_id
    again = await anonymous.post(
        "/api/session/second-factor", json={"challenge": challenge, "code": now_code(setup["secret"])}
    )
    assert again.status_code == 401  # a challenge serves once

    # A recovery code, once.
    second = (
        await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    ).json()
    answer = {"challenge": second["error"]["challenge"], "code": recovery[0].upper()}
    assert (await anonymous.post("/api/session/second-factor", json=answer)).status_code == 200
    third = (
        await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    ).json()
    reused = {"challenge": third["error"]["challenge"], "code": recovery[0]}
    assert (await anonymous.post("/api/session/second-factor", json=reused)).status_code == 401
    assert (await me.get("/api/me/second-factor")).json() == {"enabled": True, "recovery_codes_left": 9}

    # Off again, with a code as proof.
    assert (await me.request("DELETE", "/api/me/second-factor", json={"code": "999999"})).status_code == 422
    off = await me.request("DELETE", "/api/me/second-factor", json={"code": now_code(setup["secret"])})
    assert off.status_code == 204
    plain = await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    assert plain.status_code == 200


async def test_a_challenge_allows_few_tries(api):
    _, director = await school_with_director(api, "M. Essais")
    me = api(director.token)
    secret = (await me.post("/api/me/second-factor/setup")).json()["secret"]
    assert (await me.post("/api/me/second-factor/enable", json={"code": now_code(secret)})).status_code == 200
    anonymous = api()
    first = await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    challenge = first.json()["error"]["challenge"]
    for _ in range(5):
        wrong = {"challenge": challenge, "code": "000000"}
        assert (await anonymous.post("/api/session/second-factor", json=wrong)).status_code == 401
    right = {"challenge": challenge, "code": now_code(secret)}
    assert (await anonymous.post("/api/session/second-factor", json=right)).status_code == 401


async def test_only_directors_and_admins(api, world):
    teacher = api(world.a.teachers["CP"].token)
    parent = api(world.a.parents["cp"].token)
    for client in (teacher, parent):
        assert (await client.get("/api/me/second-factor")).status_code == 403
        assert (await client.post("/api/me/second-factor/setup")).status_code == 403
