"""Image consent: every guardian of a child must agree before a photo showing
the child is published on the blog; a withdrawal later hides the photo from
everyone but the class's staff and the child's own family (its guardians, its
own pupil account): `liaison.consent.policy.photo_visible`.

Léa (CP) has two guardians: Claire (activated) and Paul (not activated by
build_world; activated here from a fresh code of his paper letter).
"""

from __future__ import annotations

import uuid

import pytest

from liaison.consent.store import children_without_consent
from tests.blog_world import activate_paul, consent, make_pupil, post, tag, upload
from tests.live import Live
from tests.world import build_world


@pytest.fixture
async def world(api):
    return await build_world(api)


def names(view: dict) -> dict[str, bool | None]:
    return {g["display_name"].split()[0]: g["granted"] for g in view["guardians"]}


async def test_guardians_decide_for_themselves_and_staff_see(api, server, world):
    a, b = world.a, world.b
    lea = a.children["Léa"]
    claire, teacher = api(a.parents["both"].token), api(a.teachers["CP"].token)
    live = await Live.connect(server.url, a.teachers["CP"].token)

    view = (await claire.get(f"/api/children/{lea}/image-consent")).json()
    assert view["child"] == {"id": lea, "display_name": view["child"]["display_name"]}
    assert view["child"]["display_name"].startswith("Léa Martin")
    assert view["consented"] is False and names(view) == {"Claire": None, "Paul": None}

    view = await consent(claire, lea)
    assert names(view) == {"Claire": True, "Paul": None}
    assert view["consented"] is False  # Paul, who holds parental authority too, has not agreed
    claire_row = next(g for g in view["guardians"] if g["display_name"].startswith("Claire"))
    assert claire_row["decided_at"].endswith("Z")
    event = await live.next("consent.updated")
    assert event["data"]["child"]["id"] == lea and names(event["data"]) == {"Claire": True, "Paul": None}
    await live.close()

    # The school's staff see it (to know whom to ask); only a guardian decides.
    for staff in (teacher, api(a.teachers["CE1"].token), api(a.director.token)):
        assert (await staff.get(f"/api/children/{lea}/image-consent")).json() == view
        response = await staff.put(f"/api/children/{lea}/image-consent", json={"granted": True})
        assert response.status_code == 403, response.text
    # Another family, another school, a pupil: the child does not exist for them.
    hugo_pupil = await make_pupil(api, a, "Hugo")
    for stranger in (a.parents["cp"], a.parents["ce1"], b.director, b.parents["cm1"], hugo_pupil):
        for method in ("GET", "PUT"):
            response = await api(stranger.token).request(
                method, f"/api/children/{lea}/image-consent", json={"granted": True}
            )
            assert response.status_code == 404, (stranger, method, response.text)
    assert (await api().get(f"/api/children/{lea}/image-consent")).status_code == 401
    unknown = await claire.get(f"/api/children/{uuid.uuid4()}/image-consent")
    assert unknown.status_code == 404

    response = await claire.put(f"/api/children/{lea}/image-consent", json={"granted": "oui"})
    assert response.status_code == 422 and "granted" in response.json()["error"]["fields"]
    assert names((await claire.get(f"/api/children/{lea}/image-consent")).json())["Claire"] is True

    # Claire changes her mind for Inès: her own decision, the other child untouched.
    assert names(await consent(claire, a.children["Inès"], False)) == {"Claire": False}
    assert names(await consent(claire, lea, True))["Claire"] is True


