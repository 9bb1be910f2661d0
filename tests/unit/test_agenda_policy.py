"""Who reads and writes a class's and the school's agenda, and which sign-up
an event links to (`liaison/agenda/policy.py`), as tables."""

from __future__ import annotations

import pytest

from liaison.agenda.policy import AgendaAction, class_agenda, date_of_thread, link_signup, school_agenda
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

READ, WRITE = AgendaAction.READ, AgendaAction.WRITE

# (role, school, follows the class, teaches it) -> (read its agenda, add an event)
CLASS = [
    ("admin", None, False, False, ALLOW, ALLOW),
    ("director", SCHOOL, True, False, ALLOW, ALLOW),
    ("director", OTHER, False, False, HIDE, HIDE),
    # The school's teachers read every class's agenda; they write in their own.
    ("teacher", SCHOOL, True, True, ALLOW, ALLOW),
    ("teacher", SCHOOL, False, False, ALLOW, FORBID),
    ("teacher", OTHER, False, False, HIDE, HIDE),
    # Families and pupils read their class's, and no other.
    ("parent", SCHOOL, True, False, ALLOW, FORBID),
    ("parent", SCHOOL, False, False, HIDE, HIDE),
    ("parent", OTHER, False, False, HIDE, HIDE),
    ("student", SCHOOL, True, False, ALLOW, FORBID),
    ("student", SCHOOL, False, False, HIDE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "follows", "teaches", "read", "write"), CLASS)
def test_class_agenda(role, school, follows, teaches, read, write):
    user = person(role, school)
    assert class_agenda(user, SCHOOL, follows, teaches, READ) is read
    assert class_agenda(user, SCHOOL, follows, teaches, WRITE) is write


# (role, school) -> (read the school's agenda, add a school event)
SCHOOL_TABLE = [
    ("admin", None, ALLOW, ALLOW),
    ("director", SCHOOL, ALLOW, ALLOW),
    ("teacher", SCHOOL, ALLOW, FORBID),
    ("parent", SCHOOL, ALLOW, FORBID),
    ("student", SCHOOL, ALLOW, FORBID),
    ("director", OTHER, HIDE, HIDE),
    ("teacher", OTHER, HIDE, HIDE),
    ("parent", OTHER, HIDE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "read", "write"), SCHOOL_TABLE)
def test_school_agenda(role, school, read, write):
    user = person(role, school)
    assert school_agenda(user, SCHOOL, READ) is read
    assert school_agenda(user, SCHOOL, WRITE) is write


# (the thread's kind, None when there is none; the author is a member) -> link the event to it
LINKS = [
    ("signup", True, ALLOW),
    ("signup", False, HIDE),
    ("announcement", True, HIDE),
    ("direct", True, HIDE),
    (None, False, HIDE),
]


@pytest.mark.parametrize(("kind", "member", "expected"), LINKS)
def test_link_signup(kind, member, expected):
    assert link_signup(kind, member) is expected


# (the thread's kind, the staff member writes every agenda it reaches) -> put its date there
THREAD_DATES = [
    ("announcement", True, ALLOW),
    ("signup", True, ALLOW),
    ("announcement", False, FORBID),  # a teacher, on a whole-school message or another's class
    ("signup", False, FORBID),
    ("direct", True, FORBID),  # a conversation has no date to share
    ("absence", True, FORBID),
]


@pytest.mark.parametrize(("kind", "writes", "expected"), THREAD_DATES)
def test_date_of_thread(kind, writes, expected):
    assert date_of_thread(kind, writes) is expected
