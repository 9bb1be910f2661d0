"""Who reports and cancels an absence, reads a class's and the school's register,
takes the roll call and sets the check time (`liaison/absences/policy.py`), as
tables: role × own school / other school."""

from __future__ import annotations

import pytest

from liaison.absences import policy
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

# (role, school, is a guardian of the child) -> report the child's absence
REPORT = [
    ("parent", SCHOOL, True, ALLOW),
    # Another family's child does not exist for a family or a pupil.
    ("parent", SCHOOL, False, HIDE),
    ("parent", OTHER, False, HIDE),
    ("student", SCHOOL, False, HIDE),
    # The school's staff know the child, but only the family declares (403).
    ("director", SCHOOL, False, FORBID),
    ("teacher", SCHOOL, False, FORBID),
    ("director", OTHER, False, HIDE),
    ("teacher", OTHER, False, HIDE),
    # The platform admin reports for no family, and is of no school.
    ("admin", None, False, HIDE),
]


@pytest.mark.parametrize(("role", "school", "guardian", "expected"), REPORT)
def test_report(role, school, guardian, expected):
    assert policy.report(person(role, school), SCHOOL, guardian) is expected


# (role, school, teaches the class) -> (read the class's register, take its roll call,
# cancel a report of one of its children when not a guardian)
CLASS_TABLE = [
    # A reason is health data: the class's teachers and the director.
    ("teacher", SCHOOL, True, ALLOW, ALLOW, FORBID),
    ("director", SCHOOL, False, ALLOW, FORBID, FORBID),
    ("director", SCHOOL, True, ALLOW, ALLOW, FORBID),  # a director who teaches the class
    # Another teacher of the school knows the class, not its register.
    ("teacher", SCHOOL, False, FORBID, FORBID, HIDE),
    ("parent", SCHOOL, False, HIDE, HIDE, HIDE),
    ("student", SCHOOL, False, HIDE, HIDE, HIDE),
    ("director", OTHER, False, HIDE, HIDE, HIDE),
    ("teacher", OTHER, True, HIDE, HIDE, HIDE),
    ("parent", OTHER, False, HIDE, HIDE, HIDE),
    # The platform admin knows every school, and reads no family's data.
    ("admin", None, False, FORBID, FORBID, FORBID),
]


@pytest.mark.parametrize(("role", "school", "teaches", "register", "roll_call", "cancel"), CLASS_TABLE)
def test_register_roll_call_and_cancel(role, school, teaches, register, roll_call, cancel):
    user = person(role, school)
    assert policy.view_register(user, SCHOOL, teaches) is register
    assert policy.roll_call(user, SCHOOL, teaches) is roll_call
    assert policy.cancel(user, SCHOOL, False, teaches) is cancel


def test_the_family_cancels_its_report():
    assert policy.cancel(person("parent", SCHOOL), SCHOOL, True, False) is ALLOW


# (role, school) -> (read the school's register, read and change the school's check time)
SCHOOL_TABLE = [
    ("admin", None, FORBID, ALLOW),
    ("director", SCHOOL, ALLOW, ALLOW),
    ("teacher", SCHOOL, FORBID, FORBID),
    ("parent", SCHOOL, HIDE, FORBID),
    ("student", SCHOOL, HIDE, FORBID),
    ("director", OTHER, HIDE, HIDE),
    ("teacher", OTHER, HIDE, HIDE),
    ("parent", OTHER, HIDE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "register", "settings"), SCHOOL_TABLE)
def test_school_register_and_settings(role, school, register, settings):
    user = person(role, school)
    assert policy.view_school_register(user, SCHOOL) is register
    assert policy.settings(user, SCHOOL) is settings
