"""The authorisation matrix of the class blog: who may do what with the CP's
posts, comments and photos.

Each role × each action on school A's CP blog. 2xx allowed; 403 "you see it
but may not"; 404 "not even known to exist" (another class's family or
teacher, another school, the platform admin; and every photo URL for anyone
signed out); 401 "sign in" on the API.

Resources: a published post of the CP teacher with a photo of Hugo (whose
guardian has agreed) and a comment of Claire's; another with a photo of Léa,
tagged after publication, whose guardians have not agreed (withheld: the
staff and Léa's own family and account only, `liaison.consent.policy`); a
post Hugo (the pupil) has submitted with his own photo. Actions that change
things get fresh ones.
"""

from __future__ import annotations

import pytest

from tests.blog_world import consent, make_pupil, post, tag, upload
from tests.world import Person, build_world

ROLES = ["signed_out", "admin", "director", "teacher_cp", "teacher_ce1", "guardian_cp", "guardian_ce1",
         "pupil_author", "pupil_cp", "director_b", "guardian_b"]  # fmt: skip


def expect(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


# guardian_cp: Sophie (Hugo, CP); guardian_ce1: Marc (Noah, CE1 only); pupil_author: Hugo's own
# account (author of the submission); pupil_cp: Léa's own account; *_b: another school.
MATRIX = {
    #                          out  adm  dir  tCP  tCE1 gCP  gCE1 pAut pCP  dirB gB
    "list_posts":       expect(401, 404, 200, 200, 404, 200, 404, 200, 200, 404, 404),
    "read_published":   expect(401, 404, 200, 200, 404, 200, 404, 200, 200, 404, 404),
    "read_submitted":   expect(401, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404),
    "create":           expect(401, 404, 201, 201, 404, 403, 404, 201, 201, 404, 404),
    "edit_published":   expect(401, 404, 200, 200, 404, 403, 404, 403, 403, 404, 404),
    "edit_submitted":   expect(401, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404),
    "delete_published": expect(401, 404, 204, 204, 404, 403, 404, 403, 403, 404, 404),
    "publish":          expect(401, 404, 200, 200, 404, 404, 404, 403, 404, 404, 404),
    "reject":           expect(401, 404, 200, 200, 404, 404, 404, 403, 404, 404, 404),
    "comment":          expect(401, 404, 201, 201, 404, 201, 404, 403, 403, 404, 404),
    "comment_submitted":expect(401, 404, 403, 403, 404, 404, 404, 403, 404, 404, 404),
    "remove_comment":   expect(401, 404, 204, 204, 404, 403, 404, 403, 403, 404, 404),
    "photo_published":  expect(404, 404, 200, 200, 404, 200, 404, 200, 200, 404, 404),
    "thumb_published":  expect(404, 404, 200, 200, 404, 200, 404, 200, 200, 404, 404),
    # Léa without consent: not for Sophie nor Hugo; for Léa's own account (and her guardians, below).
    "photo_withheld":   expect(404, 404, 200, 200, 404, 404, 404, 404, 200, 404, 404),
    "thumb_withheld":   expect(404, 404, 200, 200, 404, 404, 404, 404, 200, 404, 404),
    "photo_submitted":  expect(404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404),
    "thumb_submitted":  expect(404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404),
}  # fmt: skip


@pytest.fixture(scope="module")
async def world(api):
    world = await build_world(api)
    a = world.a
    world.pupil_author = await make_pupil(api, a, "Hugo")
    world.pupil_cp = await make_pupil(api, a, "Léa")
    teacher = api(a.teachers["CP"].token)
    await consent(api(a.parents["cp"].token), a.children["Hugo"])
    world.photo = await upload(teacher)
    await tag(teacher, world.photo["id"], a.children["Hugo"])
    world.published = await _published(api, world, [world.photo["id"]])
    world.comment = await _comment(api, world, world.published)
    world.withheld_photo = await upload(teacher, "blue")
    world.withheld_post = await _published(api, world, [world.withheld_photo["id"]])
    await tag(teacher, world.withheld_photo["id"], a.children["Léa"])  # after publication
    pupil = api(world.pupil_author.token)
    world.pupil_photo = await upload(pupil, "green")
    world.submitted = await _submitted(api, world, [world.pupil_photo["id"]])
    return world


async def _published(api, world, media_ids=()) -> str:
    response = await post(api(world.a.teachers["CP"].token), world.a.classes["CP"], "Le potager", media_ids)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _submitted(api, world, media_ids=()) -> str:
    response = await post(api(world.pupil_author.token), world.a.classes["CP"], "Mon dessin", media_ids)
    assert response.status_code == 201 and response.json()["status"] == "submitted", response.text
    return response.json()["id"]


async def _comment(api, world, post_id: str) -> str:
    response = await api(world.a.parents["both"].token).post(
        f"/api/posts/{post_id}/comments", json={"body": "Bravo à tous !"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def people(world) -> dict[str, Person | None]:
    a, b = world.a, world.b
    return {
        "signed_out": None,
        "admin": Person(world.admin, "", ""),
        "director": a.director,
        "teacher_cp": a.teachers["CP"],
        "teacher_ce1": a.teachers["CE1"],
        "guardian_cp": a.parents["cp"],
        "guardian_ce1": a.parents["ce1"],
        "pupil_author": world.pupil_author,
        "pupil_cp": world.pupil_cp,
        "director_b": b.director,
        "guardian_b": b.parents["cm1"],
    }


async def act(action: str, api, world, client) -> int:
    cp = world.a.classes["CP"]
    if action == "list_posts":
        response = await client.get(f"/api/classes/{cp}/posts")
    elif action == "read_published":
        response = await client.get(f"/api/posts/{world.published}")
    elif action == "read_submitted":
        response = await client.get(f"/api/posts/{world.submitted}")
    elif action == "create":
        response = await post(client, cp, "Nouvel article")
    elif action == "edit_published":
        response = await client.patch(f"/api/posts/{await _published(api, world)}", json={"title": "Corrigé"})
    elif action == "edit_submitted":
        response = await client.patch(f"/api/posts/{await _submitted(api, world)}", json={"body": "Corrigé."})
    elif action == "delete_published":
        response = await client.delete(f"/api/posts/{await _published(api, world)}")
    elif action == "publish":
        response = await client.post(f"/api/posts/{await _submitted(api, world)}/publish")
    elif action == "reject":
        response = await client.post(
            f"/api/posts/{await _submitted(api, world)}/reject", json={"comment": "Ajoute un titre."}
        )
    elif action == "comment":
        response = await client.post(f"/api/posts/{world.published}/comments", json={"body": "Merci !"})
    elif action == "comment_submitted":
        response = await client.post(f"/api/posts/{world.submitted}/comments", json={"body": "Merci !"})
    elif action == "remove_comment":
        comment = await _comment(api, world, world.published)
        response = await client.delete(f"/api/posts/{world.published}/comments/{comment}")
    elif action.startswith(("photo_", "thumb_")):
        photo = {"published": world.photo, "withheld": world.withheld_photo, "submitted": world.pupil_photo}[
            action.split("_")[1]
        ]
        response = await client.get(photo["url" if action.startswith("photo") else "thumb_url"])
    else:
        raise AssertionError(action)
    return response


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
async def test_matrix(api, world, action, role):
    person = people(world)[role]
    client = api(person.token if person else None)
    response = await act(action, api, world, client)
    expected = MATRIX[action][role]
    assert response.status_code == expected, (action, role, response.text[:300])
    if expected == 404 and not action.startswith(("photo", "thumb")):
        assert response.json() == {"error": {"code": "not_found", "message": "Introuvable."}}


async def test_a_hidden_post_and_an_unknown_one_answer_alike(api, world):
    """Marc cannot tell Hugo's class's post from one that never existed."""
    marc = api(world.a.parents["ce1"].token)
    hidden = await marc.get(f"/api/posts/{world.published}")
    unknown = await marc.get("/api/posts/00000000-0000-4000-8000-000000000000")
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())
    hidden = await marc.get(world.photo["url"])
    unknown = await marc.get(world.photo["url"].replace(world.photo["url"].split("/")[2], "A" * 43))
    assert hidden.status_code == unknown.status_code == 404


async def test_a_withheld_photo_is_seen_by_the_childs_own_guardian_and_not_by_other_families(api, world):
    """Léa's photo lacks consent: Claire, her mother, still sees it on the class blog (her own
    child); Sophie, another family of the class, does not, neither in the post nor at its URL."""
    a = world.a
    claire, sophie = api(a.parents["both"].token), api(a.parents["cp"].token)
    photo = world.withheld_photo
    view = (await claire.get(f"/api/posts/{world.withheld_post}")).json()
    assert [m["id"] for m in view["media"]] == [photo["id"]]
    assert (await claire.get(photo["url"])).status_code == 200
    assert (await claire.get(photo["thumb_url"])).status_code == 200
    assert (await sophie.get(f"/api/posts/{world.withheld_post}")).json()["media"] == []
    assert (await sophie.get(photo["url"])).status_code == 404
    staff = (await api(a.teachers["CP"].token).get(f"/api/posts/{world.withheld_post}")).json()
    assert staff["media"][0]["withheld"] is True  # hidden from the other families
