"""Attaching a photo to a blog post or a cahier page (issue 13, item 7): only a
photo the user may see, and a family photo (sent by a guardian, or shown on a
child's own cahier page) stays in its family's pages. A refusal is the usual
422 on `media_ids`, and nothing is written. The decision is
`liaison.media.policy.attach_decision` (its table: tests/unit/test_media_policy.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.blog_world import post, upload
from tests.conftest import Clients
from tests.integration.test_realisations import add_class_page, add_page
from tests.world import World, build_world


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    return await build_world(api)


async def stored(db, media_id: str) -> int:
    """How many posts and pages hold this photo."""
    return await db.fetchval(
        """SELECT (SELECT count(*) FROM post_media WHERE media_id = $1)
                + (SELECT count(*) FROM realisation_media WHERE media_id = $1)""",
        uuid.UUID(media_id),
    )


async def written(db, title: str) -> int:
    return await db.fetchval(
        """SELECT (SELECT count(*) FROM posts WHERE title = $1)
                + (SELECT count(*) FROM realisation_pages WHERE title = $1)""",
        title,
    )


def refused(response, family: bool) -> None:
    assert response.status_code == 422, response.text
    message = response.json()["error"]["fields"]["media_ids"]
    assert ("famille" in message) is family, message


async def test_a_family_photo_stays_in_its_familys_pages(api, world, db):
    a = world.a
    sophie, cp, ce1, director = (api(t) for t in (a.parents["cp"].token, a.teachers["CP"].token,
                                                  a.teachers["CE1"].token, a.director.token))  # fmt: skip
    hugo, lea = a.children["Hugo"], a.children["Léa"]
    photo = (await upload(sophie))["id"]
    page = await add_page(sophie, hugo, "Le week-end de Hugo", media_ids=[photo])
    assert page.status_code == 201, page.text
    assert await stored(db, photo) == 1

    title = f"Refusé {uuid.uuid4().hex[:6]}"
    # The CE1 teacher does not see a CP family's photo: as if it did not exist.
    refused(await post(ce1, a.classes["CE1"], title, [photo]), family=False)
    refused(await add_class_page(ce1, a.classes["CE1"], title, media_ids=[photo]), family=False)
    # The director and the CP teacher see it, but it stays in Hugo's cahier.
    refused(await post(director, a.classes["CE1"], title, [photo]), family=True)
    refused(await post(cp, a.classes["CP"], title, [photo]), family=True)
    refused(await add_class_page(cp, a.classes["CP"], title, media_ids=[photo]), family=True)
    refused(await add_page(cp, lea, title, media_ids=[photo]), family=True)
    # Not by editing a post either.
    mine = await post(cp, a.classes["CP"], f"Sortie {uuid.uuid4().hex[:6]}")
    assert mine.status_code == 201, mine.text
    edited = await cp.patch(f"/api/posts/{mine.json()['id']}", json={"media_ids": [photo]})
    refused(edited, family=True)
    assert await written(db, title) == 0 and await stored(db, photo) == 1

    again = await add_page(cp, hugo, "Hugo à l'école", media_ids=[photo])  # in its own cahier: yes
    assert again.status_code == 201, again.text
    assert await stored(db, photo) == 2


async def test_a_photo_on_a_childs_own_page_is_a_family_photo(api, world, db):
    a = world.a
    cp = api(a.teachers["CP"].token)
    photo = (await upload(cp))["id"]
    page = await add_page(cp, a.children["Hugo"], "Hugo peint", media_ids=[photo])
    assert page.status_code == 201, page.text
    title = f"Refusé {uuid.uuid4().hex[:6]}"
    refused(await post(cp, a.classes["CP"], title, [photo]), family=True)
    refused(await add_page(cp, a.children["Léa"], title, media_ids=[photo]), family=True)
    assert await written(db, title) == 0


async def test_only_a_photo_one_sees_is_attached(api, world, db):
    a = world.a
    cp, ce1, marc = api(a.teachers["CP"].token), api(a.teachers["CE1"].token), api(a.parents["ce1"].token)
    unseen = (await upload(marc))["id"]  # sent, not shown anywhere: the uploader's only
    theirs = (await upload(cp))["id"]  # the CP teacher's, not shown anywhere
    title = f"Refusé {uuid.uuid4().hex[:6]}"
    refused(await post(ce1, a.classes["CE1"], title, [theirs]), family=False)
    refused(await add_page(ce1, a.children["Noah"], title, media_ids=[unseen]), family=False)
    assert await written(db, title) == 0
    # Once on the CP class's page, the CP teacher's photo is seen by the director, who may reuse it.
    shown = await add_class_page(cp, a.classes["CP"], "La classe", media_ids=[theirs])
    assert shown.status_code == 201, shown.text
    reused = await post(api(a.director.token), a.classes["CE1"], "Aussi en CE1", [theirs])
    assert reused.status_code == 201, reused.text
    own = await post(cp, a.classes["CP"], "Nos tulipes", [(await upload(cp))["id"]])
    assert own.status_code == 201, own.text
