"""The declared events (`liaison/core/events.py`): the web app knows the same
types (`static/js/events.js`), every type has its payload's shape, the shapes
are those the builders make, and a payload of another shape is refused."""

from __future__ import annotations

import datetime as dt
import re
import typing
import uuid
from pathlib import Path

import pytest

from liaison.absences.service import absence_to_api
from liaison.blog.service import comment_to_api, post_to_api
from liaison.consent.store import child_view
from liaison.core.events import PAYLOADS, EventType, NewEvent, RealisationPage, Slot, check_shape
from liaison.core.people import STAFF_ROLES, Role, User
from liaison.messaging.store import message_to_api, thread_to_api
from liaison.realisations.service import page_to_api
from liaison.signups.store import slot_to_api

STATIC = Path(__file__).resolve().parents[2] / "static"
NOW = dt.datetime(2026, 9, 14, 8, 5, tzinfo=dt.UTC)
TEACHER = User(uuid.uuid4(), "m.martin", Role.TEACHER, uuid.uuid4(), "Mme Martin")


def js_events() -> dict[str, str]:
    source = (STATIC / "js" / "events.js").read_text()
    body = re.search(r"export const EVENT = Object\.freeze\(\{(.*?)\}\);", source, re.S)
    assert body, "static/js/events.js exports EVENT = Object.freeze({...})"
    return dict(re.findall(r'^\s*([A-Z_]+):\s*"([^"]+)",?\s*$', body.group(1), re.M))


def test_the_web_app_knows_every_event_type_and_no_other() -> None:
    events = js_events()
    assert set(events.values()) == {t.value for t in EventType}
    assert events == {t.name: t.value for t in EventType}


def test_the_web_app_listens_with_the_constants_only() -> None:
    literals = re.compile("|".join(re.escape(f'"{t.value}"') for t in EventType))
    for path in (STATIC / "js").rglob("*.js"):
        if path.name != "events.js":
            assert not literals.search(path.read_text()), f"{path.name}: use EVENT.X from events.js"


def test_every_event_type_has_its_payload_shape() -> None:
    assert set(PAYLOADS) == set(EventType)
    for type_, shape in PAYLOADS.items():
        assert typing.is_typeddict(shape), type_
        assert shape.__required_keys__, type_


def test_optional_keys_are_declared_as_such() -> None:
    # Without `from __future__ import annotations` in events.py: NotRequired is seen on 3.11.
    assert PAYLOADS[EventType.ACK_CREATED].__optional_keys__ == {"on_paper"}
    assert PAYLOADS[EventType.SIGNUP_UPDATED].__optional_keys__ == {"signup", "withdrawn", "promoted"}


def test_the_web_apps_staff_are_the_servers() -> None:
    source = (STATIC / "js" / "app.js").read_text()
    found = re.search(r"export const STAFF_ROLES = Object\.freeze\(\[([^\]]*)\]\);", source)
    assert found, "static/js/app.js exports STAFF_ROLES"
    assert set(re.findall(r'"([a-z]+)"', found.group(1))) == {r.value for r in STAFF_ROLES}
    assert Role.ADMIN not in STAFF_ROLES
    assert f'export const CIRCONSCRIPTION_ROLE = "{Role.CIRCONSCRIPTION.value}";' in source


# -- check_shape ----------------------------------------------------------------------

RECEIPT = {
    "thread_id": str(uuid.uuid4()),
    "user_id": str(uuid.uuid4()),
    "display_name": "Mme Martin",
    "is_staff": True,
    "read_seq": 3,
    "read_at": "2026-09-14T08:05:00+00:00",
}


def test_a_payload_of_its_shape_is_accepted() -> None:
    check_shape(EventType.RECEIPT_UPDATED, RECEIPT)
    event = NewEvent(EventType.RECEIPT_UPDATED, RECEIPT, [uuid.uuid4()])
    assert event.type == "receipt.updated"


def test_a_missing_key_is_refused() -> None:
    data = {k: v for k, v in RECEIPT.items() if k != "read_seq"}
    with pytest.raises(ValueError, match=r"receipt\.updated: missing \['read_seq'\]"):
        check_shape(EventType.RECEIPT_UPDATED, data)
    with pytest.raises(ValueError):
        NewEvent(EventType.RECEIPT_UPDATED, data, [])


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown \['seq'\]"):
        check_shape(EventType.RECEIPT_UPDATED, {**RECEIPT, "seq": 3})


def test_a_payload_of_another_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"post\.deleted: missing \['class_id'\], unknown \['post_id'\]"):
        NewEvent(EventType.POST_DELETED, {"id": "p", "post_id": "p"}, [])


