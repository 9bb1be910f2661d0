"""Recovering an account: a forgotten password by a one-time email link (a real
SMTP server receives it), and a new paper letter for a family without email."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from liaison.accounts import service
from tests.conftest import Clients, RunningServer, clients_of, database_pool
from tests.receivers import SmtpReceiver
from tests.world import PASSWORD, World, build_world, sign_in

NEW_PASSWORD = "un-nouveau-cahier-2027"


@pytest.fixture(scope="module")
async def mailbox() -> AsyncIterator[SmtpReceiver]:
    async with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
async def rserver(start_server, mailbox: SmtpReceiver) -> RunningServer:
    return await start_server(smtp_url=mailbox.url)


@pytest.fixture(scope="module")
async def rapi(rserver: RunningServer) -> AsyncIterator[Clients]:
    async with clients_of(rserver.url) as clients:
        yield clients


@pytest.fixture(scope="module")
async def rdb(rserver: RunningServer) -> AsyncIterator[asyncpg.Pool]:
    async with database_pool(rserver, 2) as pool:
        yield pool


@pytest.fixture(scope="module")
async def rworld(rapi: Clients) -> World:
    return await build_world(rapi)


@pytest.fixture(autouse=True)
async def fresh_address(rdb: asyncpg.Pool) -> None:
    """Every request of the suite comes from 127.0.0.1: each test starts with the
    address's count at zero."""
    await rdb.execute("DELETE FROM password_reset_requests")


def link_token(mailbox: SmtpReceiver, address: str) -> str:
    mail = [m for m in mailbox.mails if address in m.rcpt_tos][-1]
    assert mail.text is not None and mail.html is not None
    match = re.search(r"/#/password-reset\?token=([A-Za-z0-9_-]+)", mail.text)
    assert match, mail.text
    return match.group(1)


async def email_of(rdb: asyncpg.Pool, user_id: str) -> str:
    return str(await rdb.fetchval("SELECT email FROM users WHERE id = $1", uuid.UUID(user_id)))


