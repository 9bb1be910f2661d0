"""The cahier de réalisations end to end: who sees which pages, class pages in
every cahier of the class, family pages from home, the pupil's own cahier,
photos and image consent, paging, retried creates, the printable export, the
live event and the grouped notice.

School A: CP (Léa: Claire and Paul; Hugo: Sophie), CE1 (Inès: Claire; Noah:
Marc). School B: CM1 (Jade: Luc).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid

import httpx
import pytest

from liaison.core.french import de
from tests.blog_world import activate_paul, consent, make_pupil, tag, upload
from tests.conftest import Clients
from tests.live import Live
from tests.world import World, build_world

# -- helpers (also used by test_realisations_authz.py) ------------------------------------


async def add_page(
    client: httpx.AsyncClient, child_id: str, title: str = "Une page", **extra: object
) -> httpx.Response:
    return await client.post(f"/api/children/{child_id}/realisations", json={"title": title, **extra})


async def add_class_page(
    client: httpx.AsyncClient, class_id: str, title: str = "La classe", **extra: object
) -> httpx.Response:
    return await client.post(f"/api/classes/{class_id}/realisations", json={"title": title, **extra})


async def titles(client: httpx.AsyncClient, child_id: str) -> list[str]:
    response = await client.get(f"/api/children/{child_id}/realisations?limit=200")
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()["pages"]]


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    world = await build_world(api)
    world.paul = await activate_paul(api, world.a)
    world.pupil_lea = await make_pupil(api, world.a, "Léa")
    return world


def clients(api, world) -> dict:
    a = world.a
    return {
        "teacher_cp": api(a.teachers["CP"].token),
        "teacher_ce1": api(a.teachers["CE1"].token),
        "director": api(a.director.token),
        "claire": api(a.parents["both"].token),
        "paul": api(world.paul.token),
        "sophie": api(a.parents["cp"].token),
        "marc": api(a.parents["ce1"].token),
        "pupil_lea": api(world.pupil_lea.token),
        "luc": api(world.b.parents["cm1"].token),
    }


# -- who sees a child's page ---------------------------------------------------------


async def test_a_teachers_page_is_seen_by_the_childs_guardians_and_teachers_only(api, world):
    a, c = world.a, clients(api, world)
    lea = a.children["Léa"]
    created = await add_page(c["teacher_cp"], lea, "Mon premier dessin", body="Léa a dessiné\nun chat.")
    assert created.status_code == 201, created.text
    page = created.json()
    assert page["kind"] == "child" and page["child_id"] == lea and page["class_id"] == a.classes["CP"]
    assert page["author"]["id"] == a.teachers["CP"].user_id and page["body"] == "Léa a dessiné\nun chat."
    assert page["media"] == [] and page["created_at"].endswith("Z")
    for who in ("claire", "paul", "teacher_cp", "director", "pupil_lea"):
        assert "Mon premier dessin" in await titles(c[who], lea), who
        one = await c[who].get(f"/api/realisations/{page['id']}")
        assert one.status_code == 200 and one.json()["title"] == "Mon premier dessin", who
    for who in ("sophie", "marc", "teacher_ce1", "luc"):
        listed = await c[who].get(f"/api/children/{lea}/realisations")
        assert listed.status_code == 404 and listed.json()["error"]["code"] == "not_found", who
        assert (await c[who].get(f"/api/realisations/{page['id']}")).status_code == 404, who
    # The platform admin does not browse children's cahiers either.
    assert (await api(world.admin).get(f"/api/children/{lea}/realisations")).status_code == 404
    assert (await api().get(f"/api/children/{lea}/realisations")).status_code == 401


async def test_a_class_page_is_in_every_cahier_of_the_class_only(api, world):
    a, c = world.a, clients(api, world)
    created = await add_class_page(
        c["teacher_cp"], a.classes["CP"], "La sortie au musée", body="Quelle journée !"
    )
    assert created.status_code == 201, created.text
    page = created.json()
    assert page["kind"] == "class" and page["child_id"] is None and page["class_id"] == a.classes["CP"]
    assert "La sortie au musée" in await titles(c["claire"], a.children["Léa"])
    assert "La sortie au musée" in await titles(c["sophie"], a.children["Hugo"])
    assert "La sortie au musée" in await titles(c["teacher_cp"], a.children["Hugo"])
    assert "La sortie au musée" not in await titles(c["marc"], a.children["Noah"])
    assert "La sortie au musée" not in await titles(c["claire"], a.children["Inès"])
    assert (await c["marc"].get(f"/api/realisations/{page['id']}")).status_code == 404
    # The director writes one too; the CE1 teacher may not (403: a class of the school).
    assert (await add_class_page(c["director"], a.classes["CP"])).status_code == 201
    refused = await add_class_page(c["teacher_ce1"], a.classes["CP"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


async def test_a_guardian_adds_a_family_page_from_home(api, world):
    a, c = world.a, clients(api, world)
    ines = a.children["Inès"]
    photo = await upload(c["claire"], (30, 120, 200))
    created = await add_page(c["claire"], ines, "Le week-end à la mer", body="On a vu des phoques.",
                             media_ids=[photo["id"]])  # fmt: skip
    assert created.status_code == 201, created.text
    page = created.json()
    assert page["kind"] == "family" and page["child_id"] == ines and page["class_id"] == a.classes["CE1"]
    assert [m["id"] for m in page["media"]] == [photo["id"]] and "children" not in page["media"][0]
    # Inès's teacher sees it, with its photo (and who is on it: nobody tagged).
    listed = (await c["teacher_ce1"].get(f"/api/children/{ines}/realisations")).json()["pages"]
    family = next(p for p in listed if p["id"] == page["id"])
    assert family["media"][0]["children"] == [] and family["media"][0]["withheld"] is False
    for who in ("teacher_ce1", "director", "claire"):
        assert (await c[who].get(photo["url"])).status_code == 200, who
        assert (await c[who].get(photo["thumb_url"])).status_code == 200, who
    # Nobody else: not Marc (Noah's father, CE1), not the CP teacher, not Paul (not Inès's).
    for who in ("marc", "teacher_cp", "paul", "sophie", "pupil_lea", "luc"):
        assert (await c[who].get(f"/api/children/{ines}/realisations")).status_code == 404, who
        assert (await c[who].get(photo["url"])).status_code == 404, who
    assert (await api().get(photo["url"])).status_code == 404
    # A guardian attaches only their own photos.
    sophies = await upload(c["sophie"])
    refused = await add_page(c["claire"], ines, "Pas à moi", media_ids=[sophies["id"]])
    assert refused.status_code == 422 and refused.json()["error"]["fields"] == {
        "media_ids": "Photo inconnue."
    }
    # A guardian writes only in their own children's cahiers.
    assert (await add_page(c["claire"], a.children["Noah"], "Chez Noah")).status_code == 404
    # Another guardian of the child reads it but may not delete it; the teacher may (moderation).
    lea_page = (await add_page(c["claire"], a.children["Léa"], "Le gâteau")).json()
    assert lea_page["kind"] == "family"
    assert (await c["paul"].delete(f"/api/realisations/{lea_page['id']}")).status_code == 403
    assert (await c["teacher_cp"].delete(f"/api/realisations/{lea_page['id']}")).status_code == 204
    assert (await c["claire"].get(f"/api/realisations/{lea_page['id']}")).status_code == 404
    assert (await c["teacher_cp"].delete(f"/api/realisations/{lea_page['id']}")).status_code == 404


async def test_the_pupil_writes_in_her_own_cahier_only(api, world):
    a, c = world.a, clients(api, world)
    lea, hugo = a.children["Léa"], a.children["Hugo"]
    photo = await upload(c["pupil_lea"], (10, 200, 10))
    created = await add_page(c["pupil_lea"], lea, "Ma fusée", media_ids=[photo["id"]])
    assert created.status_code == 201, created.text
    page = created.json()
    assert page["kind"] == "child" and page["author"]["id"] == world.pupil_lea.user_id
    assert "Ma fusée" in await titles(c["claire"], lea)
    assert (await c["claire"].get(photo["url"])).status_code == 200
    assert (await c["sophie"].get(photo["url"])).status_code == 404
    assert (await c["pupil_lea"].get(f"/api/children/{hugo}/realisations")).status_code == 404
    assert (await add_page(c["pupil_lea"], hugo, "Chez Hugo")).status_code == 404
    assert (await add_class_page(c["pupil_lea"], a.classes["CP"])).status_code == 403
    teachers = (await add_page(c["teacher_cp"], lea, "Par la maîtresse")).json()
    assert (await c["pupil_lea"].delete(f"/api/realisations/{teachers['id']}")).status_code == 403
    assert (await c["pupil_lea"].delete(f"/api/realisations/{page['id']}")).status_code == 204
    assert "Ma fusée" not in await titles(c["claire"], lea)
    # The photo stays its uploader's; nobody else sees it once no page holds it.
    assert (await c["pupil_lea"].get(photo["url"])).status_code == 200
    assert (await c["claire"].get(photo["url"])).status_code == 404


# -- photos and image consent ---------------------------------------------------------


async def test_consent_is_needed_for_every_other_child_shown(api, db):
    world = await build_world(api)
    a = world.a
    teacher, director = api(a.teachers["CP"].token), api(a.director.token)
    claire, sophie, marc = (
        api(a.parents["both"].token),
        api(a.parents["cp"].token),
        api(a.parents["ce1"].token),
    )
    lea, hugo = a.children["Léa"], a.children["Hugo"]
    school = uuid.UUID(a.id)

    async def pages() -> int:
        return await db.fetchval("SELECT count(*) FROM realisation_pages WHERE school_id = $1", school)

    # Léa alone on a photo of her own page: no consent needed (neither of hers has said yes).
    only_lea = await upload(teacher, (250, 0, 0))
    await tag(teacher, only_lea["id"], lea)
    created = await add_page(teacher, lea, "Léa au toboggan", media_ids=[only_lea["id"]])
    assert created.status_code == 201, created.text
    assert [m["id"] for m in created.json()["media"]] == [only_lea["id"]]
    listed = (await claire.get(f"/api/children/{lea}/realisations")).json()["pages"]
    assert [m["id"] for m in listed[0]["media"]] == [only_lea["id"]]
    assert (await claire.get(only_lea["url"])).status_code == 200
    assert (await sophie.get(only_lea["url"])).status_code == 404

    # Hugo on a photo: a class page (seen by every family of the class), or Léa's page.
    with_hugo = await upload(teacher, (0, 250, 0))
    await tag(teacher, with_hugo["id"], lea, hugo)
    before = await pages()
    response = await add_page(teacher, lea, "Léa et Hugo", media_ids=[with_hugo["id"]])
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    (named,) = error["children"]  # not Léa: her own cahier
    assert (
        error["code"] == "consent_missing"
        and named["id"] == hugo
        and named["display_name"].startswith("Hugo ")
    )
    assert (
        error["message"]
        == f"Photo {de(named['display_name'])} : il manque l'accord de ses responsables pour publier."
    )
    # A class page is seen by every family of the class: Léa's consent is needed too.
    # (The director attaches only a photo she sees: her own here.)
    hers = await upload(director, (0, 200, 0))
    await tag(director, hers["id"], lea, hugo)
    for author, photo in ((teacher, with_hugo), (director, hers)):
        both = await add_class_page(author, a.classes["CP"], "Le spectacle", media_ids=[photo["id"]])
        assert both.status_code == 409
        assert {child["id"] for child in both.json()["error"]["children"]} == {lea, hugo}
        assert both.json()["error"]["message"].startswith("Photos de Léa ")
    assert await pages() == before  # nothing written

    # Sophie agrees for Hugo: Léa's page may show him.
    await consent(sophie, hugo, True)
    shared = await add_page(teacher, lea, "Léa et Hugo", media_ids=[with_hugo["id"]])
    assert shared.status_code == 201, shared.text
    assert (await claire.get(with_hugo["url"])).status_code == 200
    # Hugo's mother does not see Léa's cahier, hence not that photo (no page of hers holds it).
    assert (await sophie.get(with_hugo["url"])).status_code == 404
    # Now on Léa's own page, that photo stays in her cahier (a family photo: 422);
    # the same scene on a class page still needs Léa's two guardians (Paul has not answered).
    refused = await add_class_page(teacher, a.classes["CP"], "Le spectacle", media_ids=[with_hugo["id"]])
    assert refused.status_code == 422 and "media_ids" in refused.json()["error"]["fields"]
    again = await upload(teacher, (0, 250, 250))
    await tag(teacher, again["id"], lea, hugo)
    assert (
        await add_class_page(teacher, a.classes["CP"], "Le spectacle", media_ids=[again["id"]])
    ).status_code == 409
    hugo_alone = await upload(teacher, (0, 0, 250))
    await tag(teacher, hugo_alone["id"], hugo)
    spectacle = await add_class_page(teacher, a.classes["CP"], "Le spectacle", media_ids=[hugo_alone["id"]])
    assert spectacle.status_code == 201, spectacle.text
    assert (await claire.get(hugo_alone["url"])).status_code == 200
    assert (await sophie.get(hugo_alone["url"])).status_code == 200
    assert (await marc.get(hugo_alone["url"])).status_code == 404

    # Sophie withdraws her consent: the photo of Hugo leaves the other families' view at
    # once; his own family and the staff still see it (the staff see it withheld).
    await consent(sophie, hugo, False)
    page_id = spectacle.json()["id"]
    seen_by_claire = (await claire.get(f"/api/realisations/{page_id}")).json()
    assert seen_by_claire["media"] == []
    assert (await claire.get(hugo_alone["url"])).status_code == 404
    assert (await claire.get(with_hugo["url"])).status_code == 404  # Léa's page, Hugo on it
    seen_by_sophie = (await sophie.get(f"/api/realisations/{page_id}")).json()
    assert [m["id"] for m in seen_by_sophie["media"]] == [hugo_alone["id"]]
    assert (await sophie.get(hugo_alone["url"])).status_code == 200
    seen_by_teacher = (await teacher.get(f"/api/realisations/{page_id}")).json()
    (photo,) = seen_by_teacher["media"]
    assert photo["withheld"] is True and [child["id"] for child in photo["children"]] == [hugo]
    assert (await teacher.get(hugo_alone["url"])).status_code == 200
    # Léa's own page showing only Léa is untouched by anyone's consent.
    assert (await claire.get(only_lea["url"])).status_code == 200


# -- paging, retries, validation -----------------------------------------------------------


async def test_paging_newest_first(api, world):
    a, c = world.a, clients(api, world)
    hugo = a.children["Hugo"]
    made = []
    for n in range(5):
        response = await add_page(c["teacher_cp"], hugo, f"Page {n}")
        assert response.status_code == 201
        made.append(response.json()["id"])
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&next={cursor}" if cursor else "")
        response = await c["sophie"].get(f"/api/children/{hugo}/realisations{query}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["pages"]) <= 2
        seen.extend(p["id"] for p in body["pages"])
        cursor = body["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert [p for p in seen if p in made] == made[::-1]  # newest first
    stamps = [
        p["created_at"]
        for p in (await c["sophie"].get(f"/api/children/{hugo}/realisations?limit=200")).json()["pages"]
    ]
    assert stamps == sorted(stamps, reverse=True)
    for bad in ("?next=pas-un-curseur", "?next=W10", "?limit=0", "?limit=201", "?limit=x"):
        response = await c["sophie"].get(f"/api/children/{hugo}/realisations{bad}")
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request", bad


async def test_a_retried_create_gives_the_first_page(api, world, db):
    a, c = world.a, clients(api, world)
    lea, hugo = a.children["Léa"], a.children["Hugo"]
    client_id = uuid.uuid4().hex
    first = await add_page(c["teacher_cp"], lea, "Une fois", client_id=client_id)
    again = await add_page(c["teacher_cp"], lea, "Une fois", client_id=client_id)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    count = await db.fetchval("SELECT count(*) FROM realisation_pages WHERE client_id = $1", client_id)
    assert count == 1
    # The same client id for another cahier is a mistake of the client, not a retry.
    other = await add_page(c["teacher_cp"], hugo, "Ailleurs", client_id=client_id)
    assert other.status_code == 409 and other.json()["error"]["code"] == "client_id_reused"
    # Another user's client id is theirs.
    assert (await add_page(c["claire"], lea, "Une fois", client_id=client_id)).status_code == 201
    # Sent five times at once (a phone on a bad network): one page, the same for all.
    twins = uuid.uuid4().hex
    answers = await asyncio.gather(
        *(add_page(c["claire"], lea, "Cinq fois", client_id=twins) for _ in range(5))
    )
    assert {r.status_code for r in answers} == {201} and len({r.json()["id"] for r in answers}) == 1
    assert await db.fetchval("SELECT count(*) FROM realisation_pages WHERE client_id = $1", twins) == 1
    # A photo of another school is as unknown as one that does not exist.
    elsewhere = await upload(api(world.b.teachers["CM1"].token))
    refused = await add_page(c["teacher_cp"], lea, "Ailleurs", media_ids=[elsewhere["id"]])
    assert refused.status_code == 422 and refused.json()["error"]["fields"] == {
        "media_ids": "Photo inconnue."
    }
    # A class page retried too.
    class_id = uuid.uuid4().hex
    one = await add_class_page(c["teacher_cp"], a.classes["CP"], "Classe", client_id=class_id)
    two = await add_class_page(c["teacher_cp"], a.classes["CP"], "Classe", client_id=class_id)
    assert one.json()["id"] == two.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "sans titre"}, "title"),
        ({"title": "Nul", "body": "a\x00b"}, "body"),
        ({"title": "Photos", "media_ids": ["pas-un-id"]}, "media_ids"),
        ({"title": "Photos", "media_ids": [str(uuid.uuid4())]}, "media_ids"),
        ({"title": "Trop", "media_ids": [str(uuid.uuid4()) for _ in range(21)]}, "media_ids"),
        ({"title": "Inconnu", "couleur": "rouge"}, "couleur"),
        ({"title": "Id", "client_id": ""}, "client_id"),
    ],
)
async def test_invalid_pages_are_refused(api, world, db, body, field):
    a = world.a
    before = await db.fetchval("SELECT count(*) FROM realisation_pages")
    response = await api(a.teachers["CP"].token).post(
        f"/api/children/{a.children['Léa']}/realisations", json=body
    )
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert await db.fetchval("SELECT count(*) FROM realisation_pages") == before


async def test_malformed_requests(api, world):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    path = f"/api/children/{a.children['Léa']}/realisations"
    assert (
        await teacher.post(path, content=b"{", headers={"Content-Type": "application/json"})
    ).status_code == 400
    assert (await teacher.post(path, content=b"x", headers={"Content-Type": "text/plain"})).status_code == 415
    assert (await teacher.post(path, json=["liste"])).status_code == 400
    assert (await teacher.get(f"/api/children/{uuid.uuid4()}/realisations")).status_code == 404
    assert (await teacher.get("/api/children/pas-un-id/realisations")).status_code == 404
    assert (await teacher.delete(f"/api/realisations/{uuid.uuid4()}")).status_code == 404
    assert (await teacher.put(path, json={})).status_code == 405


# -- the printable export ---------------------------------------------------------------


async def test_the_export_prints_the_years_cahier(api, world):
    a, c = world.a, clients(api, world)
    lea = a.children["Léa"]
    assert (await add_page(c["teacher_cp"], lea, "Les premiers jours")).status_code == 201
    assert (
        await add_class_page(c["teacher_cp"], a.classes["CP"], "Le potager de la classe")
    ).status_code == 201
    photo = await upload(c["teacher_cp"], (120, 120, 0))
    created = await add_page(c["teacher_cp"], lea, "Les graines <germent>", body="Semaine 1\nSemaine 2",
                             media_ids=[photo["id"]])  # fmt: skip
    assert created.status_code == 201
    assert (await add_page(c["teacher_cp"], a.children["Hugo"], "La page de Hugo")).status_code == 201
    response = await c["claire"].get(f"/api/children/{lea}/realisations/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    today = dt.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    assert "Cahier de réalisations" in html and "Léa" in html and f"Année scolaire {year}-{year + 1}" in html
    assert "CP" in html and "@page" in html and "break-before: page" in html
    assert "Les graines &lt;germent&gt;" in html and "<germent>" not in html  # escaped
    assert (
        "Le potager de la classe" in html and "Page de la classe" in html and "Semaine 1\nSemaine 2" in html
    )
    assert "La page de Hugo" not in html
    assert f'src="{photo["url"]}"' in html
    # Oldest first, like a paper cahier.
    assert html.index("Les premiers jours") < html.index("Le potager") < html.index("Les graines")
    # The photos it names answer the same reader.
    for src in re.findall(r'src="(/media/[^"]+)"', html):
        assert (await c["claire"].get(src)).status_code == 200, src
    # Another year: no page; a year to come: refused.
    earlier = await c["claire"].get(f"/api/children/{lea}/realisations/export?year={year - 1}")
    assert earlier.status_code == 200 and "Aucune page" in earlier.text and "Les graines" not in earlier.text
    assert (
        await c["claire"].get(f"/api/children/{lea}/realisations/export?year={year + 1}")
    ).status_code == 400
    for who in ("sophie", "marc", "teacher_ce1", "luc"):
        refused = await c[who].get(f"/api/children/{lea}/realisations/export")
        assert refused.status_code == 404 and "Léa" not in refused.text, who
    assert (await api().get(f"/api/children/{lea}/realisations/export")).status_code == 401


# -- live, and the grouped notice -----------------------------------------------------


async def test_live_and_notice_to_the_guardians(api, world, server, db):
    a, c = world.a, clients(api, world)
    lea, hugo = a.children["Léa"], a.children["Hugo"]
    claire_live = await Live.connect(server.url, a.parents["both"].token)
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)
    try:
        photo = await upload(c["teacher_cp"])
        created = (await add_page(c["teacher_cp"], lea, "En direct", media_ids=[photo["id"]])).json()
        event = await claire_live.next("realisation.created")
        assert event["data"]["page"]["id"] == created["id"] and event["data"]["page"]["title"] == "En direct"
        assert "media" not in event["data"]["page"]  # each reader fetches the photos they may see
        # Sophie's next event is Hugo's page: she never got Léa's.
        hugo_page = (await add_page(c["teacher_cp"], hugo, "Pour Hugo")).json()
        got = await sophie_live.next("realisation.created")
        assert got["data"]["page"]["id"] == hugo_page["id"]
        assert all(f["data"].get("page", {}).get("id") != created["id"] for f in sophie_live.received)
        # A class page reaches both; deleting it too.
        class_page = (await add_class_page(c["teacher_cp"], a.classes["CP"], "Pour tous")).json()
        for live in (claire_live, sophie_live):
            assert (await live.next("realisation.created"))["data"]["page"]["id"] == class_page["id"]
        assert (await c["teacher_cp"].delete(f"/api/realisations/{class_page['id']}")).status_code == 204
        for live in (claire_live, sophie_live):
            assert (await live.next("realisation.deleted"))["data"]["id"] == class_page["id"]
    finally:
        await claire_live.close()
        await sophie_live.close()
    # The author is never notified of their own pages.
    teacher_notices = await db.fetchval(
        "SELECT count(*) FROM activity_notices WHERE user_id = $1", uuid.UUID(a.teachers["CP"].user_id)
    )
    assert teacher_notices == 0


async def test_a_page_notifies_each_childs_guardians_but_not_its_author(api, db):
    world = await build_world(api)
    a = world.a
    claire, sophie = a.parents["both"], a.parents["cp"]
    lea, hugo = a.children["Léa"], a.children["Hugo"]
    assert (
        await add_class_page(api(a.teachers["CP"].token), a.classes["CP"], "Pour tous")
    ).status_code == 201
    assert (await add_page(api(a.teachers["CP"].token), lea, "Pour Léa")).status_code == 201
    assert (await add_page(api(claire.token), lea, "De la maison")).status_code == 201
    rows = await db.fetch(
        "SELECT user_id, key, name, url, count FROM activity_notices WHERE school_id = $1 AND kind = 'cahier'",
        uuid.UUID(a.id),
    )
    notices = {(str(r["user_id"]), str(r["key"])): r for r in rows}
    paul = next(u for (u, k) in notices if k == lea and u != claire.user_id)
    # Léa: three pages for Paul (one notice), two for Claire (not her own); Hugo: Sophie, one.
    assert notices[(paul, lea)]["count"] == 3
    assert notices[(claire.user_id, lea)]["count"] == 2
    assert notices[(sophie.user_id, hugo)]["count"] == 1
    assert notices[(sophie.user_id, hugo)]["name"] == "Hugo"
    assert notices[(sophie.user_id, hugo)]["url"] == f"/#/cahier/{hugo}"
    assert set(notices) == {(paul, lea), (claire.user_id, lea), (sophie.user_id, hugo)}
    # Opening the cahier: the notice waiting is not needed any more.
    assert (await api(claire.token).get(f"/api/children/{lea}/realisations")).status_code == 200
    left = await db.fetchval(
        "SELECT count(*) FROM activity_notices WHERE user_id = $1 AND key = $2 AND state = 'pending'",
        uuid.UUID(claire.user_id),
        uuid.UUID(lea),
    )
    assert left == 0
