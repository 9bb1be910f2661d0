"""Whole scenarios across several people's open pages: the real server, real
Chromium, no mocks. Each checks what people see and what the server stored.

Live updates are checked on pages left open: `window.__marker` set before and
still there after proves the page was not reloaded.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from playwright.async_api import Page, expect

from liaison.calendar.days import Calendar
from tests.browser.conftest import (
    LIVE_TIMEOUT,
    OpenApp,
    assert_no_page_errors,
    assert_not_reloaded,
    live_ready,
    page_errors,
    screenshot,
    wait_view,
    watch_live,
)
from tests.conftest import Clients, RunningServer
from tests.world import (
    Person,
    School,
    activate,
    add_staff,
    build_world,
    import_roster,
    open_signup,
    roster,
    school_with_director,
    thread_and_message,
    write_direct,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
async def school(api: Clients) -> School:
    """A school of these scenarios' own (built as `world` is): they add
    absences, announcements and messages that other modules' tests, which
    check the shared world's exact screens, must not see."""
    return (await build_world(api)).a


def next_school_day(today: dt.date) -> dt.date:
    """The first school day after today (the school keeps the default calendar: no
    weekends, no Wednesday, no holidays), whatever today is."""
    return Calendar().next_school_days(today + dt.timedelta(days=1), 1)[0]


def assert_no_errors_but_offline(page: Page) -> None:
    """Being offline makes Chromium log the requests it could not make and the
    socket it could not open; those are the scenario, anything else is a bug."""
    expected = re.compile(
        r"Failed to load resource: net::ERR_(INTERNET_DISCONNECTED|FAILED)|WebSocket connection to '.*' failed"
    )
    errors = page_errors(page)
    errors[:] = [e for e in errors if not expected.search(e)]
    assert_no_page_errors(page)


# ---------------------------------------------------------------- absences


async def test_a_parent_reports_an_absence_and_the_teachers_open_page_shows_it(
    open_app, server, school, api, db
):
    class_id = school.classes["CP"]
    lea = school.children["Léa"]
    # Days without school are refused: report the next school day, and look at that day's register.
    day = next_school_day(dt.datetime.now(PARIS).date()).isoformat()

    teacher = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/register/{class_id}?date={day}", view="register"
    )
    director = await open_app(server, login=school.director.login, path=f"/#/day?date={day}", view="day")
    for page in (teacher, director):
        await watch_live(page)
    before = await teacher.locator("li[data-absence-id]").count()

    parent = await open_app(server, login=school.parents["both"].login, path="/#/absence", view="absence")
    await parent.locator(f'[data-child="{lea}"]').click()
    await parent.locator("[data-when=dates]").click()
    await parent.fill("input[name=start]", day)
    await parent.fill("input[name=end]", day)
    await expect(parent.locator("fieldset.reasons")).to_be_enabled()
    await screenshot(parent, "absence-choose")
    await parent.locator("[data-reason=illness]").click()
    await expect(parent.locator("h1")).to_have_text("C'est envoyé")
    await expect(parent.locator("p.done")).to_contain_text("Léa")
    await screenshot(parent, "absence-sent")
    link = await parent.locator('a.button[href^="#/threads/"]').get_attribute("href")
    thread_id = link.removeprefix("#/threads/")

    # What the server stored.
    row = await db.fetchrow("SELECT * FROM absences WHERE thread_id = $1", uuid.UUID(thread_id))
    assert row is not None
    assert str(row["child_id"]) == lea
    assert str(row["class_id"]) == class_id
    assert row["start_date"].isoformat() == day and row["end_date"].isoformat() == day
    assert row["reason"] == "illness" and row["part"] == "day"
    assert str(row["reported_by"]) == school.parents["both"].user_id
    register = (
        await api(school.teachers["CP"].token).get(f"/api/classes/{class_id}/absences?date={day}")
    ).json()
    assert str(row["id"]) in [a["id"] for a in register["absences"]]

    # The teacher's register, open all along, shows it: new, not read yet.
    shown = teacher.locator(f'li[data-absence-id="{row["id"]}"]')
    await expect(shown).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(shown).to_have_class(re.compile(r"\bnew\b"))
    await expect(shown.locator(".name")).to_contain_text("Léa")
    await expect(shown.locator(".reason")).to_have_text("Maladie")
    await expect(shown.locator(".status")).to_contain_text("Pas encore lue")
    await expect(teacher.locator("li[data-absence-id]")).to_have_count(before + 1)
    await assert_not_reloaded(teacher)
    await screenshot(teacher, "register-live")

    # The director's day ("La journée"), open all along, has it; her inbox does not
    # (only the flagged absences go there).
    on_day = director.locator(f'li[data-absence-id="{row["id"]}"]')
    await expect(on_day).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(on_day.locator(".name")).to_contain_text("Léa")
    await assert_not_reloaded(director)
    await screenshot(director, "day-absence-live")

    for page in (parent, teacher, director):
        assert_no_page_errors(page)


