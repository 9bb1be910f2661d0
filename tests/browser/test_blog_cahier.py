"""The class blog, the cahier de réalisations and the right to the image in
the web app: real server, real Chromium, photos made with Pillow and sent
through the page's own file input. Each scenario checks what people see on
their open pages (live, `window.__marker` proves no reload) and what the
server stored. Then every new screen through axe-core at 360×740 and
1280×800, with screenshots in test-artifacts/screens/.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import pytest
from PIL import Image, ImageDraw
from playwright.async_api import Page, expect

from tests.blog_world import activate_paul, make_pupil
from tests.browser.conftest import (
    BOTH_SIZES,
    LIVE_TIMEOUT,
    OpenApp,
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_not_reloaded,
    assert_touch_targets,
    check_a11y,
    mark,
    screenshot,
    wait_view,
    watch_live,
)
from tests.conftest import Clients, RunningServer
from tests.world import School, build_world


def jpeg(color: str = "orange", size: tuple[int, int] = (800, 600)) -> bytes:
    """A photo as a phone would send it: a JPEG with something drawn on it."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def photo_file(name: str = "sortie.jpg", color: str = "orange") -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(color)}


def tag() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
async def school(api: Clients) -> School:
    """A school of this module's own: its consents and posts stay here."""
    return (await build_world(api)).a


async def assert_image_shown(page: Page, selector: str) -> None:
    """The image is loaded from the server (a /media answer the person may see)."""
    image = page.locator(selector).first
    await expect(image).to_be_visible(timeout=LIVE_TIMEOUT)
    handle = await image.element_handle()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=handle, timeout=LIVE_TIMEOUT
    )


async def menu(page: Page) -> list[str]:
    return [text.strip() for text in await page.locator("#nav a").all_inner_texts()]


async def write(page: Page, summary: str, title: str, body: str, files: list[dict] = ()) -> None:
    """Open the "Nouvel article" / "Ajouter une page" box, fill it, add photos, wait for them."""
    box = page.locator("details.write-box")
    if not await box.evaluate("d => d.open"):
        await box.locator("summary").filter(has_text=summary).click()
    await box.get_by_label("Titre").fill(title)
    await box.locator("textarea[name=body]").fill(body)
    if files:
        await box.locator("input[type=file]").set_input_files(list(files))
        await expect(box.locator("li.photo-item[data-state=done]")).to_have_count(
            len(files), timeout=LIVE_TIMEOUT
        )


# ---------------------------------------------------------------- the blog


