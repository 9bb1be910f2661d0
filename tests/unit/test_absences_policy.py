"""Who reports an absence, reads a class's register and sets the check time
(`liaison/absences/policy.py`), as tables: role × own school / other school."""

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


# (role, school) -> (read the class's register, read and change the school's check time)
SCHOOL_TABLE = [
    ("admin", None, ALLOW, ALLOW),
    ("director", SCHOOL, ALLOW, ALLOW),
    ("teacher", SCHOOL, ALLOW, FORBID),
    ("parent", SCHOOL, HIDE, FORBID),
    ("student", SCHOOL, HIDE, FORBID),
    ("director", OTHER, HIDE, HIDE),
    ("teacher", OTHER, HIDE, HIDE),
    ("parent", OTHER, HIDE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "register", "settings"), SCHOOL_TABLE)
def test_register_and_settings(role, school, register, settings):
    user = person(role, school)
    assert policy.view_register(user, SCHOOL) is register
    assert policy.settings(user, SCHOOL) is settings
