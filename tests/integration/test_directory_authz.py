"""The authorisation matrix of every directory endpoint, over HTTP.

Each role (admin; director, teacher, parent, pupil of school A; the same of
school B; signed out) × each endpoint on school A's resources. The expected
status says what the person learns: 2xx allowed, 403 "exists but not for
you", 404 "not even known to exist", 401 "sign in".
"""

from __future__ import annotations

import uuid

import pytest

from tests.blog_world import make_pupil
from tests.conftest import Clients
from tests.world import World, activate, build_world, roster

ROLES = ["anonymous", "admin", "director_a", "teacher_cp", "teacher_ce1", "parent_a", "pupil_a",
         "director_b", "teacher_b", "parent_b"]  # fmt: skip

# endpoint -> expected status per role
MATRIX = {
    "create_school": dict(anonymous=401, admin=201, director_a=403, teacher_cp=403, teacher_ce1=403,
                          parent_a=403, pupil_a=403, director_b=403, teacher_b=403, parent_b=403),
    "add_staff": dict(anonymous=401, admin=201, director_a=201, teacher_cp=403, teacher_ce1=403,
                      parent_a=403, pupil_a=403, director_b=404, teacher_b=404, parent_b=404),
    "import": dict(anonymous=401, admin=200, director_a=200, teacher_cp=403, teacher_ce1=403,
                   parent_a=403, pupil_a=403, director_b=404, teacher_b=404, parent_b=404),
    "letters": dict(anonymous=401, admin=200, director_a=200, teacher_cp=403, teacher_ce1=403,
                    parent_a=403, pupil_a=403, director_b=404, teacher_b=404, parent_b=404),
    "members_cp": dict(anonymous=401, admin=200, director_a=200, teacher_cp=200, teacher_ce1=200,
                       parent_a=404, pupil_a=404, director_b=404, teacher_b=404, parent_b=404),
    "pupil_account": dict(anonymous=401, admin=(200, 201), director_a=(200, 201), teacher_cp=(200, 201),
                          teacher_ce1=403, parent_a=404, pupil_a=404, director_b=404, teacher_b=404,
                          parent_b=404),
}  # fmt: skip


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    world = await build_world(api)
    # Léa (CP) gets her own pupil account, activated.
    world.pupil_token = (await make_pupil(api, world.a, "Léa")).token
    return world


def tokens(world) -> dict[str, str | None]:
    return {
        "anonymous": None,
        "admin": world.admin,
        "director_a": world.a.director.token,
        "teacher_cp": world.a.teachers["CP"].token,
        "teacher_ce1": world.a.teachers["CE1"].token,
        "parent_a": world.a.parents["cp"].token,
        "pupil_a": world.pupil_token,
        "director_b": world.b.director.token,
        "teacher_b": world.b.teachers["CM1"].token,
        "parent_b": world.b.parents["cm1"].token,
    }


async def call(client, endpoint: str, world):
    school = world.a.id
    tag = uuid.uuid4().hex[:8]
    if endpoint == "create_school":
        return await client.post(
            "/api/schools",
            json={"name": f"École {tag}", "city": "Lyon", "uai": f"{int(tag, 16) % 10**7:07d}K"},
        )
    if endpoint == "add_staff":
        return await client.post(
            f"/api/schools/{school}/staff", json={"role": "teacher", "display_name": f"M. {tag}"}
        )
    if endpoint == "import":
        data = roster([("CP", f"Authz{tag}", "Lou", "01/01/2020", f"Authz{tag}", "Eve", "", "Mère")])
        return await client.post(
            f"/api/schools/{school}/import", content=data, headers={"Content-Type": "text/csv"}
        )
    if endpoint == "letters":
        return await client.get(f"/api/schools/{school}/activation-letters")
    if endpoint == "members_cp":
        return await client.get(f"/api/classes/{world.a.classes['CP']}/members")
    if endpoint == "pupil_account":
        return await client.post(f"/api/children/{world.a.children['Hugo']}/account")
    raise AssertionError(endpoint)


@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_directory_matrix(api, world, endpoint):
    people = tokens(world)
    for role in ROLES:
        response = await call(api(people[role]), endpoint, world)
        expected = MATRIX[endpoint][role]
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message"}
        assert response.status_code in allowed, (role, endpoint, response.text)


async def test_hidden_and_unknown_look_the_same(api, world):
    """A class of another school answers exactly like a class that does not exist."""
    parent_b = api(world.b.parents["cm1"].token)
    hidden = await parent_b.get(f"/api/classes/{world.a.classes['CP']}/members")
    unknown = await parent_b.get(f"/api/classes/{uuid.uuid4()}/members")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()


async def test_members_lists_children_guardians_and_teachers(api, world):
    body = (
        await api(world.a.teachers["CP"].token).get(f"/api/classes/{world.a.classes['CP']}/members")
    ).json()
    assert body["class"]["name"] == "CP"
    assert [t["id"] for t in body["teachers"]] == [world.a.teachers["CP"].user_id]
    lea = next(c for c in body["children"] if c["first_name"] == "Léa")
    guardians = {g["display_name"].split()[0]: g for g in lea["guardians"]}
    assert set(guardians) == {"Claire", "Paul"}
    assert guardians["Claire"]["activated"] is True and guardians["Paul"]["activated"] is False
    assert guardians["Paul"]["email"] is None
    assert lea["has_account"] is True
    # No one from another class leaks into the list.
    assert all(c["class_id"] == world.a.classes["CP"] for c in body["children"])


async def test_pupil_signs_in_and_sees_their_class(api, world):
    me = (await api(world.pupil_token).get("/api/me")).json()
    assert me["user"]["role"] == "student"
    assert [c["id"] for c in me["classes"]] == [world.a.classes["CP"]]
    assert me["children"] == []


async def test_staff_teacher_is_attached_to_classes_created_on_first_use(api, world):
    director = api(world.a.director.token)
    response = await director.post(
        f"/api/schools/{world.a.id}/staff",
        json={"role": "teacher", "display_name": "Mme Nouvelle", "class_names": ["cm2 b", "CP"]},
    )
    assert response.status_code == 201
    token = await activate(api(), response.json()["activation_code"])
    classes = {c["name"]: c["id"] for c in (await api(token).get("/api/me")).json()["classes"]}
    assert set(classes) == {"cm2 b", "CP"}
    assert classes["CP"] == world.a.classes["CP"]  # the existing class, not a copy
