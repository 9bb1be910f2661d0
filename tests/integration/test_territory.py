"""The territory above the schools: circonscriptions and their team, schools
attached and moved, a school's overview (counts, never a name), RPIs."""

from __future__ import annotations

import uuid

import asyncpg

from tests.conftest import Clients
from tests.world import World, activate, create_school


async def test_circonscriptions_their_schools_and_their_team(
    api: Clients, world: World, db: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:6]
    admin, director_a = api(world.admin), api(world.a.director.token)
    created = await admin.post("/api/circonscriptions", json={"name": f"Lyon Nord-Est {tag}"})
    assert created.status_code == 201, created.text
    nord = created.json()
    assert nord == {"id": nord["id"], "name": f"Lyon Nord-Est {tag}"}
    same = await admin.post("/api/circonscriptions", json={"name": f"  LYON NORD-ÉST {tag.upper()} "})
    assert same.status_code == 409 and same.json()["error"]["code"] == "conflict"
    assert (await director_a.post("/api/circonscriptions", json={"name": f"X {tag}"})).status_code == 403
    sud = (await admin.post("/api/circonscriptions", json={"name": f"Lyon Sud {tag}"})).json()

    # Schools attached at creation or moved; null detaches; an unknown one is refused.
    c_id = (
        await admin.post(
            "/api/schools",
            json={"name": f"École du Parc {tag}", "city": "Lyon", "uai": f"{uuid.uuid4().int % 10**7:07d}K",
                  "circonscription_id": nord["id"]},
        )
    ).json()["id"]  # fmt: skip
    for school_id in (world.a.id, world.b.id):
        moved = await admin.patch(f"/api/schools/{school_id}", json={"circonscription_id": nord["id"]})
        assert moved.status_code == 200 and moved.json()["circonscription_id"] == nord["id"], moved.text
    detached = (await admin.patch(f"/api/schools/{c_id}", json={"circonscription_id": None})).json()
    assert detached["circonscription_id"] is None and detached["rpi_id"] is None
    moved = (await admin.patch(f"/api/schools/{c_id}", json={"circonscription_id": sud["id"]})).json()
    assert moved["circonscription_id"] == sud["id"]
    uai = f"{uuid.uuid4().int % 10**7:07d}L"
    nowhere = await admin.post(
        "/api/schools",
        json={"name": "X", "city": "Lyon", "uai": uai, "circonscription_id": str(uuid.uuid4())},
    )
    assert nowhere.status_code == 422 and "circonscription_id" in nowhere.json()["error"]["fields"]
    assert await db.fetchval("SELECT count(*) FROM schools WHERE uai = $1", uai) == 0
    unknown = await admin.patch(f"/api/schools/{c_id}", json={"circonscription_id": str(uuid.uuid4())})
    assert unknown.status_code == 422 and "circonscription_id" in unknown.json()["error"]["fields"]
    assert (
        await admin.patch(f"/api/schools/{uuid.uuid4()}", json={"circonscription_id": None})
    ).status_code == 404
    assert (
        await director_a.patch(f"/api/schools/{world.a.id}", json={"circonscription_id": None})
    ).status_code == 403

    # The team: an account above the schools, activated by its letter.
    staff = await admin.post(
        f"/api/circonscriptions/{nord['id']}/staff",
        json={"display_name": f"Mme Inspectrice {tag}", "email": ""},
    )
    assert staff.status_code == 201, staff.text
    ien_user = staff.json()["user"]
    assert (ien_user["role"], ien_user["school_id"], ien_user["circonscription_id"]) == (
        "circonscription",
        None,
        nord["id"],
    )
    letters = await admin.get(f"/api/circonscriptions/{nord['id']}/activation-letters")
    assert (
        letters.status_code == 200
        and f"Mme Inspectrice {tag}" in letters.text
        and f"Lyon Nord-Est {tag}" in letters.text
    )
    assert "circonscription" in letters.text and "familles" not in letters.text
    assert (
        await admin.post(f"/api/circonscriptions/{uuid.uuid4()}/staff", json={"display_name": "X"})
    ).status_code == 404
    ien = api(await activate(api(), staff.json()["activation_code"]))
    me = (await ien.get("/api/me")).json()
    assert me["school"] is None and me["schools"] == [] and me["children"] == [] and me["classes"] == []
    assert me["user"]["circonscription_id"] == nord["id"]

    # What the team and the admin list; nobody else.
    mine = (await ien.get("/api/circonscriptions")).json()["circonscriptions"]
    # Its schools by name: Jean-Moulin (A), then Victor-Hugo (B).
    assert mine == [{"id": nord["id"], "name": nord["name"], "school_ids": [world.a.id, world.b.id]}]
    every = {c["id"]: c for c in (await admin.get("/api/circonscriptions")).json()["circonscriptions"]}
    assert every[sud["id"]]["school_ids"] == [c_id]
    assert (await director_a.get("/api/circonscriptions")).status_code == 403
    schools = (await ien.get("/api/schools")).json()["schools"]
    assert {s["id"] for s in schools} == {world.a.id, world.b.id}
    assert {s["id"] for s in (await admin.get("/api/schools")).json()["schools"]} >= {
        world.a.id,
        world.b.id,
        c_id,
    }
    assert (await director_a.get("/api/schools")).status_code == 403

    # A school's overview: classes and counts, never a name of a child or a family.
    overview = await ien.get(f"/api/schools/{world.a.id}/overview")
    assert overview.status_code == 200, overview.text
    classes = {k["name"]: k for k in overview.json()["classes"]}
    assert overview.json()["school"]["id"] == world.a.id
    # CP: Léa (Claire activated, Paul not) and Hugo; CE1: Inès and Noah. A teacher each.
    assert {
        n: (k["children"], k["families"], k["families_activated"], k["teachers"]) for n, k in classes.items()
    } == {
        "CP": (2, 2, 2, 1),
        "CE1": (2, 2, 2, 1),
    }
    for name in ("Léa", "Hugo", "Claire", "Martin", "Petit", "Cépé"):
        assert name not in overview.text
    assert (await admin.get(f"/api/schools/{world.a.id}/overview")).status_code == 200
    assert (await ien.get(f"/api/schools/{c_id}/overview")).status_code == 404  # another circonscription's
    assert (await director_a.get(f"/api/schools/{world.a.id}/overview")).status_code == 403
    assert (
        await api(world.a.parents["cp"].token).get(f"/api/schools/{world.a.id}/overview")
    ).status_code == 404

    # Above the schools, never inside them: no class's families, no letters.
    assert (await ien.get(f"/api/classes/{world.a.classes['CP']}/members")).status_code == 404
    assert (await ien.get(f"/api/schools/{world.a.id}/activation-letters")).status_code == 404
    assert (
        await db.fetchval("SELECT count(*) FROM school_staff WHERE user_id = $1", uuid.UUID(ien_user["id"]))
        == 0
    )