async def test_class_overview_names_who_is_missing(api, world):
    a, b = world.a, world.b
    claire, sophie = api(a.parents["both"].token), api(a.parents["cp"].token)
    await consent(claire, a.children["Léa"])
    await consent(sophie, a.children["Hugo"], False)
    response = await api(a.teachers["CP"].token).get(f"/api/classes/{a.classes['CP']}/image-consents")
    assert response.status_code == 200, response.text
    rows = {c["display_name"].split()[0]: c for c in response.json()["children"]}
    assert set(rows) == {"Léa", "Hugo"}
    assert rows["Léa"]["consented"] is False and [n.split()[0] for n in rows["Léa"]["missing"]] == ["Paul"]
    assert rows["Léa"]["refused"] == []
    assert [n.split()[0] for n in rows["Hugo"]["missing"]] == ["Sophie"]
    assert [n.split()[0] for n in rows["Hugo"]["refused"]] == ["Sophie"]

    paul = await activate_paul(api, a)
    await consent(api(paul.token), a.children["Léa"])
    rows = {
        c["display_name"].split()[0]: c
        for c in (await api(a.director.token).get(f"/api/classes/{a.classes['CP']}/image-consents")).json()[
            "children"
        ]
    }
    assert rows["Léa"]["consented"] is True and rows["Léa"]["missing"] == []

    url = f"/api/classes/{a.classes['CP']}/image-consents"
    assert (await api(a.teachers["CE1"].token).get(url)).status_code == 200  # staff of the school
    for outsider in (a.parents["cp"], a.parents["both"], b.director, b.teachers["CM1"], b.parents["cm1"]):
        assert (await api(outsider.token).get(url)).status_code == 404
    assert (await api().get(url)).status_code == 401


async def test_consent_blocks_then_allows_publication_and_a_withdrawal_hides_the_photo(
    api, server, db, world
):
    a = world.a
    lea, hugo, cp = a.children["Léa"], a.children["Hugo"], a.classes["CP"]
    teacher, director = api(a.teachers["CP"].token), api(a.director.token)
    claire, sophie = api(a.parents["both"].token), api(a.parents["cp"].token)
    await consent(sophie, hugo)
    photo = await upload(teacher)
    await tag(teacher, photo["id"], lea, hugo)

    # Léa's guardians have not agreed: refused, naming Léa (not Hugo), nothing written.
    response = await post(teacher, cp, "La kermesse", [photo["id"]], client_id="kermesse")
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "consent_missing"
    assert error["message"].startswith("Photo de Léa Martin") and "Hugo" not in error["message"]
    assert "il manque l'accord de ses responsables pour publier" in error["message"]
    assert [c["id"] for c in error["children"]] == [lea]
    assert (await teacher.get(f"/api/classes/{cp}/posts")).json()["posts"] == []
    assert await db.fetchval("SELECT count(*) FROM posts WHERE class_id = $1", uuid.UUID(cp)) == 0

    # Claire agrees: Paul still has not.
    await consent(claire, lea)
    response = await post(teacher, cp, "La kermesse", [photo["id"]], client_id="kermesse")
    assert response.status_code == 409 and response.json()["error"]["children"][0]["id"] == lea
    assert await children_without_consent(db, [uuid.UUID(lea), uuid.UUID(hugo)]) == [
        (uuid.UUID(lea), error["children"][0]["display_name"])
    ]

    # Paul activates his account and agrees: it publishes.
    paul = await activate_paul(api, a)
    await consent(api(paul.token), lea)
    assert await children_without_consent(db, [uuid.UUID(lea), uuid.UUID(hugo)]) == []
    response = await post(teacher, cp, "La kermesse", [photo["id"]], client_id="kermesse")
    assert response.status_code == 201, response.text
    published = response.json()
    assert published["status"] == "published" and [m["id"] for m in published["media"]] == [photo["id"]]
    view = (await sophie.get(f"/api/posts/{published['id']}")).json()
    assert [m["id"] for m in view["media"]] == [photo["id"]]
    assert "children" not in view["media"][0]  # families do not see who is tagged
    for person in (sophie, claire, api(paul.token), teacher, director):
        for url in (photo["url"], photo["thumb_url"]):
            response = await person.get(url)
            assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"

    # Paul withdraws his consent: the post stays, the photo is now hidden from the other families
    # (Sophie: her Hugo is on it too, with consent; Marc, of another class, never saw it)...
    await consent(api(paul.token), lea, False)
    for person in (sophie, api(a.parents["ce1"].token)):
        for url in (photo["url"], photo["thumb_url"]):
            assert (await person.get(url)).status_code == 404
    view = (await sophie.get(f"/api/posts/{published['id']}")).json()
    assert view["title"] == "La kermesse" and view["media"] == []
    listed = (await sophie.get(f"/api/classes/{cp}/posts")).json()["posts"]
    assert listed[0]["id"] == published["id"] and listed[0]["media"] == []
    # ... but not from Léa's own family, nor from Léa herself: showing a child to its own
    # parents is not showing it online.
    lea_pupil = api((await make_pupil(api, a, "Léa")).token)
    for person in (claire, api(paul.token), lea_pupil):
        for url in (photo["url"], photo["thumb_url"]):
            assert (await person.get(url)).status_code == 200
        view = (await person.get(f"/api/posts/{published['id']}")).json()
        assert [m["id"] for m in view["media"]] == [photo["id"]]
        assert "withheld" not in view["media"][0] and "children" not in view["media"][0]
        listed = (await person.get(f"/api/classes/{cp}/posts")).json()["posts"]
        assert [m["id"] for m in listed[0]["media"]] == [photo["id"]]
    # Live, each family gets its own view: a staff edit shows the photo to Claire, not to Sophie.
    claire_live = await Live.connect(server.url, a.parents["both"].token)
    sophie_live = await Live.connect(server.url, a.parents["cp"].token)
    response = await teacher.patch(f"/api/posts/{published['id']}", json={"title": "La kermesse !"})
    assert response.status_code == 200, response.text
    assert [m["id"] for m in (await claire_live.next("post.updated"))["data"]["media"]] == [photo["id"]]
    assert (await sophie_live.next("post.updated"))["data"]["media"] == []
    await claire_live.close()
    await sophie_live.close()
    staff_view = (await teacher.get(f"/api/posts/{published['id']}")).json()
    (media,) = staff_view["media"]
    assert media["withheld"] is True
    assert {c["id"]: c["consented"] for c in media["children"]} == {lea: False, hugo: True}
    for person in (teacher, director):
        assert (await person.get(photo["url"])).status_code == 200
    # Publishing anything new with it is refused again.
    response = await post(teacher, cp, "Encore la kermesse", [photo["id"]])
    assert response.status_code == 409 and response.json()["error"]["children"][0]["id"] == lea

    # He agrees again: everyone of the class sees it again.
    await consent(api(paul.token), lea, True)
    assert (await sophie.get(photo["url"])).status_code == 200
    assert [m["id"] for m in (await sophie.get(f"/api/posts/{published['id']}")).json()["media"]] == [
        photo["id"]
    ]


