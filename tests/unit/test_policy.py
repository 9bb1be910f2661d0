"""The directory rules as a table: role × own school / other school."""

import pytest

from liaison.directory.policy import (
    ClassAction,
    SchoolAction,
    child_account_decision,
    class_decision,
    may_create_school,
    school_decision,
)
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person


@pytest.mark.parametrize(
    ("role", "school", "expected"),
    [
        ("admin", SCHOOL, ALLOW),
        ("director", SCHOOL, ALLOW),
        ("director", OTHER, HIDE),
        ("teacher", SCHOOL, FORBID),
        ("teacher", OTHER, HIDE),
        ("parent", SCHOOL, FORBID),
        ("parent", OTHER, HIDE),
        ("student", SCHOOL, FORBID),
    ],
)
@pytest.mark.parametrize("action", list(SchoolAction))
def test_school_actions(role, school, expected, action):
    assert school_decision(person(role, school), SCHOOL, action) is expected


@pytest.mark.parametrize(
    ("role", "school", "expected"),
    [
        ("admin", SCHOOL, ALLOW),
        ("director", SCHOOL, ALLOW),
        ("teacher", SCHOOL, ALLOW),
        ("teacher", OTHER, HIDE),
        ("director", OTHER, HIDE),
        ("parent", SCHOOL, HIDE),
        ("student", SCHOOL, HIDE),
        ("parent", OTHER, HIDE),
    ],
)
def test_class_members(role, school, expected):
    assert class_decision(person(role, school), SCHOOL, ClassAction.VIEW_MEMBERS) is expected


@pytest.mark.parametrize(
    ("role", "school", "teaches", "expected"),
    [
        ("admin", SCHOOL, False, ALLOW),
        ("director", SCHOOL, False, ALLOW),
        ("teacher", SCHOOL, True, ALLOW),
        ("teacher", SCHOOL, False, FORBID),
        ("teacher", OTHER, True, HIDE),
        ("parent", SCHOOL, False, HIDE),
        ("student", SCHOOL, False, HIDE),
    ],
)
def test_pupil_account(role, school, teaches, expected):
    assert child_account_decision(person(role, school), SCHOOL, teaches) is expected


def test_only_the_admin_creates_schools():
    assert may_create_school(person("admin")) is ALLOW
    for role in ("director", "teacher", "parent", "student"):
        assert may_create_school(person(role)) is FORBID