# ---------------------------------------------------------------- signatures


async def test_an_announcement_to_sign_reaches_an_open_inbox_and_the_board_follows_live(
    open_app, server, school, api, db
):
    parent_person = school.parents["cp"]
    hugo = school.children["Hugo"]
    subject = f"Sortie au musée {uuid.uuid4().hex[:6]}"

    parent = await open_app(server, login=parent_person.login, path="/#/inbox", view="inbox")
    await watch_live(parent)

    director = await open_app(
        server, login=school.director.login, path="/#/write/announcement", view="compose"
    )
    await director.check(f'input[name=class_ids][value="{school.classes["CP"]}"]')
    await director.fill("input[name=subject]", subject)
    await director.fill("textarea[name=body]", "Merci de signer pour la sortie de jeudi.")
    await director.check("input[name=require_ack]")
    await screenshot(director, "announcement-compose")
    await director.locator("form.compose [type=submit]").click()
    await wait_view(director, "thread")
    await expect(director.locator("h1")).to_have_text(subject)
    thread_id = director.url.split("#/threads/", 1)[1]

    stored = await db.fetchrow("SELECT * FROM threads WHERE id = $1", uuid.UUID(thread_id))
    assert stored["kind"] == "announcement" and stored["require_ack"] is True
    assert [str(c) for c in stored["class_ids"]] == [school.classes["CP"]]

    # The director follows the signatures on the board.
    await director.locator(f'a[href="#/threads/{thread_id}/board"]').first.click()
    await wait_view(director, "board")
    await watch_live(director)
    await expect(director.locator("[data-count=acked]")).to_have_text("0")
    await expect(director.locator("[data-count=read]")).to_have_text("0")
    families = int(await director.locator("[data-count=families]").inner_text())
    assert families >= 1

    # The parent's inbox, open all along, shows it, to sign.
    row = parent.locator(f'li[data-thread-id="{thread_id}"]')
    await expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(row.locator(".subject")).to_have_text(subject)
    await expect(row.locator(".tag.sign")).to_have_text("À signer")
    await assert_not_reloaded(parent)
    await screenshot(parent, "inbox-announcement-live")

    # The parent opens it (read, live on the board) and signs (signed, live).
    await row.locator("a").click()
    await wait_view(parent, "thread")
    await expect(director.locator("[data-count=read]")).to_have_text("1", timeout=LIVE_TIMEOUT)
    await expect(director.locator("[data-count=acked]")).to_have_text("0")
    await parent.locator("button.sign").click()
    await expect(parent.locator(".ack .signed")).to_contain_text("Signé le")
    await expect(parent.locator("button.sign")).to_have_count(0)
    await screenshot(parent, "thread-signed")

    await expect(director.locator("[data-count=acked]")).to_have_text("1", timeout=LIVE_TIMEOUT)
    hugo_row = director.locator(f'li.family[data-child-id="{hugo}"]')
    await expect(hugo_row).to_contain_text("Signé aujourd'hui")
    await assert_not_reloaded(director)
    await screenshot(director, "board-live")

    # What the server stored.
    acks = await db.fetch("SELECT child_id, user_id FROM acks WHERE thread_id = $1", uuid.UUID(thread_id))
    assert [(str(a["child_id"]), str(a["user_id"])) for a in acks] == [(hugo, parent_person.user_id)]
    receipts = (await api(school.director.token).get(f"/api/threads/{thread_id}/receipts")).json()
    assert receipts["summary"]["acked"] == 1 and receipts["summary"]["read"] == 1
    assert receipts["summary"]["families"] == families
    family = next(f for f in receipts["families"] if f["child"]["id"] == hugo)
    assert family["acked_at"] and family["read_at"]

    for page in (parent, director):
        assert_no_page_errors(page)


# ---------------------------------------------------------------- sign-ups