async def test_a_child_tagged_after_publication_is_hidden_until_consent(api, world):
    a = world.a
    lea, cp = a.children["Léa"], a.classes["CP"]
    teacher, sophie = api(a.teachers["CP"].token), api(a.parents["cp"].token)
    photo = await upload(teacher, "blue")
    response = await post(teacher, cp, "Sans étiquette", [photo["id"]])
    assert response.status_code == 201, response.text
    assert (await sophie.get(photo["url"])).status_code == 200
    await tag(teacher, photo["id"], lea)  # Léa is on it after all
    assert (await sophie.get(photo["url"])).status_code == 404
    assert (await api(a.parents["both"].token).get(photo["url"])).status_code == 200  # Léa's mother
    assert (await api(a.teachers["CP"].token).get(photo["url"])).status_code == 200


async def test_a_pupils_submission_is_published_only_with_consent(api, world):
    a = world.a
    lea, cp = a.children["Léa"], a.classes["CP"]
    teacher = api(a.teachers["CP"].token)
    pupil = api((await make_pupil(api, a, "Hugo")).token)
    photo = await upload(pupil, "green")
    response = await post(pupil, cp, "Ma photo", [photo["id"]])
    assert response.status_code == 201 and response.json()["status"] == "submitted"
    submitted = response.json()["id"]
    # The teacher sees the pupil's photo (through the submission) and tags Léa on it.
    assert (await teacher.get(photo["url"])).status_code == 200
    await tag(teacher, photo["id"], lea)

    response = await teacher.post(f"/api/posts/{submitted}/publish")
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "consent_missing"
    assert response.json()["error"]["children"][0]["id"] == lea
    assert (await teacher.get(f"/api/posts/{submitted}")).json()["status"] == "submitted"

    await consent(api(a.parents["both"].token), lea)
    await consent(api((await activate_paul(api, a)).token), lea)
    response = await teacher.post(f"/api/posts/{submitted}/publish")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert (await api(a.parents["cp"].token).get(photo["url"])).status_code == 200


# -- asking the families who have not answered, on screen and on paper --------------------


