"""The class blog: a teacher's post published at once and seen live by the
class's families only; a pupil's post submitted, sent back with a comment,
corrected, resubmitted and published; family comments the teacher removes."""

from __future__ import annotations

import uuid

import pytest

from tests.blog_world import consent, make_pupil, post, tag, upload
from tests.live import Live
from tests.world import build_world


@pytest.fixture(scope="module")
async def world(api):
    world = await build_world(api)
    world.pupil = await make_pupil(api, world.a, "Hugo")
    return world


async def test_a_teachers_post_is_published_at_once_to_the_class_and_only_to_it(api, server, db, world):
    a = world.a
    cp, ce1 = a.classes["CP"], a.classes["CE1"]
    teacher = api(a.teachers["CP"].token)
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)
    marc_live = await Live.connect(server.url, a.parents["ce1"].token)
    pupil_live = await Live.connect(server.url, world.pupil.token)

    await consent(api(a.parents["cp"].token), a.children["Hugo"])
    photo = await upload(teacher)
    await tag(teacher, photo["id"], a.children["Hugo"])
    client_id = uuid.uuid4().hex
    response = await post(teacher, cp, "Les tulipes", [photo["id"]], client_id=client_id)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "published" and created["published_at"].endswith("Z")
    assert created["class_id"] == cp and created["author"]["id"] == a.teachers["CP"].user_id
    assert created["title"] == "Les tulipes" and created["comment_count"] == 0
    assert created["review_comment"] is None
    (media,) = created["media"]
    assert media["id"] == photo["id"] and media["url"] == photo["url"] and media["withheld"] is False
    assert [c["id"] for c in media["children"]] == [a.children["Hugo"]]  # the staff see the tags

    event = await sophie_live.next("post.published")
    assert event["data"]["id"] == created["id"] and event["data"]["title"] == "Les tulipes"
    assert [m["id"] for m in event["data"]["media"]] == [photo["id"]]
    assert "children" not in event["data"]["media"][0]
    assert (await pupil_live.next("post.published"))["data"]["id"] == created["id"]

    # The same create again (a phone retrying): the first post, nothing new.
    again = await post(teacher, cp, "Les tulipes", [photo["id"]], client_id=client_id)
    assert again.status_code == 201 and again.json()["id"] == created["id"]
    director = api(a.director.token)
    elsewhere = await post(director, ce1, "Au CE1 aussi", client_id=client_id)
    assert elsewhere.status_code == 201  # client ids are each user's own
    reused = await post(director, cp, "Autre classe", client_id=client_id)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "client_id_reused"

    # The CE1 families heard nothing of the CP post, only of their own class's.
    ce1_post = (await post(api(a.teachers["CE1"].token), ce1, "Au CE1")).json()
    await marc_live.until(lambda f: f["type"] == "post.published" and f["data"]["id"] == ce1_post["id"])
    heard = [f["data"]["id"] for f in marc_live.received if f["type"] == "post.published"]
    assert heard == [elsewhere.json()["id"], ce1_post["id"]]
    for live in (sophie_live, marc_live, pupil_live):
        await live.close()

    # A grouped notice waits for each CP family (not for the author), until they open the blog.
    waiting = await db.fetch(
        "SELECT user_id, count, url FROM activity_notices WHERE key = $1 AND kind = 'blog' AND state = 'pending'",
        uuid.UUID(cp),
    )
    assert {str(r["user_id"]) for r in waiting} == {a.parents["cp"].user_id, a.parents["both"].user_id}
    assert {r["url"] for r in waiting} == {f"/#/blog/{cp}"}

    sophie = api(a.parents["cp"].token)
    listed = (await sophie.get(f"/api/classes/{cp}/posts")).json()
    assert [p["id"] for p in listed["posts"]] == [created["id"]] and listed["next"] is None
    assert not await db.fetchval(
        "SELECT count(*) FROM activity_notices WHERE key = $1 AND user_id = $2 AND state = 'pending'",
        uuid.UUID(cp),
        uuid.UUID(a.parents["cp"].user_id),
    )
    assert (await sophie.get(photo["url"])).status_code == 200
    marc = api(a.parents["ce1"].token)
    assert (await marc.get(f"/api/classes/{cp}/posts")).status_code == 404
    assert (await marc.get(f"/api/posts/{created['id']}")).status_code == 404
    assert (await marc.get(photo["url"])).status_code == 404
    # Claire has a child in each class: she reads both blogs.
    claire = api(a.parents["both"].token)
    assert [p["id"] for p in (await claire.get(f"/api/classes/{cp}/posts")).json()["posts"]] == [
        created["id"]
    ]
    assert ce1_post["id"] in [
        p["id"] for p in (await claire.get(f"/api/classes/{ce1}/posts")).json()["posts"]
    ]