def test_optional_keys_may_be_given_or_not() -> None:
    ack = {
        "thread_id": "t",
        "child_ids": ["c"],
        "user_id": "u",
        "display_name": "M. Durand",
        "acked_at": None,
    }
    check_shape(EventType.ACK_CREATED, ack)
    check_shape(EventType.ACK_CREATED, {**ack, "on_paper": True})
    slots = {"thread_id": "t", "slots": []}
    check_shape(EventType.SIGNUP_UPDATED, slots)
    check_shape(EventType.SIGNUP_UPDATED, {**slots, "withdrawn": "s", "promoted": {}})
    with pytest.raises(ValueError, match=r"unknown \['moved'\]"):
        check_shape(EventType.SIGNUP_UPDATED, {**slots, "moved": "s"})


def test_a_type_given_as_its_string_is_checked_too() -> None:
    with pytest.raises(ValueError):
        NewEvent("comment.removed", {"id": "c"}, [])  # type: ignore[arg-type]


def test_a_type_that_is_not_declared_is_not_checked() -> None:
    # The event log's own tests write synthetic events; services write EventTypes only.
    NewEvent("test.event", {"n": 1}, [])  # type: ignore[arg-type]


# -- the builders make the declared shapes ----------------------------------------------


def thread_row() -> dict[str, typing.Any]:
    return {
        "id": uuid.uuid4(), "school_id": TEACHER.school_id, "kind": "announcement", "subject": "Sortie",
        "child_id": None, "class_ids": [uuid.uuid4()], "whole_school": False, "author_id": TEACHER.id,
        "reply_to_thread_id": None, "require_ack": True, "urgent": False, "created_at": NOW,
        "last_activity_at": NOW, "last_seq": 1, "closed_at": None,
    }  # fmt: skip


def message_row(**changes: typing.Any) -> dict[str, typing.Any]:
    row = {
        "id": uuid.uuid4(), "thread_id": uuid.uuid4(), "seq": 1, "author_id": TEACHER.id, "body": "Bonjour",
        "created_at": NOW, "client_id": None, "recalled_at": None, "edited_at": None,
    }  # fmt: skip
    return row | changes


def test_the_api_objects_carried_by_events_have_their_declared_shape() -> None:
    post = {
        "id": uuid.uuid4(), "class_id": uuid.uuid4(), "author_id": TEACHER.id, "title": "La mare",
        "body": "Des têtards", "status": "published", "review_comment": None, "created_at": NOW,
        "updated_at": NOW, "published_at": NOW,
    }  # fmt: skip
    comment = {"id": uuid.uuid4(), "post_id": post["id"], "body": "Merci", "created_at": NOW}
    absence = {
        "id": uuid.uuid4(), "child_id": uuid.uuid4(), "class_id": uuid.uuid4(),
        "start_date": NOW.date(), "end_date": NOW.date(), "part": "day", "reason": "illness", "note": "",
        "reported_at": NOW, "thread_id": uuid.uuid4(), "cancelled_at": None,
    }  # fmt: skip
    child = {"id": uuid.uuid4(), "first_name": "Léa", "last_name": "Durand"}
    decision = {
        "user_id": uuid.uuid4(), "display_name": "M. Durand", "granted": True, "decided_at": NOW,
        "on_paper": False,
    }  # fmt: skip
    page = {
        "id": uuid.uuid4(), "kind": "child", "child_id": child["id"], "class_id": uuid.uuid4(),
        "title": "Mon herbier", "body": "", "created_at": NOW,
    }  # fmt: skip
    slot = {"id": uuid.uuid4(), "label": "Lundi 17 h", "capacity": 2, "confirmed": 1, "waitlisted": 0}
    built = {
        EventType.THREAD_CREATED: thread_to_api(thread_row(), TEACHER, None),
        EventType.MESSAGE_CREATED: message_to_api(message_row(), TEACHER),
        EventType.MESSAGE_UPDATED: message_to_api(message_row(edited_at=NOW), TEACHER),
        EventType.MESSAGE_RECALLED: message_to_api(message_row(recalled_at=NOW), TEACHER),
        EventType.ABSENCE_REPORTED: absence_to_api(absence, "Léa Durand", TEACHER, None),
        EventType.CONSENT_UPDATED: child_view(child, [decision]),
        EventType.POST_PUBLISHED: post_to_api(post, TEACHER, [], 0),
        EventType.COMMENT_CREATED: comment_to_api(comment, TEACHER),
        EventType.REALISATION_CREATED: {"page": page_to_api(page, TEACHER, [])},
        EventType.SIGNUP_UPDATED: {
            "thread_id": "t",
            "slots": [slot_to_api(slot | {"closes_at": None}, None)],
        },
    }
    for type_, data in built.items():
        check_shape(type_, data)
    # Inside: a cahier page goes without its photos (they depend on who looks).
    assert set(page_to_api(page, TEACHER, [])) - {"media"} == RealisationPage.__required_keys__
    assert set(slot_to_api(slot | {"closes_at": None}, None)) == Slot.__required_keys__