async def test_a_signup_fills_up_and_the_fifth_family_goes_on_the_waiting_list(open_app, server, api, db):
    school_id, director_person = await school_with_director(api)
    director = api(director_person.token)
    anonymous = api()
    await add_staff(director, anonymous, school_id, "teacher", "Mme Cémdeux", ["CM2"])
    tag = uuid.uuid4().hex[:6]
    rows = [
        ("CM2", f"Famille{n}{tag}", f"Enfant{n}", "01/02/2016", f"Famille{n}{tag}", f"Parent{n}",
         f"parent{n}.{tag}@example.fr", "Mère")
        for n in range(1, 6)
    ]  # fmt: skip
    response = await import_roster(director, school_id, roster(rows))
    assert response.status_code == 200, response.text
    guardians = sorted(response.json()["guardians"], key=lambda g: g["display_name"])
    assert len(guardians) == 5
    tokens = [await activate(anonymous, g["activation_code"]) for g in guardians]
    class_id = (await director.get("/api/me")).json()["classes"][0]["id"]

    thread, _ = thread_and_message(
        await open_signup(
            director,
            "Accompagner la sortie à la ferme",
            {"Jeudi matin": 4},
            class_ids=[class_id],
            body="Il nous faut quatre parents pour jeudi.",
            client_id=uuid.uuid4().hex,
        )
    )
    thread_id = thread["id"]
    slot_id = thread["slots"][0]["id"]
    path = f"/#/threads/{thread_id}"

    # The first family signs up on its page, and leaves it open.
    first = await open_app(server, login=guardians[0]["login"], path=path, view="thread")
    await watch_live(first)
    slot = first.locator(f'li.slot[data-slot-id="{slot_id}"]')
    await expect(slot.locator(".status")).to_have_text("4 places restantes sur 4")
    await slot.get_by_role("button", name="Je m'inscris").click()
    await expect(slot.locator(".mine.confirmed")).to_have_text("Votre inscription est confirmée.")
    await expect(slot.locator(".status")).to_have_text("3 places restantes sur 4")

    # Three more families sign up from their phones: the open page follows.
    for token in tokens[1:4]:
        answer = await api(token).post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "confirmed"
    await expect(slot.locator(".status")).to_have_text("Complet", timeout=LIVE_TIMEOUT)
    await assert_not_reloaded(first)

    # The fifth family sees it full, and goes on the waiting list.
    fifth = await open_app(server, login=guardians[4]["login"], path=path, view="thread")
    full = fifth.locator(f'li.slot[data-slot-id="{slot_id}"]')
    await expect(full.locator(".status")).to_have_text("Complet")
    await expect(full.get_by_role("button", name="Je m'inscris")).to_have_count(0)
    await full.get_by_role("button", name="Liste d'attente").click()
    await expect(full.locator(".mine.waitlisted")).to_contain_text("liste d'attente")
    await expect(full.locator(".status")).to_have_text("Complet · 1 en liste d'attente")
    await screenshot(fifth, "signup-waitlist")

    # The first family's open page counts the waiting family too.
    await expect(slot.locator(".status")).to_have_text("Complet · 1 en liste d'attente", timeout=LIVE_TIMEOUT)
    await expect(slot.locator(".mine.confirmed")).to_be_visible()
    await assert_not_reloaded(first)
    await screenshot(first, "signup-full-live")

    # What the server stored.
    board = (await director.get(f"/api/threads/{thread_id}/signups")).json()
    statuses = sorted(s["status"] for s in board["slots"][0]["signups"])
    assert statuses == ["confirmed"] * 4 + ["waitlisted"]
    waiting = next(s for s in board["slots"][0]["signups"] if s["status"] == "waitlisted")
    assert waiting["guardian"]["id"] == (await api(tokens[4]).get("/api/me")).json()["user"]["id"]
    counts = dict(
        await db.fetch(
            "SELECT status, count(*) FROM signups WHERE slot_id = $1 GROUP BY status", uuid.UUID(slot_id)
        )
    )
    assert counts == {"confirmed": 4, "waitlisted": 1}

    for page in (first, fifth):
        assert_no_page_errors(page)


# ---------------------------------------------------------------- offline


async def messages_with(db: asyncpg.Pool, thread_id: str, body: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT seq, client_id FROM messages WHERE thread_id = $1 AND body = $2", uuid.UUID(thread_id), body
    )


async def open_own_thread(
    open_app: OpenApp,
    server: RunningServer,
    api: Clients,
    person: Person,
    child_id: str,
    subject: str,
    body: str,
) -> tuple[Page, str]:
    """The family writes about their child, then has the thread open on their phone,
    following live events: the page, and the thread's id."""
    made = await write_direct(api(person.token), child_id, subject, body, client_id=uuid.uuid4().hex)
    thread_id = thread_and_message(made)[0]["id"]
    page = await open_app(server, login=person.login, path=f"/#/threads/{thread_id}", view="thread")
    await live_ready(page)
    return page, thread_id


