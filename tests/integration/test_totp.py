"""The second factor of a director or an admin: TOTP codes and recovery codes."""

from __future__ import annotations

import datetime as dt

import pyotp

from tests.world import PASSWORD, school_with_director


def now_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC))


def next_code(secret: str) -> str:
    """The code of the next 30 s step (accepted: a phone's clock a little ahead):
    a code serves once, so a second use within the same step needs it."""
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))


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
        "/api/session/second-factor", json={"challenge": challenge, "code": next_code(setup["secret"])}
    )
    assert good.status_code == 200 and good.json()["user"]["id"] == director.user_id
    again = await anonymous.post(
        "/api/session/second-factor", json={"challenge": challenge, "code": next_code(setup["secret"])}
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

    # Off again, with a code as proof (a recovery code: the app's have served).
    assert (await me.request("DELETE", "/api/me/second-factor", json={"code": "999999"})).status_code == 422
    off = await me.request("DELETE", "/api/me/second-factor", json={"code": recovery[1]})
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
    right = {"challenge": challenge, "code": next_code(secret)}
    assert (await anonymous.post("/api/session/second-factor", json=right)).status_code == 401
    # Out of tries, the good code was not spent: it opens a new challenge.
    retry = await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
    fresh = {"challenge": retry.json()["error"]["challenge"], "code": next_code(secret)}
    assert (await anonymous.post("/api/session/second-factor", json=fresh)).status_code == 200


async def test_a_code_serves_once(api):
    """A code seen over a shoulder, or replayed, is refused within its window;
    so is a code of an earlier step than the last one used."""
    _, director = await school_with_director(api, "Mme Rejeu")
    me = api(director.token)
    secret = (await me.post("/api/me/second-factor/setup")).json()["secret"]
    totp = pyotp.TOTP(secret)
    now = dt.datetime.now(dt.UTC)
    earlier, current = totp.at(now), totp.at(now + dt.timedelta(seconds=30))
    assert (await me.post("/api/me/second-factor/enable", json={"code": earlier})).status_code == 200
    anonymous = api()

    async def answer(code: str) -> int:
        first = await anonymous.post("/api/session", json={"login": director.login, "password": PASSWORD})
        assert first.status_code == 401, first.text
        reply = {"challenge": first.json()["error"]["challenge"], "code": code}
        return (await anonymous.post("/api/session/second-factor", json=reply)).status_code

    assert await answer(earlier) == 401  # the step of the activation: spent
    assert await answer(current) == 200
    assert await answer(current) == 401  # the same code again
    assert await answer(totp.at(now - dt.timedelta(seconds=30))) == 401  # earlier than the last used
    # Nor does a spent code turn the factor off.
    refused = await me.request("DELETE", "/api/me/second-factor", json={"code": current})
    assert refused.status_code == 422


async def test_only_directors_and_admins(api, world):
    teacher = api(world.a.teachers["CP"].token)
    parent = api(world.a.parents["cp"].token)
    for client in (teacher, parent):
        assert (await client.get("/api/me/second-factor")).status_code == 403
        assert (await client.post("/api/me/second-factor/setup")).status_code == 403
