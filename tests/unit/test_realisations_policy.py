"""The rules of the cahier de réalisations (`liaison/realisations/policy.py`) as tables
(which photos each reader is shown: `test_consent_policy.py`).

ALLOW, FORBID (403: you know it exists but may not) or HIDE (404: you may not
even know it exists), for every role and every tie the routes gather.
"""

from __future__ import annotations

import pytest

from liaison.core.errors import ApiError
from liaison.realisations.policy import (
    Action,
    PageFacts,
    Ties,
    cahier_decision,
    class_page_decision,
    enforce,
    page_decision,
    page_kind,
)
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

NONE = Ties(SCHOOL)
GUARDIAN, TEACHER, PUPIL = Ties(SCHOOL, guardian=True), Ties(SCHOOL, teacher=True), Ties(SCHOOL, pupil=True)

# -- a child's cahier: read it, add a page ----------------------------------------------

# (role, the user's school, ties to the child) -> decision, the same for READ and ADD_PAGE.
CAHIER = [
    # The child's guardians, its class's teachers, the director, the child's own account.
    ("parent", SCHOOL, GUARDIAN, ALLOW),
    ("teacher", SCHOOL, TEACHER, ALLOW),
    ("director", SCHOOL, NONE, ALLOW),
    ("student", SCHOOL, PUPIL, ALLOW),
    # Another family (same class or not), another class's teacher, another pupil: not even known.
    ("parent", SCHOOL, NONE, HIDE),
    ("teacher", SCHOOL, NONE, HIDE),
    ("student", SCHOOL, NONE, HIDE),
    # A tie of the wrong kind for the role gives nothing (facts are checked against the role).
    ("parent", SCHOOL, TEACHER, HIDE),
    ("parent", SCHOOL, PUPIL, HIDE),
    ("teacher", SCHOOL, GUARDIAN, HIDE),
    ("student", SCHOOL, GUARDIAN, HIDE),
    # Another school: nobody there sees it, whatever the (impossible) ties.
    ("director", OTHER, NONE, HIDE),
    ("teacher", OTHER, TEACHER, HIDE),
    ("parent", OTHER, GUARDIAN, HIDE),
    ("student", OTHER, PUPIL, HIDE),
    # The platform admin does not browse children's cahiers.
    ("admin", None, NONE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "ties", "expected"), CAHIER)
@pytest.mark.parametrize("action", [Action.READ, Action.ADD_PAGE])
def test_cahier(role, school, ties, expected, action):
    assert cahier_decision(person(role, school), ties, action) is expected


def test_cahier_refuses_page_actions():
    with pytest.raises(ValueError):
        cahier_decision(person("director"), NONE, Action.DELETE)


@pytest.mark.parametrize(
    ("role", "kind"),
    [("parent", "family"), ("teacher", "child"), ("director", "child"), ("student", "child")],
)
def test_page_kind(role, kind):
    assert page_kind(person(role)) == kind


# -- a class page ----------------------------------------------------------------------

# (role, the user's school, ties to the class) -> decision.
CLASS_PAGE = [
    ("teacher", SCHOOL, TEACHER, ALLOW),
    ("director", SCHOOL, NONE, ALLOW),
    # The school's other teachers know the class; its families and pupils too.
    ("teacher", SCHOOL, NONE, FORBID),
    ("parent", SCHOOL, GUARDIAN, FORBID),
    ("student", SCHOOL, PUPIL, FORBID),
    # The families and pupils of other classes: not known.
    ("parent", SCHOOL, NONE, HIDE),
    ("student", SCHOOL, NONE, HIDE),
    ("director", OTHER, NONE, HIDE),
    ("teacher", OTHER, TEACHER, HIDE),
    ("parent", OTHER, GUARDIAN, HIDE),
    ("admin", None, NONE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "ties", "expected"), CLASS_PAGE)
def test_class_page(role, school, ties, expected):
    assert class_page_decision(person(role, school), ties) is expected


# -- one page: read, delete ------------------------------------------------------------

# (role, the user's school, ties to the page's child (its class for a class page), is the
# author) -> (READ, DELETE).
PAGE = [
    # The author of the page deletes it: a teacher, a guardian (a family page), the pupil.
    ("teacher", SCHOOL, TEACHER, True, ALLOW, ALLOW),
    ("parent", SCHOOL, GUARDIAN, True, ALLOW, ALLOW),
    ("student", SCHOOL, PUPIL, True, ALLOW, ALLOW),
    # The class's teachers and the director delete any page of it (a family page too).
    ("teacher", SCHOOL, TEACHER, False, ALLOW, ALLOW),
    ("director", SCHOOL, NONE, False, ALLOW, ALLOW),
    # The other guardian, the pupil: read it, may not delete what they did not write.
    ("parent", SCHOOL, GUARDIAN, False, ALLOW, FORBID),
    ("student", SCHOOL, PUPIL, False, ALLOW, FORBID),
    # Outside the audience: not known, even to the author who lost the tie.
    ("parent", SCHOOL, NONE, False, HIDE, HIDE),
    ("parent", SCHOOL, NONE, True, HIDE, HIDE),
    ("teacher", SCHOOL, NONE, False, HIDE, HIDE),
    ("student", SCHOOL, NONE, False, HIDE, HIDE),
    ("director", OTHER, NONE, False, HIDE, HIDE),
    ("parent", OTHER, GUARDIAN, False, HIDE, HIDE),
    ("admin", None, NONE, False, HIDE, HIDE),
]


@pytest.mark.parametrize(("role", "school", "ties", "author", "read", "delete"), PAGE)
@pytest.mark.parametrize("kind", ["child", "family", "class"])
def test_page(role, school, ties, author, read, delete, kind):
    user = person(role, school)
    facts = PageFacts(kind, ties, author)
    assert page_decision(user, facts, Action.READ) is read
    assert page_decision(user, facts, Action.DELETE) is delete


def test_page_refuses_cahier_actions():
    with pytest.raises(ValueError):
        page_decision(person("director"), PageFacts("child", NONE, False), Action.ADD_PAGE)


@pytest.mark.parametrize(("decision", "status"), [(HIDE, 404), (FORBID, 403)])
def test_enforce(decision, status):
    with pytest.raises(ApiError) as raised:
        enforce(decision)
    assert raised.value.status == status
    enforce(ALLOW)
