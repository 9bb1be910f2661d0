"""Every main screen of the web app, on a phone (360×740) and on a desktop
(1280×800): it shows what it should, axe-core finds no serious or critical
WCAG 2.1 A/AA violation, and a screenshot lands in test-artifacts/screens/.
Then what axe cannot see: the keyboard path, the size of touch targets, no
sideways scrolling at 320 px, and "Écouter" reading a message aloud in French.

The content (threads of every kind, an absence, an agenda date, preferences)
is made once per session through the API by the school's own people.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, expect

from liaison.calendar.days import Calendar
from tests.browser.conftest import (
    BOTH_SIZES,
    OpenApp,
    assert_no_page_errors,
    assert_no_sideways_scrolling,
    assert_touch_targets,
    check_a11y,
    screenshot,
    wait_view,
)
from tests.conftest import Clients, RunningServer
from tests.world import World, announce, thread_and_message, write_direct

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Content:
    tag: str
    direct: dict  # Léa's family writes to the CP teacher, who answers
    direct_question: str
    direct_answer: str
    signature: dict  # the CP teacher asks CP families to sign; nobody opens it but the thread tests
    signature_body: str
    board: dict  # the director's announcement to CP, read and signed by Hugo's family only
    signup: dict  # the director asks CE1 families for companions
    piscine: dict  # an announcement to CE1 that no test opens: stays unread
    absence: dict  # Léa is absent on `absence_day`
    absence_note: str
    absence_day: str  # today, or Monday at a weekend (the service refuses absences then)
    last: dict  # the family's own newest message, about Inès: read (their own)
    event_title: str


def school_day() -> dt.date:
    """Today, or the next school day of the world's (default) calendar: the service
    refuses absences on days off."""
    return Calendar().next_school_days(dt.datetime.now(PARIS).date(), 1)[0]


async def post(client: httpx.AsyncClient, path: str, body: dict | None = None, status: int = 201) -> dict:
    response = await client.post(path, json=body)
    assert response.status_code == status, f"{path}: {response.status_code} {response.text}"
    return response.json() if response.content else {}


def client_id() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="session")
async def content(api: Clients, world: World) -> Content:
    a = world.a
    tag = uuid.uuid4().hex[:5]
    parent = api(a.parents["both"].token)  # Claire: Léa in CP, Inès in CE1
    hugo_family = api(a.parents["cp"].token)
    teacher = api(a.teachers["CP"].token)
    teacher_ce1 = api(a.teachers["CE1"].token)
    director = api(a.director.token)

    async def broadcast(
        client: httpx.AsyncClient, class_name: str, subject: str, body: str, **extra: object
    ) -> dict:
        response = await announce(
            client,
            f"{subject} {tag}",
            class_ids=[a.classes[class_name]],
            body=body,
            client_id=client_id(),
            **extra,
        )
        return thread_and_message(response)[0]

    signature_body = "Merci de signer l'autorisation de sortie au musée des Confluences, jeudi 3 décembre."
    signature = await broadcast(teacher, "CP", "Autorisation de sortie", signature_body, require_ack=True)
    board = await broadcast(
        director,
        "CP",
        "Photos de classe",
        "Le photographe passe mardi matin. Merci de signer.",
        require_ack=True,
    )
    await post(hugo_family, f"/api/threads/{board['id']}/read", {"seq": 1}, 204)
    await post(hugo_family, f"/api/threads/{board['id']}/ack", None, 200)
    signup = await broadcast(
        director,
        "CE1",
        "Accompagnateurs piscine",
        "Il nous faut des parents pour la piscine.",
        kind="signup",
        slots=[{"label": "Lundi 14 h", "capacity": 2}, {"label": "Jeudi 9 h", "capacity": 3}],
    )
    piscine = await broadcast(teacher_ce1, "CE1", "Bonnets de bain", "Pensez au bonnet de bain pour lundi.")

    day = school_day().isoformat()
    absence_note = f"Fièvre depuis hier soir {tag}"
    absence = await post(
        parent,
        "/api/absences",
        {
            "child_id": a.children["Léa"],
            "start": day,
            "end": day,
            "part": "day",
            "reason": "illness",
            "note": absence_note,
            "client_id": client_id(),
        },
    )

    direct_question = f"Léa a-t-elle oublié son gilet bleu ? {tag}"
    direct, _ = thread_and_message(
        await write_direct(
            parent, a.children["Léa"], f"Gilet oublié {tag}", direct_question, client_id=client_id()
        )
    )
    direct_answer = f"Oui, il est au portemanteau de la classe. {tag}"
    await post(
        teacher,
        f"/api/threads/{direct['id']}/messages",
        {"body": direct_answer, "client_id": client_id()},
    )
    last, _ = thread_and_message(
        await write_direct(
            parent,
            a.children["Inès"],
            f"Rendez-vous {tag}",
            "Pourrions-nous nous voir mardi après la classe ?",
            client_id=client_id(),
        )
    )

    starts = (dt.datetime.now(PARIS) + dt.timedelta(days=3)).replace(
        hour=16, minute=30, second=0, microsecond=0
    )
    event_title = f"Spectacle de Noël {tag}"
    await post(
        teacher,
        f"/api/classes/{a.classes['CP']}/events",
        {
            "title": event_title,
            "starts_at": starts.astimezone(dt.UTC).isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).astimezone(dt.UTC).isoformat(),
            "location": "Salle polyvalente",
            "description": "Les CP chantent.",
        },
    )
    preferences = await parent.put(
        "/api/me/preferences", json={"email": "digest", "quiet_hours": {"start": "21:00", "end": "07:30"}}
    )
    assert preferences.status_code == 200, preferences.text
    return Content(
        tag=tag,
        direct=direct,
        direct_question=direct_question,
        direct_answer=direct_answer,
        signature=signature,
        signature_body=signature_body,
        board=board,
        signup=signup,
        piscine=piscine,
        absence=absence["thread"],
        absence_note=absence_note,
        absence_day=day,
        last=last,
        event_title=event_title,
    )


def thread_path(thread: dict) -> str:
    return f"/#/threads/{thread['id']}"


@pytest.fixture
def at_size(
    open_app: OpenApp, server: RunningServer, width: int, height: int
) -> Callable[..., Awaitable[Page]]:
    """`await at_size(login, path, view)`: the app at the test's size (`BOTH_SIZES`),
    signed in as `login` (or not), once it shows `view`."""

    async def open_(login: str | None, path: str = "/#/inbox", view: str = "inbox") -> Page:
        return await open_app(server, login=login, width=width, height=height, path=path, view=view)

    return open_


async def shown(page: Page, name: str, view: str) -> None:
    """Wait for the screen, check it with axe, take its picture."""
    await wait_view(page, view)
    await check_a11y(page, name)
    await screenshot(page, name)


# -- The screens ---------------------------------------------------------------


@BOTH_SIZES
async def test_signin(at_size):
    page = await at_size(None, "/#/signin", "signin")
    await expect(page.locator("h1")).to_have_text("Se connecter")
    await expect(page.get_by_label("Identifiant")).to_have_attribute("autocomplete", "username")
    await expect(page.get_by_label("Mot de passe")).to_have_attribute("type", "password")
    await expect(page.locator("#signin [type=submit]")).to_have_text("Se connecter")
    await expect(page.get_by_role("link", name="activer mon compte")).to_be_visible()
    await shown(page, "signin", "signin")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_activation(at_size):
    page = await at_size(None, "/#/activate?code=ABCD-EFGH-JKLM", "signin")
    await expect(page.locator("h1")).to_have_text("Activer mon compte")
    await expect(page.get_by_label("Code d'activation")).to_have_value("ABCD-EFGH-JKLM")
    await expect(page.get_by_label("Choisissez un mot de passe")).to_have_attribute(
        "autocomplete", "new-password"
    )
    await expect(page.locator("#activate [type=submit]")).to_have_text("Activer mon compte")
    await shown(page, "activation", "signin")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_inbox_of_a_family_with_two_children(at_size, world, content):
    page = await at_size(world.a.parents["both"].login, view="inbox")
    rows = page.locator(".threads li.thread")
    await expect(rows.filter(has_text=content.last["subject"])).to_have_count(1)
    await shown(page, "inbox-parent", "inbox")

    subjects = await page.locator(".threads .subject").all_inner_texts()
    for thread in (
        content.direct,
        content.signature,
        content.signup,
        content.piscine,
        content.absence,
        content.last,
    ):
        assert thread["subject"] in subjects, (thread["subject"], subjects)
    # Unread first: the unread announcement, older, is above the family's own newest message.
    assert subjects.index(content.piscine["subject"]) < subjects.index(content.last["subject"])
    unread = await rows.evaluate_all("rows => rows.map((r) => r.classList.contains('unread'))")
    assert unread == sorted(unread, reverse=True), (
        f"unread threads are not all first: {list(zip(subjects, unread, strict=True))}"
    )
    piscine = rows.filter(has_text=content.piscine["subject"])
    await expect(piscine).to_have_class("thread unread")
    await expect(piscine.locator(".badge")).to_contain_text("1")
    await expect(rows.filter(has_text=content.last["subject"])).not_to_have_class("thread unread")
    await expect(rows.filter(has_text=content.signature["subject"]).locator(".tag.sign")).to_have_text(
        "À signer"
    )

    # The child filter: Léa's chip hides what only concerns Inès (CE1), and back.
    chips = page.get_by_role("group", name="Afficher les messages de")
    await expect(chips.get_by_role("button")).to_have_text(["Tous", "Inès", "Léa"])
    await expect(chips.get_by_role("button", name="Tous")).to_have_attribute("aria-pressed", "true")
    await chips.get_by_role("button", name="Léa").click()
    await expect(chips.get_by_role("button", name="Léa")).to_have_attribute("aria-pressed", "true")
    for hidden in (content.last, content.signup, content.piscine):
        await expect(rows.filter(has_text=hidden["subject"])).to_have_count(0)
    for kept in (content.direct, content.signature, content.absence):
        await expect(rows.filter(has_text=kept["subject"])).to_have_count(1)
    await chips.get_by_role("button", name="Inès").click()
    await expect(rows.filter(has_text=content.direct["subject"])).to_have_count(0)
    await expect(rows.filter(has_text=content.signup["subject"])).to_have_count(1)
    await chips.get_by_role("button", name="Tous").click()
    await expect(rows.filter(has_text=content.direct["subject"])).to_have_count(1)
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_thread_announcement_with_signature(at_size, world, content):
    page = await at_size(world.a.parents["both"].login, thread_path(content.signature), "thread")
    await expect(page.locator("h1")).to_have_text(content.signature["subject"])
    await expect(page.locator(".message .body")).to_have_text([content.signature_body])
    await expect(page.get_by_role("button", name="Écouter")).to_have_count(1)
    await expect(page.get_by_role("button", name="Lu et pris connaissance")).to_be_visible()
    await expect(
        page.get_by_label(f"Répondre en privé à {world.a.teachers['CP'].display_name}")
    ).to_be_visible()
    await shown(page, "thread-announcement", "thread")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_thread_direct(at_size, world, content):
    page = await at_size(world.a.parents["both"].login, thread_path(content.direct), "thread")
    await expect(page.locator("h1")).to_have_text(content.direct["subject"])
    await expect(page.locator(".message .body")).to_have_text(
        [content.direct_question, content.direct_answer]
    )
    await expect(page.locator(".message.own .body")).to_have_text([content.direct_question])
    await expect(page.locator(".message:not(.own) .author")).to_contain_text(
        [world.a.teachers["CP"].display_name]
    )
    await expect(page.get_by_role("button", name="Écouter")).to_have_count(2)
    await expect(page.get_by_label("Votre message")).to_be_visible()
    await expect(page.locator(".meta").first).to_contain_text("au sujet de Léa")
    await shown(page, "thread-direct", "thread")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_thread_signup(at_size, world, content):
    page = await at_size(world.a.parents["both"].login, thread_path(content.signup), "thread")
    await expect(page.locator("h1")).to_have_text(content.signup["subject"])
    await expect(page.get_by_role("heading", name="Les créneaux")).to_be_visible()
    slots = page.locator(".slot")
    await expect(slots.locator(".label")).to_have_text(["Lundi 14 h", "Jeudi 9 h"])
    await expect(slots.locator(".status")).to_have_text(
        ["2 places restantes sur 2", "3 places restantes sur 3"]
    )
    await expect(slots.get_by_role("button", name="Je m'inscris")).to_have_count(2)
    await shown(page, "thread-signup", "thread")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_compose_family_direct(at_size, world):
    page = await at_size(world.a.parents["both"].login, "/#/write", "compose")
    await expect(page.locator("h1")).to_have_text("Écrire à l'école")
    child = page.get_by_label("Au sujet de")
    await expect(child.locator("option")).to_have_text(["Inès (CE1)", "Léa (CP)"])
    await expect(page.get_by_label("Objet")).to_be_visible()
    await expect(page.get_by_label("Message")).to_be_visible()
    await expect(page.get_by_label("Mettre aussi la direction dans la conversation")).not_to_be_checked()
    await expect(page.get_by_role("button", name="Envoyer")).to_be_visible()
    await shown(page, "compose-parent", "compose")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_compose_director_announcement(at_size, world):
    page = await at_size(world.a.director.login, "/#/write/announcement", "compose")
    await expect(page.locator("h1")).to_have_text("Nouvelle annonce")
    kinds = page.get_by_role("navigation", name="Type de message")
    await expect(kinds.locator("[aria-current=page]")).to_have_text("Annonce")
    audience = page.get_by_role("group", name="Pour qui ?")
    await expect(audience.get_by_label("Toute l'école")).to_be_visible()
    await expect(audience.get_by_label("CP", exact=True)).to_be_visible()
    await expect(audience.get_by_label("CE1", exact=True)).to_be_visible()
    await expect(page.get_by_label("Demander une signature (« Lu et pris connaissance »)")).to_be_visible()
    await expect(page.get_by_label("Programmer l'envoi")).to_be_visible()
    await shown(page, "compose-director", "compose")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_absence(at_size, server, world):
    page = await at_size(world.a.parents["both"].login, view="inbox")
    # A Thursday morning, so that the two days offered are today and tomorrow (on a
    # Wednesday, at the weekend or in the holidays they are the next school days:
    # tests/browser/test_absence_days.py).
    await page.clock.set_fixed_time(
        dt.datetime(2026, 11, 26, 7, 45, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    )
    await page.goto(server.url + "/#/absence")
    await wait_view(page, "absence")
    await expect(page.locator("h1")).to_have_text("Signaler une absence")
    which = page.get_by_role("group", name="1. Quel enfant ?")
    await expect(which.get_by_role("button")).to_have_text(["Inès", "Léa"])
    when = page.get_by_role("group", name="2. Quand ?")
    await expect(when.get_by_role("button")).to_have_text(["Aujourd'hui", "Demain", "Plusieurs jours"])
    reasons = page.locator("fieldset.reasons")
    await expect(reasons.locator("button.send").first).to_be_disabled()
    await which.get_by_role("button", name="Léa").click()
    await when.get_by_role("button", name="Aujourd'hui").click()
    await expect(page.get_by_role("button", name="Léa")).to_have_attribute("aria-pressed", "true")
    await expect(reasons.locator("button.send").first).to_be_enabled()
    await expect(reasons.locator("button.send")).to_have_text(
        ["Malade", "Rendez-vous médical", "Raison familiale", "Autre raison"]
    )
    await shown(page, "absence", "absence")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_board_of_the_director(at_size, world, content):
    page = await at_size(world.a.director.login, f"/#/threads/{content.board['id']}/board", "board")
    await expect(page.locator("h1")).to_have_text("Suivi des lectures")
    await expect(page.locator(".board-subject")).to_have_text(content.board["subject"])
    await expect(page.locator("[data-count=families]")).to_have_text("2")
    await expect(page.locator("[data-count=read]")).to_have_text("1")
    await expect(page.locator("[data-count=acked]")).to_have_text("1")
    await expect(page.locator(".counter-read")).to_contain_text("ont lu sur 2")
    families = page.locator(".families .family")
    await expect(families).to_have_count(2)
    hugo = families.filter(has_text="Hugo")
    await expect(hugo.locator(".state.ok")).to_have_count(2)  # read and signed
    lea = families.filter(has_text="Léa")
    await expect(lea).to_contain_text("Pas encore signé")
    await expect(lea.get_by_role("button", name="Signé sur papier")).to_be_visible()
    # Claire's email waits its grace period: Léa's family is to be told, calmly, and
    # no paper slip is offered for it yet (tests/browser/test_board.py has more).
    await expect(lea.locator(".tag.pending")).to_contain_text("Sera prévenue")
    await expect(page.locator(".is-unreached")).to_have_count(0)
    await shown(page, "board-director", "board")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_register_of_the_teacher(at_size, world, content):
    page = await at_size(world.a.teachers["CP"].login, f"/#/register?date={content.absence_day}", "register")
    await expect(page.locator("h1")).to_have_text("Absences")
    lea = page.locator(".absences .absence").filter(has_text="Léa")
    await expect(lea).to_have_count(1)
    await expect(lea.locator(".reason")).to_have_text("Maladie")
    await expect(lea.locator(".part")).to_have_text("Toute la journée")
    await expect(lea.locator(".note")).to_have_text(content.absence_note)
    await expect(lea.locator(".meta")).to_contain_text("Signalée par")
    await expect(page.locator(".register-day")).to_contain_text("absence")
    await shown(page, "register-teacher", "register")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_agenda_of_a_family(at_size, world, content):
    page = await at_size(world.a.parents["both"].login, "/#/agenda", "agenda")
    await expect(page.locator("h1")).to_have_text("Agenda")
    event = page.locator(".event").filter(has_text=content.event_title)
    await expect(event).to_have_count(1)
    await expect(event.locator(".when")).to_have_text("16:30 – 17:30")
    await expect(event).to_contain_text("Salle polyvalente")
    await expect(page.locator("#agenda-add")).to_have_count(0)  # families read the agenda
    feed = page.get_by_label("Lien de votre agenda")
    await expect(feed).to_have_value(re.compile(r"^https?://[^/]+/calendar/\S+$"))
    webcal = page.get_by_role("link", name="Ajouter à mon agenda")
    await expect(webcal).to_have_attribute("href", re.compile(r"^webcal://[^/]+/calendar/\S+$"))
    await shown(page, "agenda-parent", "agenda")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_preferences_of_a_family(at_size, world, content):
    page = await at_size(world.a.parents["both"].login, "/#/preferences", "preferences")
    await expect(page.locator("h1")).to_have_text("Réglages")
    # As stored by the fixture: a digest, and a quiet night from 21:00 to 07:30.
    await expect(page.get_by_role("radio", name="Un résumé à 17 h")).to_be_checked()
    await expect(page.get_by_role("radio", name="Immédiatement")).not_to_be_checked()
    await expect(page.get_by_role("radio", name="Jamais")).not_to_be_checked()
    await expect(page.get_by_label("Pas de notification la nuit")).to_be_checked()
    await expect(page.get_by_label("À partir de")).to_have_value("21:00")
    await expect(page.get_by_label("Jusqu'à")).to_have_value("07:30")
    await expect(page.get_by_role("switch", name="Notifications sur cet appareil")).to_be_attached()
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    await shown(page, "preferences-parent", "preferences")
    assert_no_page_errors(page)


@BOTH_SIZES
async def test_staff_page_of_the_director(at_size, world):
    page = await at_size(world.a.director.login, "/#/staff", "staff")
    await expect(page.locator("h1")).to_have_text("L'école")
    roster = page.get_by_role("region", name="Importer la liste des élèves")
    upload = roster.get_by_label("Fichier CSV des élèves")
    await expect(upload).to_have_attribute("type", "file")
    await expect(upload).to_have_attribute("accept", re.compile(r"\.csv"))
    await expect(roster.get_by_role("button", name="Importer")).to_be_visible()
    await expect(roster.locator("summary")).to_have_text("Colonnes attendues")
    await expect(page.get_by_role("link", name="Ouvrir les lettres à imprimer")).to_have_attribute(
        "href", f"/api/schools/{world.a.id}/activation-letters"
    )
    await expect(
        page.get_by_role("region", name="Ajouter un membre de l'équipe").get_by_label("Fonction")
    ).to_be_visible()
    await expect(page.locator(".class-item h3")).to_have_text(["Classe CP", "Classe CE1"])  # school order
    await shown(page, "staff-director", "staff")
    assert_no_page_errors(page)


# -- Beyond axe ------------------------------------------------------------------

FOCUSED_STYLE = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {id: e.id, tag: e.tagName, type: e.getAttribute("type"), text: e.textContent.trim(),
          outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow};
}"""