async def test_a_forgotten_password_by_a_one_time_link(rapi, rworld, mailbox, rdb):
    claire = rworld.a.parents["both"]
    address = await email_of(rdb, claire.user_id)
    anonymous = rapi()
    other_device = await sign_in(anonymous, claire.login, PASSWORD)
    before = len(mailbox.mails)

    # An unknown login and a known one: the same answer.
    unknown = await anonymous.post("/api/password/forgot", json={"login": f"personne-{uuid.uuid4().hex[:6]}"})
    known = await anonymous.post("/api/password/forgot", json={"login": address.upper()})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json() == {}
    await mailbox.wait_for(before + 1)
    assert [m.rcpt_tos for m in mailbox.mails[before:]] == [[address]]
    token = link_token(mailbox, address)
    stored = await rdb.fetchval(
        "SELECT count(*) FROM password_resets WHERE token_hash = sha256($1::bytea)", token.encode()
    )
    assert stored == 1  # kept as a hash only

    weak = await anonymous.post("/api/password/reset", json={"token": token, "password": "court"})
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    reset = await anonymous.post("/api/password/reset", json={"token": token, "password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text
    assert reset.json()["user"]["id"] == claire.user_id
    assert (await rapi(reset.json()["token"]).get("/api/me")).status_code == 200
    # The other sessions ended; the link served once; the old password is gone.
    assert (await rapi(other_device).get("/api/me")).status_code == 401
    assert (await rapi(claire.token).get("/api/me")).status_code == 401
    again = await anonymous.post("/api/password/reset", json={"token": token, "password": NEW_PASSWORD + "x"})
    assert again.status_code == 404 and again.json()["error"]["code"] == "unknown_code"
    old = await anonymous.post("/api/session", json={"login": claire.login, "password": PASSWORD})
    assert old.status_code == 401
    claire.token = await sign_in(anonymous, claire.login, NEW_PASSWORD)


async def test_an_expired_link_is_refused(rapi, rworld, mailbox, rdb):
    sophie = rworld.a.parents["cp"]
    address = await email_of(rdb, sophie.user_id)
    before = len(mailbox.mails)
    assert (await rapi().post("/api/password/forgot", json={"login": sophie.login})).status_code == 202
    await mailbox.wait_for(before + 1)
    token = link_token(mailbox, address)
    await rdb.execute(
        "UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        uuid.UUID(sophie.user_id),
    )
    response = await rapi().post("/api/password/reset", json={"token": token, "password": NEW_PASSWORD})
    assert response.status_code == 404


async def test_an_account_gets_a_few_links_an_hour_and_an_address_a_few_requests(
    rapi, rworld, rdb, monkeypatch
):
    marc = rworld.a.parents["ce1"]
    anonymous = rapi()
    await rdb.execute("DELETE FROM password_resets WHERE user_id = $1", uuid.UUID(marc.user_id))
    for _ in range(service.RESETS_PER_ACCOUNT + 2):
        assert (await anonymous.post("/api/password/forgot", json={"login": marc.login})).status_code == 202
    links = await rdb.fetchval(
        "SELECT count(*) FROM password_resets WHERE user_id = $1", uuid.UUID(marc.user_id)
    )
    assert links == service.RESETS_PER_ACCOUNT
    # The address: counted whatever the login, a burst as a sequence.
    monkeypatch.setattr(service, "RESET_REQUESTS_PER_ADDRESS", service.RESETS_PER_ACCOUNT + 4)
    answers = [
        (await anonymous.post("/api/password/forgot", json={"login": f"x{i}"})).status_code for i in range(3)
    ]
    assert answers == [202, 202, 429]


async def test_a_new_letter_ends_the_old_password_and_sessions(rapi, rworld):
    marc = rworld.a.parents["ce1"]  # the CE1 family
    anonymous = rapi()
    session = await sign_in(anonymous, marc.login, PASSWORD)
    cp_teacher, ce1_teacher = rworld.a.teachers["CP"], rworld.a.teachers["CE1"]
    # A teacher of another class, another school's director, a parent: not theirs.
    assert (await rapi(cp_teacher.token).post(f"/api/users/{marc.user_id}/new-letter")).status_code == 404
    assert (
        await rapi(rworld.b.director.token).post(f"/api/users/{marc.user_id}/new-letter")
    ).status_code == 404
    parent = rapi(rworld.a.parents["cp"].token)
    assert (await parent.post(f"/api/users/{marc.user_id}/new-letter")).status_code == 404
    assert (
        await rapi(ce1_teacher.token).post(f"/api/users/{cp_teacher.user_id}/new-letter")
    ).status_code == 403

    response = await rapi(ce1_teacher.token).post(f"/api/users/{marc.user_id}/new-letter")
    assert response.status_code == 200, response.text
    code = response.json()["activation_code"]
    assert (await rapi(session).get("/api/me")).status_code == 401
    assert (await rapi(marc.token).get("/api/me")).status_code == 401
    old = await anonymous.post("/api/session", json={"login": marc.login, "password": PASSWORD})
    assert old.status_code == 401
    # The director's printable letter for that family now has a code too.
    letters = await rapi(rworld.a.director.token).get(
        f"/api/schools/{rworld.a.id}/activation-letters", params={"guardian_id": marc.user_id}
    )
    assert letters.status_code == 200 and marc.login in letters.text
    activated = await anonymous.post("/api/activate", json={"code": code, "password": NEW_PASSWORD})
    assert activated.status_code == 200, activated.text
    assert activated.json()["user"]["id"] == marc.user_id
    marc.token = activated.json()["token"]


async def test_bad_input_is_a_clear_error(rapi):
    client: httpx.AsyncClient = rapi()
    assert (await client.post("/api/password/forgot", json={})).status_code == 422
    assert (
        await client.post("/api/password/reset", json={"token": "x" * 500, "password": "p"})
    ).status_code == 422
    assert (
        await client.post("/api/password/reset", json={"token": "inconnu", "password": NEW_PASSWORD})
    ).status_code == 404