async def test_a_teacher_publishes_a_photo_and_an_open_family_blog_shows_it_live(
    open_app, server, school, db
):
    class_id = school.classes["CP"]
    title = f"La sortie au parc {tag()}"

    family = await open_app(server, login=school.parents["cp"].login, path="/#/inbox", view="inbox")
    assert await menu(family) == ["Messages", "Absence", "Cahier", "Agenda", "Réglages"]
    await family.get_by_role("link", name="Blog de la classe").click()
    await wait_view(family, "blog")
    await expect(family.locator("h1")).to_have_text("Blog de la classe CP")
    await expect(family.get_by_role("link", name="Cahier d'Hugo")).to_be_visible()
    await expect(family.locator("details.write-box")).to_have_count(0)  # families read, comment
    await watch_live(family)

    teacher = await open_app(server, login=school.teachers["CP"].login, path="/#/inbox", view="inbox")
    assert await menu(teacher) == ["Messages", "Absences", "Classes", "Agenda", "Réglages"]
    await teacher.locator("#nav a", has_text="Classes").click()
    await wait_view(teacher, "staff")
    await teacher.get_by_role("link", name="Blog et cahiers de la classe CP").click()
    await wait_view(teacher, "blog")
    await expect(teacher.get_by_role("link", name="Cahiers des élèves")).to_have_attribute(
        "href", f"#/cahier/class/{class_id}"
    )
    await expect(teacher.get_by_role("link", name="Droit à l'image")).to_have_attribute(
        "href", f"#/consent/class/{class_id}"
    )
    await write(
        teacher, "Nouvel article", title, "Nous avons vu des canards.\nEt des cygnes.", [photo_file()]
    )
    item = teacher.locator("li.photo-item")
    await expect(item.locator(".photo-state")).to_have_text("Envoyée")
    await assert_image_shown(teacher, "li.photo-item img")  # the preview now comes from the server
    await teacher.locator("form.story-form button[type=submit]").click()
    published = teacher.locator("#published-posts li.post", has_text=title)
    await expect(published).to_be_visible()
    await expect(teacher.locator("details.write-box")).not_to_have_attribute("open", "")

    row = await db.fetchrow("SELECT id, status, body FROM posts WHERE title = $1", title)
    assert row["status"] == "published"
    assert row["body"] == "Nous avons vu des canards.\nEt des cygnes."
    attached = await db.fetchval("SELECT count(*) FROM post_media WHERE post_id = $1", row["id"])
    assert attached == 1

    # The family's page, open all along, has it, with its photo, the text kept as text.
    shown = family.locator(f'li.post[data-post-id="{row["id"]}"]')
    await expect(shown).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(shown.locator("h3")).to_have_text(title)
    await expect(shown.locator(".body")).to_have_text("Nous avons vu des canards.\nEt des cygnes.")
    await expect(shown.locator(".byline")).to_contain_text(school.teachers["CP"].display_name)
    await expect(shown.get_by_role("button", name="Écouter")).to_be_visible()
    await expect(shown.get_by_role("link", name=f"Commenter : {title}")).to_be_visible()
    await assert_image_shown(family, f'li.post[data-post-id="{row["id"]}"] .gallery img')
    await assert_not_reloaded(family)

    # A tap on the thumbnail opens the photo large; "Fermer" gives the keyboard back.
    await shown.locator(".gallery button.photo-open").click()
    viewer = family.locator("dialog.viewer")
    await expect(viewer).to_be_visible()
    await assert_image_shown(family, "dialog.viewer img.viewer-photo")
    src = await viewer.locator("img.viewer-photo").get_attribute("src")
    assert src.startswith("/media/") and src.endswith("/web")
    await viewer.get_by_role("button", name="Fermer").click()
    await expect(viewer).to_have_count(0)
    await expect(shown.locator(".gallery button.photo-open")).to_be_focused()
    await screenshot(family, "blog-live")

    for page in (family, teacher):
        assert_no_page_errors(page)