async def test_keyboard_order_and_visible_focus(open_app, server, world):
    page = await open_app(server, width=1280, height=800, path="/#/signin", view="signin")
    stops = []
    for _ in range(8):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED_STYLE)
        stops.append(focused)
        assert focused["outline"] != "none" and focused["width"] >= 2, f"no visible focus on {focused}"
        if focused["type"] == "submit":
            break
    # The skip link and the brand come first (the page's header), then the form in order.
    names = [s["id"] or s["type"] or s["text"] for s in stops]
    assert names == ["Aller au contenu", "Liaison", "login", "password", "submit"], stops
    assert stops[-1]["text"] == "Se connecter"

    page = await open_app(server, login=world.a.parents["both"].login, width=360, height=740, view="inbox")
    await page.keyboard.press("Tab")
    focused = await page.evaluate(FOCUSED_STYLE)
    assert (focused["tag"], focused["text"]) == ("A", "Aller au contenu"), focused
    assert focused["outline"] != "none"
    skip = page.get_by_role("link", name="Aller au contenu")
    assert await skip.is_visible()
    box = await skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    # Following it puts the keyboard in the screen, which stays the inbox (no route "#main").
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    # The search field comes first (on the title row), then its button, then the actions.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("searchbox", name="Rechercher dans les messages")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Rechercher")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Signaler une absence")).to_be_focused()
    assert await page.evaluate("location.hash") == "#/inbox"
    await wait_view(page, "inbox")
    assert_no_page_errors(page)