async def test_a_pupils_post_goes_back_and_forth_until_published(api, server, world):
    a = world.a
    cp = a.classes["CP"]
    teacher, pupil = api(a.teachers["CP"].token), api(world.pupil.token)
    sophie = api(a.parents["cp"].token)
    teacher_live = await Live.connect(server.url, a.teachers["CP"].token)
    pupil_live = await Live.connect(server.url, world.pupil.token)

    photo = await upload(pupil, "yellow")
    response = await post(pupil, cp, "Mon lapin", [photo["id"]])
    assert response.status_code == 201, response.text
    submitted = response.json()
    assert submitted["status"] == "submitted" and submitted["published_at"] is None
    assert (await teacher_live.next("post.submitted"))["data"]["id"] == submitted["id"]
    # Not for the families yet, nor its photo.
    assert (await sophie.get(f"/api/posts/{submitted['id']}")).status_code == 404
    assert submitted["id"] not in [
        p["id"] for p in (await sophie.get(f"/api/classes/{cp}/posts")).json()["posts"]
    ]
    assert (await sophie.get(photo["url"])).status_code == 404
    assert (await pupil.post(f"/api/posts/{submitted['id']}/publish")).status_code == 403
    # The teacher sees it among the class's posts, and its photo.
    listed = (await teacher.get(f"/api/classes/{cp}/posts")).json()["posts"]
    assert submitted["id"] in [p["id"] for p in listed]
    assert (await teacher.get(photo["url"])).status_code == 200

    response = await teacher.post(f"/api/posts/{submitted['id']}/reject", json={"comment": "  "})
    assert response.status_code == 422
    response = await teacher.post(
        f"/api/posts/{submitted['id']}/reject", json={"comment": "Raconte ce qu'il mange."}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    event = await pupil_live.next("post.rejected")
    assert event["data"]["review_comment"] == "Raconte ce qu'il mange."
    mine = (await pupil.get(f"/api/posts/{submitted['id']}")).json()
    assert mine["status"] == "rejected" and mine["review_comment"] == "Raconte ce qu'il mange."
    assert submitted["id"] in [p["id"] for p in (await pupil.get(f"/api/classes/{cp}/posts")).json()["posts"]]

    response = await pupil.patch(f"/api/posts/{submitted['id']}", json={"body": "Il mange des carottes."})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "submitted" and response.json()["body"] == "Il mange des carottes."
    assert (await teacher_live.next("post.submitted"))["data"]["body"] == "Il mange des carottes."

    response = await teacher.post(f"/api/posts/{submitted['id']}/publish")
    assert response.status_code == 200, response.text
    published = response.json()
    assert published["status"] == "published" and published["published_at"].endswith("Z")
    assert (await pupil_live.next("post.published"))["data"]["id"] == submitted["id"]
    again = await teacher.post(f"/api/posts/{submitted['id']}/publish")
    assert again.status_code == 200 and again.json()["published_at"] == published["published_at"]

    seen = (await sophie.get(f"/api/posts/{submitted['id']}")).json()
    assert seen["body"] == "Il mange des carottes." and seen["review_comment"] is None
    assert seen["author"]["role"] == "student"
    assert (await sophie.get(photo["url"])).status_code == 200
    # Published: the pupil no longer edits it; a teacher does not send it back.
    response = await pupil.patch(f"/api/posts/{submitted['id']}", json={"title": "Changé"})
    assert response.status_code == 403
    response = await teacher.post(f"/api/posts/{submitted['id']}/reject", json={"comment": "Non."})
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_published"
    response = await teacher.patch(f"/api/posts/{submitted['id']}", json={"title": "Le lapin de Hugo"})
    assert response.status_code == 200 and response.json()["status"] == "published"
    for live in (teacher_live, pupil_live):
        await live.close()


async def test_families_comment_and_the_teacher_removes(api, server, world):
    a = world.a
    cp = a.classes["CP"]
    teacher = api(a.teachers["CP"].token)
    sophie, claire = api(a.parents["cp"].token), api(a.parents["both"].token)
    created = (await post(teacher, cp, "La sortie au parc")).json()
    url = f"/api/posts/{created['id']}/comments"
    claire_live = await Live.connect(server.url, a.parents["both"].token)

    response = await sophie.post(url, json={"body": "Merci pour les photos !", "client_id": "c1"})
    assert response.status_code == 201, response.text
    sophies = response.json()
    assert sophies["post_id"] == created["id"] and sophies["author"]["id"] == a.parents["cp"].user_id
    again = await sophie.post(url, json={"body": "Merci pour les photos !", "client_id": "c1"})
    assert again.status_code == 201 and again.json()["id"] == sophies["id"]
    assert (await claire_live.next("comment.created"))["data"]["id"] == sophies["id"]
    claires = (await claire.post(url, json={"body": "Super sortie."})).json()

    assert (await api(a.parents["ce1"].token).post(url, json={"body": "Et nous ?"})).status_code == 404
    assert (await api(world.pupil.token).post(url, json={"body": "Moi aussi"})).status_code == 403
    assert (await sophie.post(url, json={"body": "   "})).status_code == 422

    view = (await api(world.pupil.token).get(f"/api/posts/{created['id']}")).json()
    assert [c["id"] for c in view["comments"]] == [sophies["id"], claires["id"]]
    assert view["comment_count"] == 2
    assert [c["body"] for c in view["comments"]] == ["Merci pour les photos !", "Super sortie."]

    assert (await sophie.delete(f"{url}/{claires['id']}")).status_code == 403
    assert (await teacher.delete(f"{url}/{claires['id']}")).status_code == 204
    event = await claire_live.next("comment.removed")
    assert event["data"] == {"id": claires["id"], "post_id": created["id"]}
    assert (await teacher.delete(f"{url}/{claires['id']}")).status_code == 404
    assert (await sophie.delete(f"{url}/{sophies['id']}")).status_code == 204  # her own
    view = (await claire.get(f"/api/posts/{created['id']}")).json()
    assert view["comments"] == [] and view["comment_count"] == 0
    await claire_live.close()

    # No comments on a post that is not published.
    submitted = (await post(api(world.pupil.token), cp, "Brouillon")).json()
    response = await teacher.post(f"/api/posts/{submitted['id']}/comments", json={"body": "Bien."})
    assert response.status_code == 403


async def test_paging_deleting_and_bad_requests(api, world):
    a = world.a
    ce1 = a.classes["CE1"]
    teacher = api(a.teachers["CE1"].token)
    ids = [(await post(teacher, ce1, f"Page {i}")).json()["id"] for i in range(3)]
    marc = api(a.parents["ce1"].token)
    seen, cursor = [], None
    while True:
        page = (
            await marc.get(
                f"/api/classes/{ce1}/posts", params={"limit": 2, **({"next": cursor} if cursor else {})}
            )
        ).json()
        seen += [p["id"] for p in page["posts"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen[:3] == ids[::-1]
    assert len(seen) == len(set(seen))
    assert (await marc.get(f"/api/classes/{ce1}/posts", params={"next": "nonsense"})).status_code == 400
    assert (await marc.get(f"/api/classes/{ce1}/posts", params={"limit": 0})).status_code == 400
    assert (await marc.get(f"/api/classes/{uuid.uuid4()}/posts")).status_code == 404

    assert (await post(teacher, ce1, "   ")).status_code == 422
    photos_only = await teacher.post(f"/api/classes/{ce1}/posts", json={"title": "En images", "body": ""})
    assert photos_only.status_code == 201 and photos_only.json()["body"] == ""
    response = await teacher.post(
        f"/api/classes/{ce1}/posts", json={"title": "x", "body": "y", "media_ids": ["abc"]}
    )
    assert response.status_code == 422 and "media_ids" in response.json()["error"]["fields"]
    foreign = await upload(api(world.b.teachers["CM1"].token))
    response = await post(teacher, ce1, "Photo d'ailleurs", [foreign["id"]])
    assert response.status_code == 422 and "media_ids" in response.json()["error"]["fields"]
    response = await teacher.post(f"/api/classes/{ce1}/posts", json={"title": "x", "body": "y", "extra": 1})
    assert response.status_code == 422
    response = await teacher.post(
        f"/api/classes/{ce1}/posts", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400

    # The author (or the class's staff) deletes a post; it is gone for everyone, its photos too.
    photo = await upload(teacher, "purple")
    doomed = (await post(teacher, ce1, "À supprimer", [photo["id"]])).json()
    assert (await marc.get(photo["url"])).status_code == 200
    assert (await marc.delete(f"/api/posts/{doomed['id']}")).status_code == 403
    assert (await api(a.director.token).delete(f"/api/posts/{doomed['id']}")).status_code == 204
    assert (await marc.get(f"/api/posts/{doomed['id']}")).status_code == 404
    assert (await marc.get(photo["url"])).status_code == 404
    assert (await teacher.get(f"/api/posts/{doomed['id']}")).status_code == 404