async def consent_notices(db, *child_ids: str) -> set[tuple[uuid.UUID, str, str, str]]:
    """The pending consent reminders about these children: (user, child, name, url)."""
    rows = await db.fetch(
        """SELECT user_id, key, name, url FROM activity_notices
           WHERE kind = 'consent' AND state = 'pending' AND key = ANY($1::uuid[])""",
        [uuid.UUID(c) for c in child_ids],
    )
    return {(r["user_id"], str(r["key"]), r["name"], r["url"]) for r in rows}


async def test_the_class_staff_remind_those_who_have_not_answered_once_a_day(api, db, world):
    a, b = world.a, world.b
    lea, hugo, cp = a.children["Léa"], a.children["Hugo"], a.classes["CP"]
    claire, sophie = a.parents["both"], a.parents["cp"]
    teacher, director = api(a.teachers["CP"].token), api(a.director.token)
    url = f"/api/classes/{cp}/image-consents/remind"

    overview = (await teacher.get(f"/api/classes/{cp}/image-consents")).json()
    assert overview["reminded_at"] is None and overview["next_reminder_at"] is None
    lea_row = next(c for c in overview["children"] if c["id"] == lea)
    assert lea_row["first_name"] == "Léa"
    assert [(g["display_name"].split()[0], g["granted"], g["activated"]) for g in lea_row["guardians"]] == [
        ("Claire", None, True),
        ("Paul", None, False),
    ]

    # Who may: the class's teacher and the directors; another teacher of the school 403,
    # the families, a pupil and another school 404 (they do not see the overview).
    assert (await api(a.teachers["CE1"].token).post(url)).status_code == 403
    assert (await api(world.admin).post(url)).status_code == 403
    for outsider in (claire, sophie, b.director, b.teachers["CM1"]):
        assert (await api(outsider.token).post(url)).status_code == 404, outsider
    assert (await api().post(url)).status_code == 401
    assert (await teacher.post(f"/api/classes/{uuid.uuid4()}/image-consents/remind")).status_code == 404
    assert await consent_notices(db, lea, hugo) == set()

    response = await teacher.post(url)
    assert response.status_code == 201, response.text
    answer = response.json()
    # Claire (Léa) and Sophie (Hugo) are told; Paul has no account yet: his form is printed.
    assert answer["guardians"] == 2 and answer["children"] == 2 and answer["without_account"] == 1
    assert answer["reminded_at"].endswith("Z") and answer["next_reminder_at"] > answer["reminded_at"]
    assert await consent_notices(db, lea, hugo) == {
        (uuid.UUID(claire.user_id), lea, "Léa", "/#/consent"),
        (uuid.UUID(sophie.user_id), hugo, "Hugo", "/#/consent"),
    }

    # Once a day: again, by anyone, is 409 and says when the next one may go.
    response = await director.post(url)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "already_reminded"
    assert error["reminded_at"] == answer["reminded_at"]
    assert error["next_reminder_at"] == answer["next_reminder_at"]
    overview = (await director.get(f"/api/classes/{cp}/image-consents")).json()
    assert overview["reminded_at"] == answer["reminded_at"]
    assert overview["next_reminder_at"] == answer["next_reminder_at"]

    # Claire opens her consent screen: her reminder waiting there is read. Sophie refuses
    # for Hugo: answered, not reminded again, and a "no" is not pressed.
    assert (await api(claire.token).get(f"/api/children/{lea}/image-consent")).status_code == 200
    await consent(api(sophie.token), hugo, False)
    assert await consent_notices(db, lea, hugo) == set()

    # A day later: only those still silent, about children nobody refused.
    await db.execute(
        "UPDATE consent_reminders SET reminded_at = now() - interval '25 hours' WHERE class_id = $1",
        uuid.UUID(cp),
    )
    response = await director.post(url)
    assert response.status_code == 201, response.text
    assert response.json()["guardians"] == 1 and response.json()["without_account"] == 1
    assert await consent_notices(db, lea, hugo) == {(uuid.UUID(claire.user_id), lea, "Léa", "/#/consent")}