PHONE_SCREENS = ["inbox", "thread-direct", "thread-announcement", "thread-signup", "absence"]


async def open_phone_screen(
    open_app: OpenApp,
    server: RunningServer,
    world: World,
    content: Content,
    screen: str,
    width: int,
    height: int,
) -> Page:
    path = {
        "inbox": "/#/inbox",
        "thread-direct": thread_path(content.direct),
        "thread-announcement": thread_path(content.signature),
        "thread-signup": thread_path(content.signup),
        "absence": "/#/absence",
    }[screen]
    page = await open_app(
        server,
        login=world.a.parents["both"].login,
        width=width,
        height=height,
        path=path,
        view=screen.split("-")[0],
    )
    if screen == "absence":
        # Everything unfolded: the child and the dates chosen, the details open.
        await page.get_by_role("button", name="Léa").click()
        await page.get_by_role("button", name="Plusieurs jours").click()
        await page.get_by_text("Préciser (facultatif)").click()
        await expect(page.get_by_label("Un mot pour l'enseignant")).to_be_visible()
        await expect(page.get_by_label("Au (inclus)")).to_be_visible()
    return page


@pytest.mark.parametrize("screen", PHONE_SCREENS)
async def test_touch_targets_on_a_phone(open_app, server, world, content, screen):
    page = await open_phone_screen(open_app, server, world, content, screen, 360, 740)
    await assert_touch_targets(page, screen)
    assert_no_page_errors(page)


