"""Absences both ways, in Chromium: the teacher takes the roll call on a phone
(the reported child shown and marked already, one tap for the other one, send);
the family of the child absent without a word answers the school's question in
one tap; the director sees the school's day at a glance; a family cancels its
report from the thread. Each screen checked by axe at phone and desktop sizes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.async_api import expect

from tests.browser.conftest import LIVE_TIMEOUT, assert_no_page_errors, check_a11y, screenshot, wait_view
from tests.world import (
    Person,
    activate,
    add_staff,
    families,
    import_roster,
    roll_call_day,
    roster,
    school_with_director,
)


@dataclass
class Small:
    school_id: str
    class_id: str
    director: Person
    teacher: Person
    parents: list[Person]  # the guardians of children 0 and 1 (child 2's never signed in)
    children: list[str]


@pytest.fixture(scope="module")
async def small(api) -> Small:
    """A school of its own (the roll call is about one class's day): a director, the
    CM2 teacher, three families of which two have signed in."""
    school_id, director = await school_with_director(api)
    anonymous = api()
    head = api(director.token)
    teacher = await add_staff(head, anonymous, school_id, "teacher", "Mme Appel", ["CM2"])
    imported = await import_roster(head, school_id, roster(families("CM2", 3)))
    assert imported.status_code == 200, imported.text
    guardians = sorted(imported.json()["guardians"], key=lambda g: g["display_name"])
    parents = []
    for guardian in guardians[:2]:
        token = await activate(anonymous, guardian["activation_code"])
        parents.append(Person(token, guardian["user_id"], guardian["login"], guardian["display_name"]))
    class_id = (await api(teacher.token).get("/api/me")).json()["classes"][0]["id"]
    return Small(school_id, class_id, director, teacher, parents, [g["children"][0] for g in guardians])


@pytest.mark.usefixtures("in_term")
async def test_roll_call_question_answer_day_and_cancel(open_app, server, api, small):
    day = roll_call_day().isoformat()
    # Child 1's family reported the absence; child 0's said nothing.
    reported = await api(small.parents[1].token).post(
        "/api/absences",
        json={"child_id": small.children[1], "start": day, "end": day, "reason": "illness"},
    )
    assert reported.status_code == 201, reported.text

    # The teacher, on a phone: the class list, the reported child marked already.
    path = f"/#/roll-call/{small.class_id}?date={day}&part=morning"
    teacher = await open_app(server, login=small.teacher.login, path=path, view="roll-call")
    pupils = teacher.locator("button.pupil")
    await expect(pupils).to_have_count(3)
    first, second = (teacher.locator(f'button.pupil[data-child="{c}"]') for c in small.children[:2])
    await expect(second).to_have_attribute("aria-pressed", "true")
    await expect(second.locator(".tag.reported")).to_contain_text("maladie")
    await expect(first).to_have_attribute("aria-pressed", "false")
    await first.click()
    await expect(first).to_have_attribute("aria-pressed", "true")
    await expect(teacher.locator(".send-roll-call")).to_contain_text("2 absences")
    await screenshot(teacher, "roll-call")
    await check_a11y(teacher, "roll-call")
    await teacher.locator(".send-roll-call").click()
    await expect(teacher.locator(".roll-call-result")).to_contain_text("Sans nouvelles de la famille")
    await expect(teacher.locator(".roll-call-status")).to_contain_text("Appel déjà fait")
    await screenshot(teacher, "roll-call-sent")

    # The family of child 0 has the school's question: it answers in one tap.
    threads = (await api(small.parents[0].token).get("/api/threads")).json()["threads"]
    (question,) = [t for t in threads if t["kind"] == "absence"]
    assert question["unexplained"] is True
    desk_parent = await open_app(
        server,
        login=small.parents[0].login,
        path=f"/#/threads/{question['id']}",
        view="thread",
        width=1280,
        height=800,
    )
    await expect(desk_parent.locator(".absence-panel [data-answer]")).to_have_count(3)
    await screenshot(desk_parent, "thread-unexplained")
    await check_a11y(desk_parent, "thread-unexplained")
    parent = await open_app(
        server, login=small.parents[0].login, path=f"/#/threads/{question['id']}", view="thread"
    )
    panel = parent.locator(".absence-panel")
    await expect(panel.locator("[data-answer]")).to_have_count(3)
    await screenshot(parent, "thread-unexplained")
    await check_a11y(parent, "thread-unexplained")
    await panel.locator("[data-answer=illness]").click()
    await expect(panel.locator(".status.explained")).to_be_visible()
    await expect(parent.locator("li.message")).to_have_count(2)
    await expect(parent.locator("li.message").last).to_contain_text("ne sera pas en classe")

    # The director's day: both absences, explained now; the roll call taken.
    for width, height in ((360, 740), (1280, 800)):
        director = await open_app(
            server,
            login=small.director.login,
            path=f"/#/day?date={day}",
            view="day",
            width=width,
            height=height,
        )
        await expect(director.locator(".day-summary")).to_contain_text("2 absences")
        await expect(director.locator(".day-roll-calls")).to_contain_text("CM2 (matin)")
        await expect(director.locator(".day-class li.absence")).to_have_count(2)
        await screenshot(director, "day")
        await check_a11y(director, "day")
        assert_no_page_errors(director)

    # Child 1's family cancels its report from the thread ("Annuler l'absence").
    other = await open_app(
        server,
        login=small.parents[1].login,
        path=f"/#/threads/{reported.json()['thread']['id']}",
        view="thread",
        width=1280,
        height=800,
    )
    other.on("dialog", lambda dialog: dialog.accept())
    await other.locator(".cancel-absence").click()
    await expect(other.locator(".absence-panel .status.cancelled")).to_be_visible()
    await expect(other.locator("li.message").last).to_contain_text("Absence annulée", timeout=LIVE_TIMEOUT)
    await screenshot(other, "thread-absence-cancelled")
    await check_a11y(other, "thread-absence-cancelled")
    # The teacher's register: child 1 is now absent without a report (unexplained), live.
    await teacher.goto(server.url + f"/#/register/{small.class_id}?date={day}")
    await wait_view(teacher, "register")
    await expect(teacher.locator("li.absence.unexplained")).to_have_count(1)
    await screenshot(teacher, "register-unexplained")
    await check_a11y(teacher, "register-unexplained")

    # The roll call at desktop size, as it was sent.
    desk = await open_app(
        server, login=small.teacher.login, path=path, view="roll-call", width=1280, height=800
    )
    await expect(desk.locator('button.pupil[aria-pressed="true"]')).to_have_count(2)
    await screenshot(desk, "roll-call")
    await check_a11y(desk, "roll-call")
    for page in (teacher, desk_parent, parent, other, desk):
        assert_no_page_errors(page)
