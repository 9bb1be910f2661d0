"""“Mes appareils”: a user's sessions, listed and ended; nobody else's."""

from __future__ import annotations

from tests.world import PASSWORD

PHONE = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)


async def test_a_user_lists_and_ends_their_sessions(api, world):
    sophie = world.a.parents["cp"]
    phone = api()
    signed = await phone.post(
        "/api/session", json={"login": sophie.login, "password": PASSWORD}, headers={"User-Agent": PHONE}
    )
    phone_token = signed.json()["token"]
    listed = await api(sophie.token).get("/api/me/sessions")
    assert listed.status_code == 200
    sessions = listed.json()["sessions"]
    assert {frozenset(s) for s in sessions} == {
        frozenset({"id", "created_at", "last_seen_at", "device", "shared_device", "current"})
    }
    assert sum(s["current"] for s in sessions) == 1
    on_phone = [s for s in sessions if s["device"] == "Chrome sur Android"]
    assert len(on_phone) == 1 and not on_phone[0]["current"] and on_phone[0]["shared_device"] is False

    # Another user's session: not found, and it keeps working.
    marc = api(world.a.parents["ce1"].token)
    assert (await marc.delete(f"/api/me/sessions/{on_phone[0]['id']}")).status_code == 404
    assert on_phone[0]["id"] not in {s["id"] for s in (await marc.get("/api/me/sessions")).json()["sessions"]}
    assert (await api(phone_token).get("/api/me")).status_code == 200

    assert (await api(sophie.token).delete(f"/api/me/sessions/{on_phone[0]['id']}")).status_code == 204
    assert (await api(phone_token).get("/api/me")).status_code == 401
    assert (await api(sophie.token).delete(f"/api/me/sessions/{on_phone[0]['id']}")).status_code == 404
    assert (await api(sophie.token).get("/api/me")).status_code == 200


async def test_sessions_need_a_signed_in_user(api):
    assert (await api().get("/api/me/sessions")).status_code == 401
    assert (
        await api("inconnu").delete("/api/me/sessions/00000000-0000-0000-0000-000000000000")
    ).status_code == 401