@pytest.mark.parametrize("screen", PHONE_SCREENS)
async def test_no_sideways_scrolling_at_320_px(open_app, server, world, content, screen):
    page = await open_phone_screen(open_app, server, world, content, screen, 320, 640)
    await assert_no_sideways_scrolling(page, screen)
    await screenshot(page, f"{screen}-narrow")
    assert_no_page_errors(page)


SPEECH_SPY = """
window.__spoken = [];
if ("speechSynthesis" in window) {
  // Headless chromium may have no voice at all: record instead of speaking.
  speechSynthesis.speak = (utterance) => { window.__spoken.push({text: utterance.text, lang: utterance.lang}); };
}
"""


async def test_listen_reads_the_message_in_french(open_app, server, world, content):
    page = await open_app(server, login=world.a.parents["both"].login, path=thread_path(content.direct))
    await page.add_init_script(SPEECH_SPY)
    await page.reload()
    await wait_view(page, "thread")
    answer = page.locator(".message").filter(has_text=content.direct_answer)
    listen = answer.get_by_role("button", name="Écouter")
    await expect(listen).to_have_attribute("aria-pressed", "false")
    await listen.click()
    await expect(listen).to_have_attribute("aria-pressed", "true")
    spoken = await page.evaluate("window.__spoken")
    assert len(spoken) == 1, spoken
    assert spoken[0]["lang"] == "fr-FR"
    assert content.direct_answer in spoken[0]["text"]
    assert world.a.teachers["CP"].display_name in spoken[0]["text"]
    # Pressed again: it stops, and says nothing more.
    await listen.click()
    await expect(listen).to_have_attribute("aria-pressed", "false")
    assert len(await page.evaluate("window.__spoken")) == 1
    assert_no_page_errors(page)
