"""Consent where it is needed, in Chromium: the teacher sees which children on
a photo lack their parents' agreement before "Publier" (the blog's editor, a
pupil's article to review), asks the families who have not answered (once a
day), prints the form for those without an account and records a signed one;
the family's two choices weigh the same. Each changed screen through axe at
360 and 1280 px, with screenshots.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from tests.blog_world import make_pupil, post, tag, upload
from tests.browser.conftest import (
    LIVE_TIMEOUT,
    SIZES,
    OpenApp,
    assert_no_page_errors,
    assert_not_reloaded,
    assert_touch_targets,
    check_a11y,
    screenshot,
    watch_live,
)
from tests.browser.test_blog_cahier import photo_file, write
from tests.conftest import Clients
from tests.world import School, build_world


@pytest.fixture(scope="module")
async def school(api: Clients) -> School:
    """A school of this module's own: its consents and its reminder stay here."""
    return (await build_world(api)).a


async def both_sizes(page: Page, name: str) -> None:
    """axe, and a screenshot, at the phone's and the desktop's width."""
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await check_a11y(page, name)
        await screenshot(page, name)
    await page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


async def test_the_teacher_sees_asks_and_records_consent_before_publishing(
    open_app: OpenApp, server, school, api, db
):
    lea, hugo, cp = school.children["Léa"], school.children["Hugo"], school.classes["CP"]
    title = f"Les semis {uuid.uuid4().hex[:6]}"

    # A pupil's article with a photo of Hugo (Sophie has not answered): the warning is
    # there before "Publier".
    pupil = api((await make_pupil(api, school, "Hugo")).token)
    photo = await upload(pupil, "green")
    submitted = (await post(pupil, cp, f"Mon semis {uuid.uuid4().hex[:6]}", [photo["id"]])).json()
    await tag(api(school.teachers["CP"].token), photo["id"], hugo)
    review = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/posts/{submitted['id']}", view="post"
    )
    warning = review.locator(".review-tools .consent-warning")
    await expect(warning).to_contain_text("Hugo")
    await expect(warning).to_contain_text("Sans l'accord de tous ses parents")
    await expect(warning.get_by_role("link", name="voir le droit à l'image")).to_have_attribute(
        "href", f"#/consent/class/{cp}"
    )
    await both_sizes(review, "post-review-consent")

    # The blog's editor: in "Qui est sur la photo ?", Léa is marked; once tagged, the
    # photo and the form say so before anything is sent.
    teacher = await open_app(server, login=school.teachers["CP"].login, path=f"/#/blog/{cp}", view="blog")
    await write(teacher, "Nouvel article", title, "Les graines ont germé.", [photo_file("semis.jpg")])
    await teacher.locator("li.photo-item").get_by_role("button", name="Qui est sur la photo ?").click()
    dialog = teacher.locator("dialog.tag-dialog")
    await expect(dialog.locator("label", has_text="Léa").locator(".no-consent")).to_have_text("sans accord")
    await dialog.get_by_label("Léa").check()
    await dialog.get_by_role("button", name="Enregistrer").click()
    await expect(dialog).to_have_count(0)
    item = teacher.locator("li.photo-item")
    await expect(item).to_have_class("photo-item needs-consent")
    await expect(item.locator(".photo-children")).to_contain_text("(sans accord)")
    editor_warning = teacher.locator("form.story-form .consent-warning")
    await expect(editor_warning).to_contain_text("La publication sera refusée")
    await expect(editor_warning).to_contain_text("Léa")
    await both_sizes(teacher, "blog-consent-warning")
    await watch_live(teacher)

    # The class's consents: ask the families who have not answered, once a day.
    staff = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/consent/class/{cp}", view="consent"
    )
    ask = staff.locator("section.consent-ask")
    remind = ask.get_by_role("button", name="Relancer les familles (2 parents)")  # Claire, Sophie
    await expect(ask).to_contain_text("1 parent n'a pas encore de compte Liaison")  # Paul
    await both_sizes(staff, "consent-class-ask")
    await assert_touch_targets(staff, "consent-class-ask")
    staff.once("dialog", lambda d: d.accept())
    await remind.click()
    await expect(ask.locator(".reminded")).to_contain_text("Dernière relance aujourd'hui à")
    await expect(ask.locator(".reminded")).to_contain_text("Prochaine relance possible demain à")
    await expect(ask.get_by_role("button", name="Relancer les familles")).to_have_count(0)
    notices = await db.fetch(
        "SELECT user_id FROM activity_notices WHERE kind = 'consent' AND key = ANY($1::uuid[])",
        [uuid.UUID(lea), uuid.UUID(hugo)],
    )
    assert {str(r["user_id"]) for r in notices} == {
        school.parents["both"].user_id,
        school.parents["cp"].user_id,
    }

    # The forms to print, in a new tab: one per child still waiting.
    async with staff.context.expect_page() as opened:
        await ask.get_by_role("link", name="Imprimer les formulaires (2) (nouvel onglet)").click()
    forms = await opened.value
    await forms.wait_for_load_state()
    await expect(forms.locator("section.form")).to_have_count(2)
    await expect(forms.locator(f'section.form[data-child-id="{lea}"]')).to_contain_text("Paul")
    await screenshot(forms, "consent-forms")

    # Paul's form comes back signed: the teacher records it.
    card = staff.locator(f'.consent-children.without li[data-child-id="{lea}"]')
    await card.locator("details.paper summary").click()
    staff.once("dialog", lambda d: d.accept())
    paul_row = card.locator(".paper-guardians li", has_text="Paul")
    await paul_row.get_by_role("button", name="A accepté").click()
    await expect(card.locator(".missing-line")).not_to_contain_text("Paul", timeout=LIVE_TIMEOUT)
    recorded = await db.fetchval(
        """SELECT count(*) FROM image_consents
           WHERE child_id = $1 AND granted AND recorded_by = $2""",
        uuid.UUID(lea),
        uuid.UUID(school.teachers["CP"].user_id),
    )
    assert recorded == 1

    # Claire: two equal choices, neither chosen in advance nor the default.
    claire = await open_app(server, login=school.parents["both"].login, path="/#/consent", view="consent")
    section = claire.locator(f'section.consent-child[data-child-id="{lea}"]')
    accept = section.get_by_role("button", name="J'accepte pour Léa")
    refuse = section.get_by_role("button", name="Je refuse pour Léa")
    for choice in (accept, refuse):
        await expect(choice).to_have_attribute("aria-pressed", "false")
        await expect(choice).to_have_class("secondary choose")
    look = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color, getComputedStyle(b).fontWeight]"
    assert await accept.evaluate(look) == await refuse.evaluate(look)
    await both_sizes(claire, "consent-family-choices")
    await accept.click()
    await expect(accept).to_have_attribute("aria-pressed", "true")
    await expect(refuse).to_have_attribute("aria-pressed", "false")

    # Léa has every agreement now: the teacher's open editor drops the warning, and publishes.
    await expect(editor_warning).to_be_empty(timeout=LIVE_TIMEOUT)
    await expect(item).not_to_have_class("photo-item needs-consent")
    await assert_not_reloaded(teacher)
    await teacher.locator("form.story-form button[type=submit]").click()
    await expect(teacher.locator("#published-posts li.post", has_text=title)).to_be_visible()
    assert await db.fetchval("SELECT status FROM posts WHERE title = $1", title) == "published"

    for page in (review, teacher, staff, forms, claire):
        assert_no_page_errors(page)
