"""Who reads the adoption figures (`liaison/stats/policy.py`): a director their
school's, a circonscription's team theirs and its schools', the admin all;
anyone else 403, a school or circonscription not theirs 404."""

from __future__ import annotations

import uuid

import pytest

from liaison.core.people import Role, User
from liaison.stats.policy import ScopeFacts, ScopeKind, default_scope, view
from tests.unit.roles import (
    ALLOW,
    CIRCONSCRIPTION,
    FORBID,
    HIDE,
    OTHER,
    SCHOOL,
    THIRD,
    circonscription,
    in_two_schools,
    person,
)

ELSEWHERE = uuid.uuid4()  # another circonscription

PLATFORM = ScopeFacts(ScopeKind.PLATFORM)
MY_CIRCO = ScopeFacts(ScopeKind.CIRCONSCRIPTION, CIRCONSCRIPTION, True, CIRCONSCRIPTION)
OTHER_CIRCO = ScopeFacts(ScopeKind.CIRCONSCRIPTION, ELSEWHERE, True, ELSEWHERE)
NO_CIRCO = ScopeFacts(ScopeKind.CIRCONSCRIPTION, uuid.uuid4(), exists=False)
MY_SCHOOL = ScopeFacts(ScopeKind.SCHOOL, SCHOOL, True, CIRCONSCRIPTION)
OTHER_SCHOOL_SAME_CIRCO = ScopeFacts(ScopeKind.SCHOOL, OTHER, True, CIRCONSCRIPTION)
SCHOOL_ELSEWHERE = ScopeFacts(ScopeKind.SCHOOL, THIRD, True, ELSEWHERE)
SCHOOL_UNATTACHED = ScopeFacts(ScopeKind.SCHOOL, THIRD, True, None)
NO_SCHOOL = ScopeFacts(ScopeKind.SCHOOL, uuid.uuid4(), exists=False)

SCOPES = {
    "platform": PLATFORM,
    "my circonscription": MY_CIRCO,
    "other circonscription": OTHER_CIRCO,
    "unknown circonscription": NO_CIRCO,
    "my school": MY_SCHOOL,
    "other school, same circonscription": OTHER_SCHOOL_SAME_CIRCO,
    "school elsewhere": SCHOOL_ELSEWHERE,
    "school in no circonscription": SCHOOL_UNATTACHED,
    "unknown school": NO_SCHOOL,
}
ORDER = list(SCOPES)


def _row(*decisions: object) -> dict[str, object]:
    return dict(zip(ORDER, decisions, strict=True))


# who -> the decision for each scope, in the order of SCOPES.
TABLE: dict[str, tuple[User, dict[str, object]]] = {
    "admin": (person("admin"), _row(ALLOW, ALLOW, ALLOW, HIDE, ALLOW, ALLOW, ALLOW, ALLOW, HIDE)),
    "circonscription": (circonscription(), _row(FORBID, ALLOW, HIDE, HIDE, ALLOW, ALLOW, HIDE, HIDE, HIDE)),
    "director": (person("director"), _row(FORBID, HIDE, HIDE, HIDE, ALLOW, HIDE, HIDE, HIDE, HIDE)),
    "director here, teacher there": (
        in_two_schools((SCHOOL, Role.DIRECTOR), (OTHER, Role.TEACHER)),
        _row(FORBID, HIDE, HIDE, HIDE, ALLOW, HIDE, HIDE, HIDE, HIDE),
    ),
    "teacher here, director there": (
        in_two_schools((SCHOOL, Role.TEACHER), (OTHER, Role.DIRECTOR)),
        _row(FORBID, HIDE, HIDE, HIDE, HIDE, ALLOW, HIDE, HIDE, HIDE),
    ),
    "teacher": (person("teacher"), _row(*[FORBID] * 9)),
    "parent": (person("parent"), _row(*[FORBID] * 9)),
    "student": (person("student"), _row(*[FORBID] * 9)),
}


@pytest.mark.parametrize("who", list(TABLE))
@pytest.mark.parametrize("scope", ORDER)
def test_who_reads_which_figures(who: str, scope: str) -> None:
    user, expected = TABLE[who]
    assert view(user, SCOPES[scope]) is expected[scope]


def test_the_scope_of_a_request_that_names_none() -> None:
    assert default_scope(person("admin")) == (ScopeKind.PLATFORM, None)
    assert default_scope(circonscription()) == (ScopeKind.CIRCONSCRIPTION, CIRCONSCRIPTION)
    assert default_scope(person("director")) == (ScopeKind.SCHOOL, SCHOOL)
    # The school they direct, not the first they belong to.
    assert default_scope(in_two_schools((SCHOOL, Role.TEACHER), (OTHER, Role.DIRECTOR))) == (
        ScopeKind.SCHOOL,
        OTHER,
    )
    assert default_scope(person("parent")) == (ScopeKind.PLATFORM, None)  # which view() refuses
