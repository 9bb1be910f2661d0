"""The directory's territory rules as tables: who manages and lists
circonscriptions, schools and RPIs, who sees a school's overview, how a staff
member's or a guardian's known address is matched, and which letters join a
family's account."""

from __future__ import annotations

import uuid

import pytest

from liaison.core.decisions import Decision
from liaison.core.people import Role, User
from liaison.directory import policy
from liaison.directory.policy import KnownGuardian, Scope, StaffMatch

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE
A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()  # schools; A and B in NORD, C in none
NORD, SUD = uuid.uuid4(), uuid.uuid4()


def user(role: Role, *schools: tuple[uuid.UUID, Role], circonscription: uuid.UUID | None = None) -> User:
    first = schools[0][0] if schools else None
    return User(
        uuid.uuid4(), role.value, role, first, role.value, circonscription_id=circonscription, schools=schools
    )


ADMIN = user(Role.ADMIN)
IEN_NORD = user(Role.CIRCONSCRIPTION, circonscription=NORD)
IEN_SUD = user(Role.CIRCONSCRIPTION, circonscription=SUD)
DIRECTOR_A = user(Role.DIRECTOR, (A, Role.DIRECTOR))
TEACHER_A = user(Role.TEACHER, (A, Role.TEACHER))
TEACHER_B_DIRECTOR_C = user(Role.TEACHER, (B, Role.TEACHER), (C, Role.DIRECTOR))
PARENT_A = user(Role.PARENT, (A, Role.PARENT))
PARENT_AB = user(Role.PARENT, (A, Role.PARENT), (B, Role.PARENT))
STUDENT_A = user(Role.STUDENT, (A, Role.STUDENT))


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ADMIN, ALLOW), (IEN_NORD, FORBID), (DIRECTOR_A, FORBID), (TEACHER_A, FORBID), (PARENT_A, FORBID)],
)
def test_only_the_admin_manages_the_territory(who: User, expected: Decision) -> None:
    assert policy.may_manage_territory(who) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (ADMIN, Scope(everything=True)),
        (IEN_NORD, Scope(ids=frozenset({NORD}))),
        (DIRECTOR_A, FORBID),
        (TEACHER_A, FORBID),
        (PARENT_AB, FORBID),
        (STUDENT_A, FORBID),
    ],
)
def test_who_lists_circonscriptions_and_schools(who: User, expected: Scope | Decision) -> None:
    assert policy.circonscriptions_scope(who) == expected


@pytest.mark.parametrize(
    ("who", "school", "school_circonscription", "expected"),
    [
        (ADMIN, A, NORD, ALLOW),
        (ADMIN, C, None, ALLOW),
        (IEN_NORD, A, NORD, ALLOW),
        (IEN_SUD, A, NORD, HIDE),  # another circonscription's school
        (IEN_NORD, C, None, HIDE),  # a school in none
        (DIRECTOR_A, A, NORD, FORBID),  # the school's own staff know it exists
        (TEACHER_A, A, NORD, FORBID),
        (TEACHER_B_DIRECTOR_C, C, None, FORBID),  # directing C, seen from B
        (DIRECTOR_A, B, NORD, HIDE),
        (PARENT_A, A, NORD, HIDE),
        (PARENT_AB, B, NORD, HIDE),
        (STUDENT_A, A, NORD, HIDE),
    ],
)
def test_who_sees_a_schools_overview(
    who: User, school: uuid.UUID, school_circonscription: uuid.UUID | None, expected: Decision
) -> None:
    assert policy.school_overview_decision(who, school, school_circonscription) is expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (ADMIN, Scope(everything=True)),
        (DIRECTOR_A, Scope(ids=frozenset({A}))),
        (
            TEACHER_B_DIRECTOR_C,
            Scope(ids=frozenset({C})),
        ),  # the school they direct, not the one they teach in
        (TEACHER_A, FORBID),
        (IEN_NORD, FORBID),
        (PARENT_AB, FORBID),
    ],
)
def test_who_lists_rpis(who: User, expected: Scope | Decision) -> None:
    assert policy.rpis_scope(who) == expected


def test_a_scope_shows_its_ids_or_everything() -> None:
    assert Scope(everything=True).shows(A) and Scope(ids=frozenset({A})).shows(A)
    assert not Scope(ids=frozenset({A})).shows(B) and not Scope(ids=frozenset({A})).shows(None)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([], StaffMatch.NEW_ACCOUNT),
        (["teacher"], StaffMatch.SAME_ACCOUNT),
        (["director"], StaffMatch.SAME_ACCOUNT),
        (["parent", "teacher"], StaffMatch.SAME_ACCOUNT),  # the staff account, not the family one
        (["parent"], StaffMatch.REFUSED),
        (["student"], StaffMatch.REFUSED),
        (["circonscription"], StaffMatch.REFUSED),
        (["admin"], StaffMatch.REFUSED),
    ],
)
def test_a_staff_members_known_address(roles: list[str], expected: StaffMatch) -> None:
    assert policy.staff_email_match(roles) is expected


CLAIRE = KnownGuardian(uuid.uuid4(), "claire", "martin")
PAUL = KnownGuardian(uuid.uuid4(), "paul", "martin")
CLAIRE_DURAND = KnownGuardian(uuid.uuid4(), "claire", "durand")


@pytest.mark.parametrize(
    ("first", "last", "known", "expected"),
    [
        ("claire", "martin", [], None),
        ("claire", "martin", [CLAIRE], CLAIRE.user_id),
        ("claire", "martin dupont", [CLAIRE], CLAIRE.user_id),  # a married name added: the same person
        ("claire", "martin", [CLAIRE, PAUL], CLAIRE.user_id),  # a couple sharing an address
        ("paul", "martin", [CLAIRE, PAUL], PAUL.user_id),
        ("nadia", "martin", [CLAIRE, PAUL], None),  # an address alone never merges two people
        ("paul", "martin", [CLAIRE], None),
        ("claire", "martin", [CLAIRE, CLAIRE_DURAND], CLAIRE.user_id),
        ("claire", "roux", [CLAIRE, CLAIRE_DURAND], None),  # two Claires, neither surname
    ],
)
def test_a_guardians_known_address(
    first: str, last: str, known: list[KnownGuardian], expected: uuid.UUID | None
) -> None:
    assert policy.guardian_match(first, last, known) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [(PARENT_A, ALLOW), (PARENT_AB, ALLOW), (TEACHER_A, FORBID), (DIRECTOR_A, FORBID), (IEN_NORD, FORBID),
     (ADMIN, FORBID), (STUDENT_A, FORBID)],
)  # fmt: skip
def test_who_joins_a_letter_to_their_account(who: User, expected: Decision) -> None:
    assert policy.link_decision(who) is expected


OTHER = uuid.uuid4()


@pytest.mark.parametrize(
    ("target", "role", "shares", "refused"),
    [
        (OTHER, "parent", False, False),
        (PARENT_A.id, "parent", False, True),  # one's own letter
        (OTHER, "teacher", False, True),
        (OTHER, "director", False, True),
        (OTHER, "student", False, True),
        (OTHER, "circonscription", False, True),
        (OTHER, "parent", True, True),  # a co-parent's letter: theirs to activate
    ],
)
def test_which_letters_join_a_family_account(
    target: uuid.UUID, role: str, shares: bool, refused: bool
) -> None:
    problem = policy.link_problem(PARENT_A, target, role, shares)
    assert (problem is not None) is refused