async def test_a_message_written_offline_is_sent_once_back_online(open_app, server, school, api, db):
    page, thread_id = await open_own_thread(
        open_app, server, api, school.parents["ce1"], school.children["Noah"],
        "Cahier oublié", "Noah a oublié son cahier de poésie.",
    )  # fmt: skip

    # Offline: the message waits on the phone, the server has nothing.
    body = f"Je le dépose demain matin ({uuid.uuid4().hex[:6]})."
    await page.context.set_offline(True)
    await expect(page.locator("#offline")).to_be_visible()
    await page.fill("form.composer textarea[name=body]", body)
    await page.locator("form.composer [type=submit]").click()
    pending = page.locator("li.message.pending")
    await expect(pending).to_have_count(1)
    await expect(pending.locator(".body")).to_have_text(body)
    await expect(page.locator("#offline-queue")).to_have_text("1 en attente d'envoi.")
    client_id = await pending.get_attribute("data-client-id")
    assert client_id
    await screenshot(page, "thread-offline")
    assert await messages_with(db, thread_id, body) == []

    # Online again: it goes, once.
    await page.context.set_offline(False)
    await expect(page.locator("li.message.pending")).to_have_count(0, timeout=LIVE_TIMEOUT)
    sent = page.locator(f'li.message[data-client-id="{client_id}"]')
    await expect(sent).to_have_count(1, timeout=LIVE_TIMEOUT)
    await expect(sent.locator(".body")).to_have_text(body)
    await expect(page.locator("#offline")).to_be_hidden(timeout=LIVE_TIMEOUT)
    await screenshot(page, "thread-back-online")
    stored = await messages_with(db, thread_id, body)
    assert [r["client_id"] for r in stored] == [client_id]

    await page.reload()
    await wait_view(page, "thread")
    await expect(page.locator(f'li.message[data-client-id="{client_id}"]')).to_have_count(1)
    await expect(page.locator("li.message .body", has_text=body)).to_have_count(1)
    await expect(page.locator("li.message.pending")).to_have_count(0)
    assert len(await messages_with(db, thread_id, body)) == 1
    assert_no_errors_but_offline(page)


async def test_a_message_whose_answer_is_lost_is_sent_again_and_stored_once(
    open_app, server, school, api, db
):
    page, thread_id = await open_own_thread(
        open_app, server, api, school.parents["cp"], school.children["Hugo"],
        "Rendez-vous", "Pouvons-nous nous voir mardi ?",
    )  # fmt: skip

    # The first post reaches the server, but its answer never reaches the phone.
    posts: list[dict] = []

    async def lose_first_answer(route):
        if route.request.method != "POST":
            await route.continue_()
            return
        posts.append(route.request.post_data_json)
        if len(posts) == 1:
            answer = await route.fetch()
            assert answer.status == 201, await answer.text()
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/api/threads/*/messages", lose_first_answer)
    body = f"Mardi 16 h 30, cela vous va ? ({uuid.uuid4().hex[:6]})"
    await page.fill("form.composer textarea[name=body]", body)
    await page.locator("form.composer [type=submit]").click()
    await expect(page.locator("#toast")).to_contain_text("Hors connexion")
    assert len(posts) == 1
    client_id = posts[0]["client_id"]
    stored = await messages_with(db, thread_id, body)
    assert [r["client_id"] for r in stored] == [client_id]
    # Still queued on the phone (the app could not know it arrived)...
    queued = await page.evaluate(
        "() => Object.entries(localStorage).filter(([k]) => k.startsWith('liaison.outbox.'))"
        ".flatMap(([, v]) => JSON.parse(v)).map((item) => item.body.client_id)"
    )
    assert queued == [client_id]
    # ...yet shown once: the live event brought the stored message.
    sent = page.locator(f'li.message[data-client-id="{client_id}"]')
    await expect(sent).to_have_count(1, timeout=LIVE_TIMEOUT)
    await expect(sent).not_to_have_class(re.compile(r"\bpending\b"))

    # Back from a network drop: the outbox sends it again, the server keeps one.
    await page.context.set_offline(True)
    await expect(page.locator("#offline")).to_be_visible()
    await expect(page.locator("#offline-queue")).to_have_text("1 en attente d'envoi.")
    await page.context.set_offline(False)
    await page.wait_for_function(
        "() => Object.entries(localStorage).filter(([k]) => k.startsWith('liaison.outbox.'))"
        ".every(([, v]) => JSON.parse(v).length === 0)",
        timeout=LIVE_TIMEOUT,
    )
    assert [p["client_id"] for p in posts] == [client_id, client_id]
    await expect(page.locator("#offline")).to_be_hidden(timeout=LIVE_TIMEOUT)
    await expect(sent).to_have_count(1)
    await expect(page.locator("li.message.pending")).to_have_count(0)
    assert len(await messages_with(db, thread_id, body)) == 1

    await page.unroute("**/api/threads/*/messages")
    await page.reload()
    await wait_view(page, "thread")
    await expect(page.locator("li.message .body", has_text=body)).to_have_count(1)
    assert len(await messages_with(db, thread_id, body)) == 1
    await screenshot(page, "thread-sent-once")
    assert_no_errors_but_offline(page)