async def test_printed_forms_and_a_signed_one_recorded_by_the_teacher(api, server, db, world):
    a, b = world.a, world.b
    lea, hugo, cp = a.children["Léa"], a.children["Hugo"], a.classes["CP"]
    teacher = api(a.teachers["CP"].token)
    claire = api(a.parents["both"].token)
    forms = f"/api/classes/{cp}/image-consents/forms"

    # The class's forms: every child still waiting for an answer, each guardian to sign.
    response = await teacher.get(forms)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert page.count('class="form"') == 2 and "Léa Martin" in page and "Hugo Petit" in page
    assert "Paul Martin" in page and "Claire Martin" in page
    assert page.count("J'accepte") == page.count("Je refuse") == 3  # one line per guardian
    # Sophie refuses for Hugo: his form is no longer among the class's, but can be printed alone.
    await consent(api(a.parents["cp"].token), hugo, False)
    page = (await teacher.get(forms)).text
    assert page.count('class="form"') == 1 and "Hugo Petit" not in page
    page = (await teacher.get(forms, params={"child_id": hugo})).text
    assert page.count('class="form"') == 1 and "Hugo Petit" in page and "A déjà répondu dans Liaison" in page
    assert (await teacher.get(forms, params={"child_id": a.children["Noah"]})).status_code == 404
    assert (await teacher.get(forms, params={"child_id": "Léa"})).status_code == 422
    assert (await api(a.teachers["CE1"].token).get(forms)).status_code == 200  # staff of the school
    for outsider in (a.parents["both"], b.director):
        assert (await api(outsider.token).get(forms)).status_code == 404

    # Paul, without an account, signs his form: the teacher records it. Everyone is told live.
    overview = (await teacher.get(f"/api/classes/{cp}/image-consents")).json()
    lea_row = next(c for c in overview["children"] if c["id"] == lea)
    paul_id = next(g["user_id"] for g in lea_row["guardians"] if g["display_name"].startswith("Paul"))
    paper = f"/api/children/{lea}/image-consent/paper"
    live = await Live.connect(server.url, a.parents["both"].token)
    response = await teacher.post(paper, json={"guardian_id": paul_id, "granted": True})
    assert response.status_code == 200, response.text
    paul_row = next(g for g in response.json()["guardians"] if g["user_id"] == paul_id)
    assert paul_row["granted"] is True and paul_row["on_paper"] is True
    event = await live.next("consent.updated")
    assert next(g for g in event["data"]["guardians"] if g["user_id"] == paul_id)["on_paper"] is True
    await live.close()
    recorded = await db.fetchval(
        "SELECT recorded_by FROM image_consents WHERE child_id = $1 AND guardian_id = $2",
        uuid.UUID(lea),
        uuid.UUID(paul_id),
    )
    assert recorded == uuid.UUID(a.teachers["CP"].user_id)
    await consent(claire, lea)
    assert (await claire.get(f"/api/children/{lea}/image-consent")).json()["consented"] is True
    page = (await teacher.get(forms, params={"child_id": lea})).text
    assert "A déjà répondu : accepte" in page  # Paul, on paper

    # Who may: the class's teacher and the directors; a guardian answers for themselves.
    body = {"guardian_id": paul_id, "granted": False}
    assert (await api(a.teachers["CE1"].token).post(paper, json=body)).status_code == 403
    assert (await claire.post(paper, json=body)).status_code == 403
    for outsider in (a.parents["cp"], b.director):
        assert (await api(outsider.token).post(paper, json=body)).status_code == 404
    response = await teacher.post(paper, json={"guardian_id": a.parents["cp"].user_id, "granted": True})
    assert response.status_code == 422 and "guardian_id" in response.json()["error"]["fields"]
    response = await teacher.post(paper, json={"guardian_id": "Paul", "granted": True})
    assert response.status_code == 422 and "guardian_id" in response.json()["error"]["fields"]
    response = await teacher.post(paper, json={"guardian_id": paul_id, "granted": "oui"})
    assert response.status_code == 422 and "granted" in response.json()["error"]["fields"]
    assert (
        await teacher.post(f"/api/children/{uuid.uuid4()}/image-consent/paper", json=body)
    ).status_code == 404
    assert await db.fetchval(
        "SELECT granted FROM image_consents WHERE child_id = $1 AND guardian_id = $2",
        uuid.UUID(lea),
        uuid.UUID(paul_id),
    )  # nothing refused was written

    # Paul answers himself later: his own answer, no longer "on paper".
    paul = await activate_paul(api, a)
    view = await consent(api(paul.token), lea, True)
    assert next(g for g in view["guardians"] if g["user_id"] == paul_id)["on_paper"] is False