async def test_a_pupil_submits_the_teacher_sends_it_back_then_publishes(open_app, server, school, api, db):
    class_id = school.classes["CP"]
    pupil_person = await make_pupil(api, school, "Hugo")
    title = f"Mon dessin {tag()}"

    teacher = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/blog/{class_id}", view="blog"
    )
    await watch_live(teacher)

    pupil = await open_app(server, login=pupil_person.login, path="/#/inbox", view="inbox")
    assert await menu(pupil) == ["Blog", "Cahier", "Agenda", "Réglages"]
    await pupil.locator("#nav a", has_text="Blog").click()
    await wait_view(pupil, "blog")
    await write(pupil, "Nouvel article", title, "J'ai dessiné un chat.", [photo_file("chat.jpg", "teal")])
    submit = pupil.locator("form.story-form button[type=submit]")
    await expect(submit).to_have_text("Envoyer à l'enseignant")
    await submit.click()
    await expect(pupil.locator(".write-done")).to_contain_text("Ton article a été envoyé à l'enseignant.")
    mine = pupil.locator("section.waiting li.post", has_text=title)
    await expect(mine.locator(".tag.status")).to_have_text("À valider")
    await expect(pupil.locator("#published-posts li.post", has_text=title)).to_have_count(0)
    row = await db.fetchrow("SELECT id, status FROM posts WHERE title = $1", title)
    assert row["status"] == "submitted"
    post_id = str(row["id"])

    # The teacher's blog, open all along: "À valider".
    waiting = teacher.locator(f'section.waiting li.post[data-post-id="{post_id}"]')
    await expect(waiting).to_be_visible(timeout=LIVE_TIMEOUT)
    await assert_not_reloaded(teacher)
    await waiting.get_by_role("link", name=f"Relire et publier : {title}").click()
    await wait_view(teacher, "post")
    await expect(teacher.locator("h1")).to_have_text(title)

    # Sent back with a comment; the pupil's page of the article shows it live.
    await pupil.locator(f'li.post[data-post-id="{post_id}"] h3 a').click()
    await wait_view(pupil, "post")
    await mark(pupil)
    await teacher.get_by_text("Renvoyer avec un commentaire").click()
    await teacher.get_by_label("Commentaire pour l'élève").fill("Ajoute une phrase sur ton chat.")
    await teacher.get_by_role("button", name="Renvoyer à l'élève").click()
    await expect(teacher.locator(".post-head .tag.status")).to_have_text("Renvoyé à l'élève")
    await expect(pupil.locator(".review")).to_contain_text(
        "Ajoute une phrase sur ton chat.", timeout=LIVE_TIMEOUT
    )
    await assert_not_reloaded(pupil)
    assert (await db.fetchval("SELECT status FROM posts WHERE id = $1", row["id"])) == "rejected"

    # The pupil corrects it and sends it again; the teacher publishes it.
    correct = pupil.locator("details.correct")
    await expect(correct).to_have_attribute("open", "")
    await correct.get_by_label("Texte").fill("J'ai dessiné un chat. Il s'appelle Pompon.")
    await correct.get_by_role("button", name="Renvoyer à l'enseignant").click()
    await expect(pupil.locator(".post-head .tag.status")).to_have_text("À valider")
    await expect(teacher.locator(".post-content .body")).to_have_text(
        "J'ai dessiné un chat. Il s'appelle Pompon.", timeout=LIVE_TIMEOUT
    )
    await teacher.get_by_role("button", name="Publier").click()
    await expect(teacher.locator(".post-head .tag.status")).to_have_count(0)
    await expect(teacher.locator("form.comment-form")).to_be_visible()
    stored = await db.fetchrow("SELECT status, body FROM posts WHERE id = $1", row["id"])
    assert stored["status"] == "published" and stored["body"].endswith("Pompon.")
    await expect(pupil.locator(".post-head .tag.status")).to_have_count(0, timeout=LIVE_TIMEOUT)
    await expect(pupil.locator("form.comment-form")).to_be_hidden()  # pupils read the comments
    await assert_not_reloaded(pupil)

    # The pupil's own cahier, from the menu.
    await pupil.locator("#nav a", has_text="Cahier").click()
    await wait_view(pupil, "cahier")
    await expect(pupil.locator("h1")).to_have_text("Mon cahier")
    await expect(
        pupil.get_by_role("link", name="Imprimer le cahier (PDF) (nouvel onglet)")
    ).to_have_attribute("href", f"/api/children/{school.children['Hugo']}/realisations/export")
    await expect(pupil.locator("details.write-box summary")).to_have_text("Ajouter une page")

    for page in (pupil, teacher):
        assert_no_page_errors(page)


async def test_a_family_comment_shows_live_and_the_teacher_removes_it(open_app, server, school, api, db):
    class_id = school.classes["CP"]
    title = f"Le spectacle {tag()}"
    response = await api(school.teachers["CP"].token).post(
        f"/api/classes/{class_id}/posts", json={"title": title, "body": "Merci d'être venus !"}
    )
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    words = f"Bravo à tous les enfants {tag()}"

    teacher = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/posts/{post_id}", view="post"
    )
    await watch_live(teacher)

    family = await open_app(server, login=school.parents["cp"].login, path=f"/#/blog/{class_id}", view="blog")
    await family.get_by_role("link", name=f"Commenter : {title}").click()
    await wait_view(family, "post")
    await watch_live(family)
    await family.get_by_label("Votre commentaire").fill(words)
    await family.locator("form.comment-form button[type=submit]").click()
    own = family.locator("li.comment", has_text=words)
    await expect(own.locator(".author")).to_contain_text("Vous")
    await expect(family.get_by_label("Votre commentaire")).to_have_value("")
    await expect(family.locator("#comments-title")).to_have_text("Commentaires (1)")
    comment_id = await own.get_attribute("data-comment-id")
    assert await db.fetchval("SELECT body FROM post_comments WHERE id = $1", uuid.UUID(comment_id)) == words

    seen = teacher.locator(f'li.comment[data-comment-id="{comment_id}"]')
    await expect(seen).to_contain_text(words, timeout=LIVE_TIMEOUT)
    await expect(seen.locator(".author")).to_contain_text(school.parents["cp"].display_name)
    await assert_not_reloaded(teacher)

    teacher.once("dialog", lambda dialog: dialog.accept())
    await seen.get_by_role(
        "button", name=f"Retirer le commentaire de {school.parents['cp'].display_name}"
    ).click()
    await expect(seen).to_have_count(0)
    await expect(teacher.locator("#comments-title")).to_have_text("Commentaires")
    assert await db.fetchval("SELECT count(*) FROM post_comments WHERE id = $1", uuid.UUID(comment_id)) == 0
    await expect(own).to_have_count(0, timeout=LIVE_TIMEOUT)  # gone for the family too, live
    await assert_not_reloaded(family)

    for page in (family, teacher):
        assert_no_page_errors(page)