async def test_rpis(api: Clients, world: World, db: asyncpg.Pool) -> None:
    tag = uuid.uuid4().hex[:6]
    admin = api(world.admin)
    village = await create_school(admin, f"École du Village {tag}")
    created = await admin.post(
        "/api/rpis", json={"name": f"RPI des Coteaux {tag}", "school_ids": [world.a.id, village]}
    )
    assert created.status_code == 201, created.text
    rpi = created.json()
    assert rpi == {"id": rpi["id"], "name": f"RPI des Coteaux {tag}", "school_ids": [world.a.id, village]}

    # Nothing written for an unknown school, nor for a school already in an RPI.
    unknown = await admin.post(
        "/api/rpis", json={"name": f"Mauvais {tag}", "school_ids": [world.b.id, str(uuid.uuid4())]}
    )
    assert unknown.status_code == 422 and "school_ids" in unknown.json()["error"]["fields"]
    taken = await admin.post(
        "/api/rpis", json={"name": f"Mauvais {tag}", "school_ids": [world.b.id, village]}
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"
    empty = await admin.post("/api/rpis", json={"name": f"Mauvais {tag}", "school_ids": []})
    assert empty.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM rpis WHERE name = $1", f"Mauvais {tag}") == 0
    assert (
        await db.fetchval("SELECT count(*) FROM rpi_schools WHERE school_id = $1", uuid.UUID(world.b.id)) == 0
    )
    assert (
        await api(world.a.director.token).post("/api/rpis", json={"name": "X", "school_ids": [world.a.id]})
    ).status_code == 403

    # Who lists them: the admin, a director of one of its schools; not B's, not a teacher.
    assert rpi in (await admin.get("/api/rpis")).json()["rpis"]
    assert (await api(world.a.director.token).get("/api/rpis")).json() == {"rpis": [rpi]}
    assert (await api(world.b.director.token).get("/api/rpis")).json() == {"rpis": []}
    assert (await api(world.a.teachers["CP"].token).get("/api/rpis")).status_code == 403
    me = (await api(world.a.director.token).get("/api/me")).json()
    assert me["school"]["rpi_id"] == rpi["id"]
