"""The roll call: absences the other way. A child absent without a report is
unexplained; its family is asked why at once, once, and its answer explains it;
the director sees the school's day, the unexplained first."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from liaison.absences import rules
from liaison.calendar.days import Calendar
from tests.live import Live
from tests.world import roll_call_day, term_today

CALENDAR = Calendar()  # the world's schools keep the default calendar
# In the summer holidays the service's today is the last school day (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("in_term")


def roll_call(day: dt.date, part: str, *children: str) -> dict:
    return {"date": day.isoformat(), "part": part, "absent": list(children)}


async def questions(client, first_name: str, day: dt.date) -> list[dict]:
    """The school's questions about this child's absence that day, in this person's inbox."""
    subject = rules.question_subject(first_name, day)
    return [t for t in (await client.get("/api/threads")).json()["threads"] if t["subject"] == subject]


async def test_an_unexplained_child_and_its_family_answering_in_one_tap(server, api, world):
    a = world.a
    day = roll_call_day()
    sophie = api(a.parents["cp"].token)
    reported = await sophie.post(
        "/api/absences",
        json={"child_id": a.children["Hugo"], "start": day.isoformat(), "end": day.isoformat(),
              "part": "day", "reason": "medical"},
    )  # fmt: skip
    assert reported.status_code == 201, reported.text
    claire_live = await Live.connect(server.url, a.parents["both"].token)
    director_live = await Live.connect(server.url, a.director.token)
    teacher = api(a.teachers["CP"].token)
    path = f"/api/classes/{a.classes['CP']}/roll-call"

    # Léa and Hugo are absent; only Hugo was reported: Léa is unexplained.
    taken = await teacher.post(path, json=roll_call(day, "morning", a.children["Léa"], a.children["Hugo"]))
    assert taken.status_code == 200, taken.text
    assert [c["id"] for c in taken.json()["unexplained"]] == [a.children["Léa"]]
    child = taken.json()["unexplained"][0]
    assert set(child) == {"id", "first_name", "last_name", "display_name", "class_id"}
    assert (child["first_name"], child["class_id"]) == ("Léa", a.classes["CP"])

    # Her family is asked at once: an urgent absence thread, "unexplained".
    asked = await claire_live.until(
        lambda f: f["type"] == "thread.created" and f["data"]["kind"] == "absence"
    )
    question = asked["data"]
    assert (question["unexplained"], question["urgent"], question["child_id"]) == (
        True,
        True,
        a.children["Léa"],
    )
    assert question["author"]["id"] == a.teachers["CP"].user_id
    assert question["subject"] == rules.question_subject("Léa", day)
    first = await claire_live.until(
        lambda f: f["type"] == "message.created" and f["data"]["thread_id"] == question["id"]
    )
    assert "pourquoi" in first["data"]["body"]
    # The director has it in her inbox: it is a flagged one.
    assert (await director_live.until(lambda f: f["type"] == "thread.created"))["data"]["id"] == question[
        "id"
    ]

    # The school's day: Léa unexplained first, then Hugo's report.
    director = api(a.director.token)
    school = (await director.get(f"/api/schools/{a.id}/absences", params={"date": day.isoformat()})).json()
    mine = [x for x in school["absences"] if x["class_id"] == a.classes["CP"]]
    assert [(x["child"]["id"], x["unexplained"]) for x in mine] == [
        (a.children["Léa"], True),
        (a.children["Hugo"], False),
    ]
    lea = mine[0]
    assert (lea["reason"], lea["part"], lea["thread_id"]) == (None, "morning", question["id"])
    assert lea["class"] == {"id": a.classes["CP"], "name": "CP"}
    assert lea["reported_by"]["id"] == a.teachers["CP"].user_id
    assert [c["name"] for c in school["classes"]] == ["CP", "CE1"]
    assert [(r["class_id"], r["part"]) for r in school["roll_calls"]] == [(a.classes["CP"], "morning")]
    register = (
        await teacher.get(f"/api/classes/{a.classes['CP']}/absences", params={"date": day.isoformat()})
    ).json()
    assert {x["child"]["id"]: x["unexplained"] for x in register["absences"]} == {
        a.children["Léa"]: True,
        a.children["Hugo"]: False,
    }

    # Taken again, the same: nobody is asked twice.
    again = await teacher.post(path, json=roll_call(day, "morning", a.children["Hugo"], a.children["Léa"]))
    assert again.json() == taken.json()
    claire = api(a.parents["both"].token)
    assert [t["id"] for t in await questions(claire, "Léa", day)] == [question["id"]]

    # What the thread is about, for the web app's one-tap answers.
    about = (await claire.get(f"/api/threads/{question['id']}/absence")).json()
    assert about == {
        "absence": None,
        "message_seq": None,
        "question": {"date": day.isoformat(), "part": "morning", "explained": False},
    }
    # One tap, "Malade": a report, written in the question's thread, which explains it.
    answer = await claire.post(
        "/api/absences",
        json={"child_id": a.children["Léa"], "start": day.isoformat(), "end": day.isoformat(),
              "part": "morning", "reason": "illness", "client_id": "answer-1"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["thread"]["id"] == question["id"]
    assert answer.json()["absence"]["thread_id"] == question["id"]
    retried = await claire.post(
        "/api/absences",
        json={"child_id": a.children["Léa"], "start": day.isoformat(), "end": day.isoformat(),
              "part": "morning", "reason": "illness", "client_id": "answer-1"},
    )  # fmt: skip
    assert retried.status_code == 201 and retried.json()["absence"]["id"] == answer.json()["absence"]["id"]
    told = await director_live.until(lambda f: f["type"] == "absence.reported")
    assert told["data"]["id"] == answer.json()["absence"]["id"]
    messages = (await teacher.get(f"/api/threads/{question['id']}")).json()["messages"]
    assert [m["author"]["id"] for m in messages] == [a.teachers["CP"].user_id, a.parents["both"].user_id]
    about = (await claire.get(f"/api/threads/{question['id']}/absence")).json()
    assert about["absence"]["reason"] == "illness" and about["message_seq"] == 2
    assert about["question"]["explained"] is True
    school = (await director.get(f"/api/schools/{a.id}/absences", params={"date": day.isoformat()})).json()
    assert [x["unexplained"] for x in school["absences"] if x["class_id"] == a.classes["CP"]] == [
        False,
        False,
    ]
    assert (await teacher.post(path, json=roll_call(day, "morning", a.children["Léa"]))).json() == {
        "unexplained": []
    }

    # Cancelled, the report no longer explains it: unexplained again (nobody asked twice).
    await claire.post(f"/api/absences/{answer.json()['absence']['id']}/cancel")
    register = (
        await teacher.get(f"/api/classes/{a.classes['CP']}/absences", params={"date": day.isoformat()})
    ).json()
    assert [(x["child"]["id"], x["unexplained"]) for x in register["absences"]] == [
        (a.children["Hugo"], False),
        (a.children["Léa"], True),
    ]
    await claire_live.close()
    await director_live.close()


async def test_the_afternoon_joins_the_morning_question_and_a_mistake_is_undone(server, api, world):
    a = world.a
    day = roll_call_day()
    teacher = api(a.teachers["CE1"].token)
    path = f"/api/classes/{a.classes['CE1']}/roll-call"
    marc = api(a.parents["ce1"].token)
    taken = await teacher.post(path, json=roll_call(day, "morning", a.children["Noah"]))
    assert [c["id"] for c in taken.json()["unexplained"]] == [a.children["Noah"]]
    (question,) = await questions(marc, "Noah", day)
    # Still absent in the afternoon: the same question, now about the day.
    taken = await teacher.post(path, json=roll_call(day, "afternoon", a.children["Noah"]))
    assert [c["id"] for c in taken.json()["unexplained"]] == [a.children["Noah"]]
    assert [t["id"] for t in await questions(marc, "Noah", day)] == [question["id"]]
    about = (await marc.get(f"/api/threads/{question['id']}/absence")).json()
    assert about["question"]["part"] == "day"
    register = (
        await teacher.get(f"/api/classes/{a.classes['CE1']}/absences", params={"date": day.isoformat()})
    ).json()
    assert [(x["part"], x["unexplained"]) for x in register["absences"]] == [("day", True)]

    # Inès was marked by mistake, then the roll call taken again without her:
    # her family, asked about her only, is told.
    claire_live = await Live.connect(server.url, a.parents["both"].token)
    await teacher.post(path, json=roll_call(day, "afternoon", a.children["Noah"], a.children["Inès"]))
    asked = await claire_live.until(lambda f: f["type"] == "thread.created")
    await teacher.post(path, json=roll_call(day, "afternoon", a.children["Noah"]))
    told = await claire_live.until(
        lambda f: (
            f["type"] == "message.created"
            and f["data"]["thread_id"] == asked["data"]["id"]
            and f["data"]["seq"] == 2
        )
    )
    assert told["data"]["body"] == rules.back_in_class("Inès")
    register = (
        await teacher.get(f"/api/classes/{a.classes['CE1']}/absences", params={"date": day.isoformat()})
    ).json()
    assert [x["child"]["id"] for x in register["absences"]] == [a.children["Noah"]]
    # Noah's family answers with a report over two days: explained, in the question's thread.
    answer = await marc.post(
        "/api/absences",
        json={"child_id": a.children["Noah"], "start": day.isoformat(),
              "end": (day + dt.timedelta(days=1)).isoformat(), "part": "day", "reason": "family"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["thread"]["id"] == question["id"]
    await claire_live.close()


async def test_two_identical_roll_calls_at_once_ask_once(api, world, db):
    a = world.a
    day = roll_call_day(skip=1)
    teacher = api(a.teachers["CP"].token)
    path = f"/api/classes/{a.classes['CP']}/roll-call"
    answers = await asyncio.gather(
        *(teacher.post(path, json=roll_call(day, "morning", a.children["Hugo"])) for _ in range(3))
    )
    assert [r.status_code for r in answers] == [200, 200, 200], [r.text for r in answers]
    assert all([c["id"] for c in r.json()["unexplained"]] == [a.children["Hugo"]] for r in answers)
    asked = await db.fetchval(
        "SELECT count(*) FROM threads WHERE kind = 'absence' AND child_id = $1::uuid AND subject = $2",
        a.children["Hugo"],
        rules.question_subject("Hugo", day),
    )
    assert asked == 1


async def test_who_takes_the_roll_call_and_when(api, world):
    a, b = world.a, world.b
    day = roll_call_day(skip=2)
    path = f"/api/classes/{a.classes['CP']}/roll-call"
    body = roll_call(day, "afternoon", a.children["Hugo"])
    for token, status in (
        (a.teachers["CE1"].token, 403),
        (a.director.token, 403),
        (world.admin, 403),
        (a.parents["cp"].token, 404),
        (b.teachers["CM1"].token, 404),
        (b.director.token, 404),
    ):
        assert (await api(token).post(path, json=body)).status_code == status, token
    assert (await api().post(path, json=body)).status_code == 401
    teacher = api(a.teachers["CP"].token)
    today = term_today()
    off = next(d for d in (today - dt.timedelta(days=i) for i in range(7)) if not CALENDAR.is_school_day(d))
    for bad, field in (
        (roll_call(today + dt.timedelta(days=1), "afternoon"), "date"),
        (roll_call(today - dt.timedelta(days=40), "afternoon"), "date"),
        (roll_call(off, "afternoon"), "date"),
        (roll_call(day, "afternoon", a.children["Noah"]), "absent"),  # a CE1 pupil
        (roll_call(day, "afternoon", b.children["Jade"]), "absent"),
        (roll_call(day, "afternoon", "pas-un-enfant"), "absent"),
        ({**body, "part": "day"}, "part"),
        ({**body, "date": "lundi"}, "date"),
    ):
        response = await teacher.post(path, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert field in response.json()["error"]["fields"], response.text
    # Nothing was written by the refused ones.
    register = (
        await teacher.get(f"/api/classes/{a.classes['CP']}/absences", params={"date": day.isoformat()})
    ).json()
    assert register["absences"] == []
    # The question's thread is its members': anyone else 404.
    taken = await teacher.post(path, json=body)
    (question,) = await questions(api(a.parents["cp"].token), "Hugo", day)
    assert taken.status_code == 200
    for token, status in (
        (a.parents["cp"].token, 200),
        (a.director.token, 200),
        (a.teachers["CE1"].token, 404),
        (a.parents["ce1"].token, 404),
    ):
        assert (await api(token).get(f"/api/threads/{question['id']}/absence")).status_code == status