# ---------------------------------------------------------------- the right to the image


async def test_consent_blocks_a_photo_of_lea_until_both_parents_agree(open_app, server, school, api, db):
    class_id = school.classes["CP"]
    lea = school.children["Léa"]
    paul_person = await activate_paul(api, school)
    title = f"Atelier peinture {tag()}"

    teacher = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/blog/{class_id}", view="blog"
    )
    await write(
        teacher, "Nouvel article", title, "Les couleurs du printemps.", [photo_file("peinture.jpg", "purple")]
    )

    # "Qui est sur la photo ?": Léa.
    await teacher.locator("li.photo-item").get_by_role("button", name="Qui est sur la photo ?").click()
    dialog = teacher.locator("dialog.tag-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("Hugo")).to_be_visible()  # the class's children
    await check_a11y(teacher, "photo-tagging")
    await screenshot(teacher, "photo-tagging")
    await dialog.get_by_label("Léa").check()
    await dialog.get_by_role("button", name="Enregistrer").click()
    await expect(dialog).to_have_count(0)
    await expect(teacher.locator("li.photo-item .photo-children")).to_contain_text("Sur la photo : Léa")
    media_id = await teacher.locator("li.photo-item").get_attribute("data-media-id")
    tagged = await db.fetch("SELECT child_id FROM media_children WHERE media_id = $1", uuid.UUID(media_id))
    assert [str(r["child_id"]) for r in tagged] == [lea]

    # Publishing is refused, naming Léa; nothing written, the form stays filled.
    await teacher.locator("form.story-form button[type=submit]").click()
    error = teacher.locator("form.story-form .error")
    await expect(error).to_contain_text("il manque l'accord")
    await expect(error.locator(f'.consent-missing li[data-child-id="{lea}"]')).to_contain_text("Léa")
    await expect(teacher.locator("li.photo-item")).to_have_class("photo-item needs-consent")
    await expect(teacher.get_by_label("Titre")).to_have_value(title)
    await expect(teacher.locator("textarea[name=body]")).to_have_value("Les couleurs du printemps.")
    assert await db.fetchval("SELECT count(*) FROM posts WHERE title = $1", title) == 0
    await screenshot(teacher, "blog-consent-missing")

    # The class's list: Léa lacks both parents' agreement.
    staff_list = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/consent/class/{class_id}", view="consent"
    )
    missing = staff_list.locator(f'.consent-children.without li[data-child-id="{lea}"]')
    await expect(missing).to_contain_text("Il manque l'accord de")
    await expect(missing).to_contain_text("Claire")
    await expect(missing).to_contain_text("Paul")
    await watch_live(staff_list)

    # Claire says yes from her settings: Paul's answer is still missing.
    claire = await open_app(
        server, login=school.parents["both"].login, path="/#/preferences", view="preferences"
    )
    await claire.get_by_role("link", name="Voir et donner mon accord").click()
    await wait_view(claire, "consent")
    await expect(claire.locator("h1")).to_have_text("Droit à l'image")
    await expect(claire.locator(".explain")).to_contain_text("chacun de ses parents a dit oui")
    section = claire.locator(f'section.consent-child[data-child-id="{lea}"]')
    await expect(section.locator(".consent-state")).to_contain_text("Pas encore l'accord de tous ses parents")
    await watch_live(claire)
    await section.get_by_role("button", name="J'accepte pour Léa").click()
    await expect(section.get_by_role("button", name="J'accepte pour Léa")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(section.locator(".my-choice")).to_contain_text("Vous avez accepté")
    await expect(section.locator(".decision", has_text="Paul")).to_contain_text("n'a pas encore répondu")
    await expect(section.locator(".consent-state")).not_to_contain_text("Accord complet")
    await expect(missing).not_to_contain_text("Claire", timeout=LIVE_TIMEOUT)
    await expect(missing).to_contain_text("Paul")

    # Paul says yes too: Léa has every agreement, live on Claire's and the teacher's pages.
    paul = await open_app(server, login=paul_person.login, path="/#/consent", view="consent")
    await (
        paul.locator(f'section.consent-child[data-child-id="{lea}"]')
        .get_by_role("button", name="J'accepte pour Léa")
        .click()
    )
    await expect(
        paul.locator(f'section.consent-child[data-child-id="{lea}"] .consent-state')
    ).to_contain_text("Accord complet")
    await expect(section.locator(".consent-state")).to_contain_text("Accord complet", timeout=LIVE_TIMEOUT)
    await expect(section.locator(".decision", has_text="Paul")).to_contain_text("a accepté")
    await assert_not_reloaded(claire)
    await expect(staff_list.locator(f'.consent-children.with li[data-child-id="{lea}"]')).to_be_visible(
        timeout=LIVE_TIMEOUT
    )
    await assert_not_reloaded(staff_list)
    rows = await db.fetch("SELECT granted FROM image_consents WHERE child_id = $1", uuid.UUID(lea))
    assert [r["granted"] for r in rows] == [True, True]

    # The teacher's form, still filled: published now.
    await teacher.locator("form.story-form button[type=submit]").click()
    await expect(teacher.locator("#published-posts li.post", has_text=title)).to_be_visible()
    assert await db.fetchval("SELECT status FROM posts WHERE title = $1", title) == "published"

    for page in (teacher, staff_list, claire, paul):
        assert_no_page_errors(page)


# ---------------------------------------------------------------- the cahier


async def test_a_parent_adds_a_family_page_with_a_photo_and_prints_the_cahier(open_app, server, school, db):
    hugo = school.children["Hugo"]
    title = f"Dimanche au zoo {tag()}"

    teacher = await open_app(
        server,
        login=school.teachers["CP"].login,
        path=f"/#/cahier/class/{school.classes['CP']}",
        view="cahier",
    )
    await expect(teacher.locator("h1")).to_have_text("Cahiers de la classe CP")
    await teacher.locator(f'.pupil-links li[data-child-id="{hugo}"] a').click()
    await wait_view(teacher, "cahier")
    await expect(teacher.locator("h1")).to_contain_text("Cahier d'Hugo")
    await watch_live(teacher)

    family = await open_app(server, login=school.parents["cp"].login, path="/#/inbox", view="inbox")
    await family.locator("#nav a", has_text="Cahier").click()
    await wait_view(family, "cahier")
    await expect(family.locator("h1")).to_have_text("Cahier d'Hugo")
    await write(
        family, "Ajouter une page", title, "Nous avons vu les girafes.", [photo_file("zoo.jpg", "green")]
    )
    await family.locator("form.story-form button[type=submit]").click()
    page_row = family.locator("li.page", has_text=title)
    await expect(page_row.locator(".tag.kind")).to_have_text("Page de la famille")
    await assert_image_shown(family, f'li.page:has-text("{title}") .gallery.large img')
    src = await page_row.locator(".gallery img").get_attribute("src")
    assert src.endswith("/web")  # the cahier shows the photos large

    stored = await db.fetchrow("SELECT id, kind, child_id FROM realisation_pages WHERE title = $1", title)
    assert stored["kind"] == "family" and str(stored["child_id"]) == hugo

    # The teacher's open cahier of Hugo: the page, with its photo.
    seen = teacher.locator(f'li.page[data-page-id="{stored["id"]}"]')
    await expect(seen).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(seen.locator(".tag.kind")).to_have_text("Page de la famille")
    await assert_image_shown(teacher, f'li.page[data-page-id="{stored["id"]}"] .gallery img')
    await assert_not_reloaded(teacher)

    # "Imprimer le cahier (PDF)": the printable year, in a new tab.
    link = family.get_by_role("link", name="Imprimer le cahier (PDF) (nouvel onglet)")
    await expect(link).to_have_attribute("href", f"/api/children/{hugo}/realisations/export")
    async with family.context.expect_page() as opened:
        await link.click()
    printable = await opened.value
    await printable.wait_for_load_state()
    await expect(printable.locator("body")).to_contain_text(title)
    await expect(printable.locator("body")).to_contain_text("Hugo")
    await screenshot(printable, "cahier-export")

    for page in (family, teacher):
        assert_no_page_errors(page)


async def test_the_picker_says_plainly_what_is_not_a_photo_or_too_heavy(open_app, server, school, db):
    family_person = school.parents["cp"]
    family = await open_app(
        server, login=family_person.login, path=f"/#/cahier/{school.children['Hugo']}", view="cahier"
    )
    await family.locator("details.write-box summary").click()
    before = await db.fetchval(
        "SELECT count(*) FROM media WHERE uploader_id = $1", uuid.UUID(family_person.user_id)
    )
    picker = family.locator("input[type=file]")
    await expect(picker).to_have_attribute("accept", "image/jpeg,image/png,image/webp,image/heic,image/heif")
    await expect(picker).to_have_attribute("multiple", "")
    assert await picker.get_attribute("capture") is None  # the gallery or the camera: the parent chooses
    await picker.set_input_files(
        [
            {"name": "liste.jpg", "mimeType": "image/jpeg", "buffer": b"pas une photo du tout"},
            {"name": "enorme.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (10 * 1024 * 1024 + 1)},
            photo_file("bonne.jpg", "pink"),
        ]
    )
    items = family.locator("li.photo-item")
    await expect(items.filter(has_text="liste.jpg").locator(".photo-state")).to_have_text(
        "Ce fichier n'est pas une photo.", timeout=LIVE_TIMEOUT
    )
    await expect(items.filter(has_text="enorme.jpg").locator(".photo-state")).to_have_text(
        "Photo trop lourde (10 Mo au plus)."
    )
    await expect(items.filter(has_text="bonne.jpg").locator(".photo-state")).to_have_text("Envoyée")

    # A page is not sent with a photo that failed; removed, the others go.
    await family.get_by_label("Titre").fill(f"Trois essais {tag()}")
    await family.locator("form.story-form button[type=submit]").click()
    await expect(family.locator("form.story-form .error")).to_contain_text("Une photo n'a pas pu partir")
    await items.filter(has_text="liste.jpg").get_by_role("button", name="Retirer la photo liste.jpg").click()
    await (
        items.filter(has_text="enorme.jpg").get_by_role("button", name="Retirer la photo enorme.jpg").click()
    )
    await expect(items).to_have_count(1)
    after = await db.fetchval(
        "SELECT count(*) FROM media WHERE uploader_id = $1", uuid.UUID(family_person.user_id)
    )
    assert after == before + 1  # only the real photo reached the server
    assert_no_page_errors(family)


async def test_the_director_reaches_each_class_blog_from_the_school_page(open_app, server, school):
    director = await open_app(server, login=school.director.login, path="/#/staff", view="staff")
    class_id = school.classes["CE1"]
    await director.get_by_role("link", name="Blog et cahiers de la classe CE1").click()
    await wait_view(director, "blog")
    await expect(director.locator("h1")).to_have_text("Blog de la classe CE1")
    await expect(director.locator("#nav a[aria-current=page]")).to_have_text("École")
    # Several classes: a chip for each, this one current.
    await expect(director.locator(".class-chips a[aria-current=page]")).to_have_text("CE1")
    await director.get_by_role("link", name="Droit à l'image").click()
    await wait_view(director, "consent")
    await expect(director.locator(".tagline")).to_have_text("Classe CE1")
    await expect(director.locator(f'[data-child-id="{school.children["Noah"]}"]')).to_be_visible()
    await director.get_by_role("link", name="Cahiers des élèves").click()
    await wait_view(director, "cahier")
    await expect(director.locator("h1")).to_have_text("Cahiers de la classe CE1")
    await expect(director.locator("details.write-box summary")).to_have_text(
        "Nouvelle page pour toute la classe"
    )
    assert (await director.evaluate("location.hash")) == f"#/cahier/class/{class_id}"
    assert_no_page_errors(director)


# ---------------------------------------------------------------- every new screen, axe


@dataclass
class Content:
    post_id: str
    post_title: str


@pytest.fixture(scope="module")
async def content(api: Clients, school: School) -> Content:
    """An article with a photo and a comment, pages in Hugo's cahier (the
    teacher's, with a photo, and the family's), made by the school's people."""
    teacher = api(school.teachers["CP"].token)
    family = api(school.parents["cp"].token)
    class_id = school.classes["CP"]
    photo = await teacher.post("/api/media", files={"file": ("classe.jpg", jpeg("skyblue"), "image/jpeg")})
    assert photo.status_code == 201, photo.text
    other = await teacher.post("/api/media", files={"file": ("jardin.jpg", jpeg("olive"), "image/jpeg")})
    assert other.status_code == 201, other.text
    title = "Les plantations du jardin"
    response = await teacher.post(
        f"/api/classes/{class_id}/posts",
        json={
            "title": title,
            "body": "Chaque enfant a planté une graine. Nous les arroserons tous les jours.",
            "media_ids": [photo.json()["id"], other.json()["id"]],
        },
    )
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    comment = await family.post(
        f"/api/posts/{post_id}/comments", json={"body": "Hugo nous en a parlé ce soir !"}
    )
    assert comment.status_code == 201, comment.text
    page_photo = await teacher.post("/api/media", files={"file": ("hugo.jpg", jpeg("gold"), "image/jpeg")})
    assert page_photo.status_code == 201, page_photo.text
    for client, body in (
        (
            teacher,
            {
                "title": "Mon premier mot écrit",
                "body": "Hugo a écrit « maman » tout seul.",
                "media_ids": [page_photo.json()["id"]],
            },
        ),
        (family, {"title": "Le gâteau du dimanche", "body": "Hugo a cassé les œufs."}),
    ):
        made = await client.post(f"/api/children/{school.children['Hugo']}/realisations", json=body)
        assert made.status_code == 201, made.text
    return Content(post_id, title)


SCREENS = ["blog-class", "post", "cahier-child", "consent-parent", "consent-class"]


async def open_screen(
    open_app: OpenApp,
    server: RunningServer,
    school: School,
    content: Content,
    screen: str,
    width: int,
    height: int,
) -> Page:
    class_id = school.classes["CP"]
    login, path, view = {
        "blog-class": (school.teachers["CP"].login, f"/#/blog/{class_id}", "blog"),
        "post": (school.parents["cp"].login, f"/#/posts/{content.post_id}", "post"),
        "cahier-child": (school.parents["cp"].login, f"/#/cahier/{school.children['Hugo']}", "cahier"),
        "consent-parent": (school.parents["both"].login, "/#/consent", "consent"),
        "consent-class": (school.teachers["CP"].login, f"/#/consent/class/{class_id}", "consent"),
    }[screen]
    page = await open_app(server, login=login, width=width, height=height, path=path, view=view)
    if screen == "blog-class":
        # The writing box open: its controls are checked too.
        await page.locator("details.write-box summary").click()
        await expect(page.get_by_label("Titre")).to_be_visible()
        await assert_image_shown(page, f'li.post[data-post-id="{content.post_id}"] .gallery img')
    elif screen == "post":
        await expect(page.locator("h1")).to_have_text(content.post_title)
        await expect(page.locator("li.comment")).to_have_count(1)
        await assert_image_shown(page, ".post-content .gallery img")
    elif screen == "cahier-child":
        await expect(page.locator("li.page")).not_to_have_count(0)
        await assert_image_shown(page, "li.page .gallery img")
    elif screen == "consent-parent":
        await expect(page.locator("section.consent-child")).to_have_count(2)  # Léa and Inès
    else:
        await expect(page.locator(".consent-summary")).to_be_visible()
    # Every photo of the screen loaded (the screenshot shows them), and no stray "null" or "undefined".
    await page.wait_for_function(
        "() => [...document.querySelectorAll('main img')].every((img) => img.complete && img.naturalWidth > 0)",
        timeout=LIVE_TIMEOUT,
    )
    text = await page.locator("main").inner_text()
    assert "null" not in text and "undefined" not in text, text
    return page


@BOTH_SIZES
@pytest.mark.parametrize("screen", SCREENS)
async def test_new_screens_pass_axe(open_app, server, school, content, screen, width, height):
    page = await open_screen(open_app, server, school, content, screen, width, height)
    await check_a11y(page, screen)
    await screenshot(page, screen)
    assert_no_page_errors(page)


@pytest.mark.parametrize("screen", SCREENS)
async def test_new_screens_on_a_small_phone(open_app, server, school, content, screen):
    page = await open_screen(open_app, server, school, content, screen, 320, 640)
    await assert_touch_targets(page, screen, skip_choices=True)
    await assert_no_sideways_scrolling(page, screen)
    assert_no_page_errors(page)
