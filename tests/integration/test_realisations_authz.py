"""The authorisation matrix of the cahier de réalisations: every role × every
action on Léa's cahier (CP, school A), the photos of her pages included.

2xx allowed, 403 "exists but not for you", 404 "not even known to exist",
401 "sign in" (the API; a photo's URL answers 404 to the signed out too).

Roles: the director; the CP teacher (Léa's class); the CE1 teacher (another
class); Claire (Léa's guardian); Sophie (Hugo's, same class); Marc (Noah's,
CE1); Léa's own pupil account; Hugo's pupil account (same class); school B's
director and parent; the platform admin; signed out.
"""

from __future__ import annotations

import pytest

from tests.blog_world import activate_paul, make_pupil, upload
from tests.conftest import Clients
from tests.integration.test_realisations import add_class_page, add_page
from tests.world import World, add_staff, build_world

ROLES = ["director", "teacher_class", "teacher_other", "guardian", "guardian_same_class",
         "guardian_other_class", "pupil_own", "pupil_other", "director_b", "guardian_b", "admin",
         "anonymous"]  # fmt: skip


def expect(director, teacher_class, teacher_other, guardian, guardian_same_class, guardian_other_class,
           pupil_own, pupil_other, director_b, guardian_b, admin, anonymous):  # fmt: skip
    values = (director, teacher_class, teacher_other, guardian, guardian_same_class, guardian_other_class,
              pupil_own, pupil_other, director_b, guardian_b, admin, anonymous)  # fmt: skip
    return dict(zip(ROLES, values, strict=True))


OK = (200, 201, 204)
# The child's audience: the director, its class's teachers, its guardians, its own account.
CHILD_API = expect(OK, OK, 404, OK, 404, 404, OK, 404, 404, 404, 404, 401)
CHILD_MEDIA = expect(OK, OK, 404, OK, 404, 404, OK, 404, 404, 404, 404, 404)
# A class page: every child's cahier of the class (the families and pupils of the class).
CLASS_MEDIA = expect(OK, OK, 404, OK, OK, 404, OK, OK, 404, 404, 404, 404)

MATRIX = {
    "list_cahier": CHILD_API,
    "get_page": CHILD_API,
    "create_page": CHILD_API,
    "export": CHILD_API,
    # The class's teachers and the director; the class is known to the school's
    # teachers and to its own families and pupils (403); to nobody else (404).
    "create_class_page": expect(OK, OK, 403, 403, 403, 404, 403, 403, 404, 404, 404, 401),
    # A page of the teacher's: the teachers of the class and the director delete it;
    # the rest of the child's audience may read it, not delete it.
    "delete_page": expect(OK, OK, 404, 403, 404, 404, 403, 404, 404, 404, 404, 401),
    "delete_class_page": expect(OK, OK, 404, 403, 403, 404, 403, 403, 404, 404, 404, 401),
    # The guardian's own family page: its author deletes it too.
    "delete_family_page": expect(OK, OK, 404, OK, 404, 404, 403, 404, 404, 404, 404, 401),
    "child_page_web": CHILD_MEDIA,
    "child_page_thumb": CHILD_MEDIA,
    "family_page_web": CHILD_MEDIA,
    "family_page_thumb": CHILD_MEDIA,
    "class_page_web": CLASS_MEDIA,
    "class_page_thumb": CLASS_MEDIA,
}


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    world = await build_world(api)
    a = world.a
    world.pupil_own = await make_pupil(api, a, "Léa")
    world.pupil_other = await make_pupil(api, a, "Hugo")
    lea = a.children["Léa"]
    # Each photo comes from someone outside the matrix (an uploader always sees their
    # own photo): a second CP teacher for the teachers' pages, Paul (Léa's father) for
    # the family page. Every cell then tests the page's audience alone.
    second = await add_staff(api(a.director.token), api(), a.id, "teacher", "M. Second", ["CP"])
    paul = await activate_paul(api, a)
    photos = {}
    photos["child_page"] = await upload(api(second.token), (1, 2, 3))
    # The second teacher also writes those pages: one attaches only a photo one sees.
    page = await add_page(api(second.token), lea, "Page de Léa", media_ids=[photos["child_page"]["id"]])
    assert page.status_code == 201, page.text
    world.page_id = page.json()["id"]
    photos["class_page"] = await upload(api(second.token), (4, 5, 6))
    klass = await add_class_page(
        api(second.token), a.classes["CP"], "Page de la classe", media_ids=[photos["class_page"]["id"]]
    )
    assert klass.status_code == 201, klass.text
    photos["family_page"] = await upload(api(paul.token), (7, 8, 9))
    family = await add_page(
        api(paul.token), lea, "Page de la famille", media_ids=[photos["family_page"]["id"]]
    )
    assert family.status_code == 201 and family.json()["kind"] == "family", family.text
    world.photos = photos
    return world


def tokens(world) -> dict[str, str | None]:
    a, b = world.a, world.b
    return {
        "director": a.director.token,
        "teacher_class": a.teachers["CP"].token,
        "teacher_other": a.teachers["CE1"].token,
        "guardian": a.parents["both"].token,
        "guardian_same_class": a.parents["cp"].token,
        "guardian_other_class": a.parents["ce1"].token,
        "pupil_own": world.pupil_own.token,
        "pupil_other": world.pupil_other.token,
        "director_b": b.director.token,
        "guardian_b": b.parents["cm1"].token,
        "admin": world.admin,
        "anonymous": None,
    }


async def call(api, client, action: str, world):
    a = world.a
    lea = a.children["Léa"]
    if action == "list_cahier":
        return await client.get(f"/api/children/{lea}/realisations")
    if action == "get_page":
        return await client.get(f"/api/realisations/{world.page_id}")
    if action == "create_page":
        return await add_page(client, lea, "Essai")
    if action == "export":
        return await client.get(f"/api/children/{lea}/realisations/export")
    if action == "create_class_page":
        return await add_class_page(client, a.classes["CP"], "Essai")
    if action.startswith("delete_"):
        # A fresh page each time, by the CP teacher or, for a family page, by Claire.
        if action == "delete_page":
            made = await add_page(api(a.teachers["CP"].token), lea, "À effacer")
        elif action == "delete_class_page":
            made = await add_class_page(api(a.teachers["CP"].token), a.classes["CP"], "À effacer")
        else:
            made = await add_page(api(a.parents["both"].token), lea, "À effacer")
        assert made.status_code == 201, made.text
        return await client.delete(f"/api/realisations/{made.json()['id']}")
    holder, variant = action.rsplit("_", 1)
    photo = world.photos[holder]
    return await client.get(photo["url"] if variant == "web" else photo["thumb_url"])


@pytest.mark.parametrize("action", list(MATRIX))
async def test_realisations_matrix(api, world, action):
    people = tokens(world)
    wrong = []
    for role in ROLES:
        response = await call(api, api(people[role]), action, world)
        expected = MATRIX[action][role]
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if response.status_code not in allowed:
            wrong.append((role, expected, response.status_code, response.text[:200]))
        elif response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message"}, (action, role)
    assert not wrong, (action, wrong)


async def test_a_photo_is_served_with_private_headers(api, world):
    """What an allowed reader gets: the image, private to their browser."""
    photo = world.photos["family_page"]
    response = await api(world.a.teachers["CP"].token).get(photo["url"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")
    assert response.headers["cache-control"] == "private, max-age=86400"
    assert response.headers["x-content-type-options"] == "nosniff"
