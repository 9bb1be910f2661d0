"""The messaging rules of `liaison/messaging/policy.py` as tables.

ALLOW, FORBID (403: you know it exists but may not) or HIDE (404: you may
not even know it exists), for every role and every fact the routes gather.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from liaison.core.errors import ApiError
from liaison.core.people import Role, User
from liaison.messaging.policy import (
    ThreadAction,
    ThreadFacts,
    change_message,
    enforce,
    for_my_children,
    start_announcement,
    start_direct,
    start_rpi_announcement,
    start_staff_announcement,
    thread_decision,
    writes_to_families,
    writes_to_staff,
)
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

CP, CE1, CM2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ROLES = ("admin", "circonscription", "director", "teacher", "parent", "student")


# -- starting a direct thread ------------------------------------------------------------

# (role, the user's school, is a guardian of the child, teaches the child's class) -> decision;
# the child is always of SCHOOL.
START_DIRECT = [
    # A parent: their own child, or nothing (another family's child does not exist for them).
    ("parent", SCHOOL, True, False, ALLOW),
    ("parent", SCHOOL, False, False, HIDE),
    ("parent", OTHER, False, False, HIDE),
    # A teacher: a child of their class; another class of the school; another school.
    ("teacher", SCHOOL, False, True, ALLOW),
    ("teacher", SCHOOL, False, False, FORBID),
    ("teacher", OTHER, False, False, HIDE),
    # The director: any child of the school.
    ("director", SCHOOL, False, False, ALLOW),
    ("director", OTHER, False, False, HIDE),
    # A pupil does not message, even about themselves.
    ("student", SCHOOL, False, False, FORBID),
    ("student", OTHER, False, False, HIDE),
    # The platform admin sees every school (the directory shows it all) but writes to no family.
    ("admin", None, False, False, FORBID),
    # The circonscription's team never sees a family's thread, nor a child.
    ("circonscription", None, False, False, HIDE),
]


@pytest.mark.parametrize(("role", "school", "guardian", "teaches", "expected"), START_DIRECT)
def test_start_direct(role, school, guardian, teaches, expected):
    assert start_direct(person(role, school), SCHOOL, guardian, teaches) is expected


@pytest.mark.parametrize("role", ROLES)
def test_start_direct_across_schools_is_never_allowed(role):
    """Whatever the other facts say, nobody writes about a child of another school."""
    for guardian, teaches in itertools.product((False, True), repeat=2):
        if role == "parent" and guardian:
            continue  # a guardian's child is in the guardian's school by construction
        decision = start_direct(person(role, OTHER), SCHOOL, guardian, teaches)
        assert decision is not ALLOW, (role, guardian, teaches)


# -- starting an announcement -----------------------------------------------------------------

# (role, whole school, classes taught, audience classes) -> decision
START_ANNOUNCEMENT = [
    ("director", True, set(), [], ALLOW),
    ("director", False, set(), [CP], ALLOW),
    ("director", False, set(), [CP, CE1, CM2], ALLOW),
    ("teacher", False, {CP}, [CP], ALLOW),
    ("teacher", False, {CP, CE1}, [CP, CE1], ALLOW),
    ("teacher", False, {CP, CE1}, [CE1], ALLOW),
    ("teacher", False, {CP}, [CE1], FORBID),
    ("teacher", False, {CP}, [CP, CE1], FORBID),
    ("teacher", True, {CP}, [CP, CE1], FORBID),
    ("teacher", True, {CP, CE1, CM2}, [CP, CE1, CM2], FORBID),  # teaching every class is not the school
    ("teacher", False, set(), [CP], FORBID),
    ("parent", False, set(), [CP], FORBID),
    ("parent", True, set(), [CP, CE1], FORBID),
    ("student", False, set(), [CP], FORBID),
    ("student", True, set(), [CP, CE1], FORBID),
    ("admin", True, set(), [CP, CE1], FORBID),
    ("admin", False, set(), [CP], FORBID),
    ("circonscription", True, set(), [CP, CE1], FORBID),
    ("circonscription", False, set(), [CP], FORBID),
]


@pytest.mark.parametrize(("role", "whole", "taught", "audience", "expected"), START_ANNOUNCEMENT)
def test_start_announcement(role, whole, taught, audience, expected):
    assert start_announcement(person(role), whole, taught, audience) is expected


# -- inside a thread ------------------------------------------------------------------------------

NONE, FAMILY, STAFF = "non-member", "member", "staff member"
FACTS = {NONE: (False, False), FAMILY: (True, False), STAFF: (True, True)}
ACTIONS = (
    ThreadAction.READ,
    ThreadAction.POST,
    ThreadAction.REPLY_PRIVATELY,
    ThreadAction.ACK,
    ThreadAction.RECEIPTS,
)
A, F, H = ALLOW, FORBID, HIDE

# (role, membership, kind) -> decisions for READ, POST, REPLY_PRIVATELY, ACK, RECEIPTS.
# Some rows cannot happen (a teacher or director is always a staff member of
# the threads they are in, a parent never is, the admin is in no thread): they
# pin what the facts alone decide.
THREAD = {
    # Not in the thread: it does not exist, whoever you are.
    **{(role, NONE, kind): (H, H, H, H, H) for role in ROLES for kind in ("direct", "announcement")},
    # A guardian. In a direct thread: talk; signing is allowed (the service then
    # says 409, nothing to sign); no receipts. In an announcement: read,
    # answer privately, sign; never post into it.
    ("parent", FAMILY, "direct"): (A, A, F, A, F),
    ("parent", FAMILY, "announcement"): (A, F, A, A, F),
    ("parent", STAFF, "direct"): (A, A, F, F, A),
    ("parent", STAFF, "announcement"): (A, A, A, F, A),
    # The staff of the thread: talk, follow the receipts; never sign, never answer "privately".
    ("teacher", STAFF, "direct"): (A, A, F, F, A),
    ("teacher", STAFF, "announcement"): (A, A, F, F, A),
    ("director", STAFF, "direct"): (A, A, F, F, A),
    ("director", STAFF, "announcement"): (A, A, F, F, A),
    ("teacher", FAMILY, "direct"): (A, A, F, F, F),
    ("teacher", FAMILY, "announcement"): (A, F, F, F, F),
    ("director", FAMILY, "direct"): (A, A, F, F, F),
    ("director", FAMILY, "announcement"): (A, F, F, F, F),
    # A pupil reads, and does nothing else.
    ("student", FAMILY, "direct"): (A, F, F, F, F),
    ("student", FAMILY, "announcement"): (A, F, F, F, F),
    ("student", STAFF, "direct"): (A, F, F, F, F),
    ("student", STAFF, "announcement"): (A, F, F, F, F),
    ("admin", FAMILY, "direct"): (A, A, F, F, F),
    ("admin", FAMILY, "announcement"): (A, F, F, F, F),
    ("admin", STAFF, "direct"): (A, A, F, F, A),
    ("admin", STAFF, "announcement"): (A, A, F, F, A),
    # The circonscription's team is in no school's thread to families: were it
    # there, it could read and nothing else.
    ("circonscription", FAMILY, "direct"): (A, F, F, F, F),
    ("circonscription", FAMILY, "announcement"): (A, F, F, F, F),
    ("circonscription", STAFF, "direct"): (A, F, F, F, F),
    ("circonscription", STAFF, "announcement"): (A, F, F, F, F),
}

CELLS = [
    (role, membership, kind, action, THREAD[(role, membership, kind)][i])
    for (role, membership, kind) in THREAD
    for i, action in enumerate(ACTIONS)
]


def test_the_thread_table_is_complete():
    assert set(ACTIONS) | {ThreadAction.SIGN_UP, ThreadAction.FOLLOW_UP, ThreadAction.CLOSE} == set(
        ThreadAction
    )
    assert set(THREAD) == set(itertools.product(ROLES, FACTS, ("direct", "announcement")))


@pytest.mark.parametrize(("role", "membership", "kind", "action", "expected"), CELLS)
def test_thread_decision(role, membership, kind, action, expected):
    is_member, is_staff = FACTS[membership]
    facts = ThreadFacts(kind=kind, is_member=is_member, is_staff_member=is_staff)
    assert thread_decision(person(role), facts, action) is expected


@pytest.mark.parametrize(("kind", "like"), [("signup", "announcement"), ("absence", "direct")])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("membership", list(FACTS))
@pytest.mark.parametrize("action", ACTIONS)
def test_other_kinds_follow_their_family(kind, like, role, membership, action):
    """A sign-up is an announcement with slots; an absence is a direct thread."""
    is_member, is_staff = FACTS[membership]
    user = person(role)
    decided = thread_decision(user, ThreadFacts(kind, is_member, is_staff), action)
    assert decided is thread_decision(user, ThreadFacts(like, is_member, is_staff), action)


@pytest.mark.parametrize(
    ("role", "membership", "kind", "expected"),
    [
        ("parent", FAMILY, "signup", ALLOW),
        ("parent", FAMILY, "announcement", FORBID),  # no slots to sign up for
        ("parent", FAMILY, "direct", FORBID),
        ("parent", NONE, "signup", HIDE),
        ("teacher", STAFF, "signup", FORBID),  # the staff organise, families volunteer
        ("director", STAFF, "signup", FORBID),
        ("student", FAMILY, "signup", FORBID),
    ],
)
def test_who_signs_up(role, membership, kind, expected):
    is_member, is_staff = FACTS[membership]
    decided = thread_decision(person(role), ThreadFacts(kind, is_member, is_staff), ThreadAction.SIGN_UP)
    assert decided is expected


# The board: its author and its staff read the receipts and the paper slips; only
# the staff act on them (remind the families, note a signed paper slip).
BOARD = [
    # (role, membership, kind, is the author) -> RECEIPTS, FOLLOW_UP
    ("parent", FAMILY, "direct", True, A, F),  # a family that wrote sees who of it read
    ("parent", FAMILY, "direct", False, F, F),
    ("parent", FAMILY, "announcement", False, F, F),
    ("parent", NONE, "direct", True, H, H),  # left the thread: it does not exist any more
    ("teacher", STAFF, "announcement", True, A, A),
    ("teacher", STAFF, "announcement", False, A, A),
    ("director", STAFF, "direct", False, A, A),
    ("teacher", FAMILY, "announcement", False, F, F),
    ("student", FAMILY, "direct", True, F, F),  # a pupil does nothing but read
]


@pytest.mark.parametrize(("role", "membership", "kind", "author", "receipts", "follow_up"), BOARD)
def test_who_follows_the_board(role, membership, kind, author, receipts, follow_up):
    is_member, is_staff = FACTS[membership]
    facts = ThreadFacts(kind, is_member, is_staff, is_author=author)
    assert thread_decision(person(role), facts, ThreadAction.RECEIPTS) is receipts
    assert thread_decision(person(role), facts, ThreadAction.FOLLOW_UP) is follow_up


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("membership", list(FACTS))
@pytest.mark.parametrize("kind", ["direct", "announcement"])
def test_following_up_is_the_staffs_whatever_the_authorship(role, membership, kind):
    """Remind and note paper slips: decided like the receipts of a thread one did not write."""
    is_member, is_staff = FACTS[membership]
    for author in (False, True):
        facts = ThreadFacts(kind, is_member, is_staff, is_author=author)
        follow_up = thread_decision(person(role), facts, ThreadAction.FOLLOW_UP)
        assert follow_up is THREAD[(role, membership, kind)][ACTIONS.index(ThreadAction.RECEIPTS)]


# Closing a conversation to new messages, and reopening it: the director of the
# thread's school, whatever the kind; a member who is not 403; a non-member 404.
CLOSE = [
    # (role, the user's school, membership) -> decision; the thread is of SCHOOL.
    ("director", SCHOOL, STAFF, ALLOW),
    ("director", SCHOOL, FAMILY, ALLOW),  # cannot happen (a director is staff); the role decides
    ("director", SCHOOL, NONE, HIDE),  # a conversation they are not in does not exist for them
    ("director", OTHER, STAFF, FORBID),  # cannot happen (nobody is in another school's thread)
    ("director", OTHER, NONE, HIDE),  # another school's director
    ("teacher", SCHOOL, STAFF, FORBID),
    ("teacher", SCHOOL, NONE, HIDE),
    ("parent", SCHOOL, FAMILY, FORBID),
    ("parent", OTHER, NONE, HIDE),
    ("student", SCHOOL, FAMILY, FORBID),
    ("admin", None, NONE, HIDE),  # the admin is in no family's conversation
    ("admin", None, STAFF, FORBID),
    ("circonscription", None, NONE, HIDE),
    ("circonscription", None, STAFF, FORBID),
]


@pytest.mark.parametrize(("role", "school", "membership", "expected"), CLOSE)
@pytest.mark.parametrize("kind", ["direct", "announcement", "signup", "absence"])
def test_who_closes_a_conversation(role, school, membership, expected, kind):
    is_member, is_staff = FACTS[membership]
    facts = ThreadFacts(kind, is_member, is_staff, school_id=SCHOOL)
    assert thread_decision(person(role, school), facts, ThreadAction.CLOSE) is expected


def test_closing_needs_the_threads_school():
    """Facts without the school (a caller that forgot it) never let anyone close."""
    facts = ThreadFacts("direct", True, True)
    assert thread_decision(person("director", SCHOOL), facts, ThreadAction.CLOSE) is FORBID


def test_an_unknown_thread_is_hidden_from_everyone():
    """What the service asks about a thread that does not exist."""
    for role, action in itertools.product(ROLES, ThreadAction):
        assert thread_decision(person(role), ThreadFacts("", False, False), action) is HIDE


# -- what the decisions become ---------------------------------------------------------------------


def test_enforce():
    assert enforce(ALLOW) is None
    with pytest.raises(ApiError) as forbidden:
        enforce(FORBID)
    assert (forbidden.value.status, forbidden.value.code) == (403, "forbidden")
    with pytest.raises(ApiError) as hidden:
        enforce(HIDE)
    assert (hidden.value.status, hidden.value.code) == (404, "not_found")
    assert hidden.value.body() == {"error": {"code": "not_found", "message": "Introuvable."}}


# -- who writes to families, signs for which children, changes which message -----------------


@pytest.mark.parametrize("role", ROLES)
def test_only_a_schools_staff_writes_to_families(role):
    expected = ALLOW if role in ("director", "teacher") else FORBID
    assert writes_to_families(person(role)) is expected
    assert writes_to_families(circonscription(CIRC)) is FORBID


def test_staff_of_a_second_school_writes_to_families():
    """A parent in their first school who teaches in another writes from there."""
    assert writes_to_families(several(("parent", SCHOOL), ("teacher", OTHER))) is ALLOW
    assert writes_to_families(several(("parent", SCHOOL), ("parent", OTHER))) is FORBID


def test_staff_without_a_school_writes_to_no_family():
    assert writes_to_families(User(uuid.uuid4(), "director", "d", None, "d")) is FORBID


def test_a_guardian_signs_and_answers_only_for_children_addressed():
    assert for_my_children([uuid.uuid4()]) is ALLOW
    assert for_my_children([]) is FORBID


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_changes_a_message(role):
    author = person(role)
    assert change_message(author, author.id) is ALLOW
    assert change_message(author, uuid.uuid4()) is FORBID


# -- the territory: an RPI's families, the staff of a circonscription's schools ---------------

THIRD = uuid.uuid4()  # a school outside the RPI (SCHOOL, OTHER)
CIRC, OTHER_CIRC = uuid.uuid4(), uuid.uuid4()


def several(*roles: tuple[str, uuid.UUID]) -> User:
    """A person with these roles in these schools, the first school first."""
    first_role, first = roles[0]
    return User(uuid.uuid4(), first_role, first_role, first, first_role, schools=tuple(
        (school, Role(role)) for role, school in roles
    ))  # fmt: skip


def circonscription(circ: uuid.UUID) -> User:
    return User(uuid.uuid4(), "c", Role.CIRCONSCRIPTION, None, "c", circonscription_id=circ)


# (the person, the RPI's schools) -> decision
START_RPI = [
    (several(("director", SCHOOL)), [SCHOOL, OTHER], ALLOW),
    (several(("director", OTHER)), [SCHOOL, OTHER], ALLOW),
    (several(("teacher", SCHOOL), ("director", OTHER)), [SCHOOL, OTHER], ALLOW),  # director in its second
    (several(("teacher", SCHOOL)), [SCHOOL, OTHER], FORBID),  # knows the RPI, does not write to it
    (several(("director", THIRD), ("teacher", OTHER)), [SCHOOL, OTHER], FORBID),
    (several(("director", THIRD)), [SCHOOL, OTHER], HIDE),  # another school's director
    (several(("teacher", THIRD)), [SCHOOL, OTHER], HIDE),
    (several(("director", SCHOOL)), [], HIDE),  # no such RPI
    (several(("parent", SCHOOL)), [SCHOOL, OTHER], HIDE),  # (writes_to_families said 403 first)
    (person("admin"), [SCHOOL, OTHER], HIDE),  # (likewise)
    (circonscription(CIRC), [SCHOOL, OTHER], HIDE),  # (likewise)
]


@pytest.mark.parametrize(("user", "schools", "expected"), START_RPI)
def test_who_writes_to_an_rpis_families(user, schools, expected):
    assert start_rpi_announcement(user, schools) is expected


@pytest.mark.parametrize("role", ROLES)
def test_only_the_admin_and_the_circonscription_write_to_staff(role):
    user = circonscription(CIRC) if role == "circonscription" else person(role)
    assert writes_to_staff(user) is (ALLOW if role in ("admin", "circonscription") else FORBID)


# (who, the circonscriptions of the schools addressed; None: an unknown school) -> decision
START_STAFF = [
    (person("admin"), {CIRC}, ALLOW),
    (person("admin"), {CIRC, OTHER_CIRC}, ALLOW),
    (person("admin"), {None}, ALLOW),  # then 422: an unknown school
    (circonscription(CIRC), {CIRC}, ALLOW),
    (circonscription(CIRC), {OTHER_CIRC}, HIDE),  # another circonscription's schools
    (circonscription(CIRC), {CIRC, OTHER_CIRC}, HIDE),  # one school outside theirs
    (circonscription(CIRC), {CIRC, None}, HIDE),  # an unknown school, the same answer
    (circonscription(CIRC), set(), HIDE),
    (person("director"), {CIRC}, FORBID),
    (person("teacher"), {CIRC}, FORBID),
    (person("parent"), {CIRC}, FORBID),
]


@pytest.mark.parametrize(("user", "circs", "expected"), START_STAFF)
def test_who_writes_to_the_staff_of_schools(user, circs, expected):
    assert start_staff_announcement(user, circs) is expected


ALL_ACTIONS = (*ACTIONS, ThreadAction.FOLLOW_UP, ThreadAction.CLOSE, ThreadAction.SIGN_UP)
# A thread to the staff of schools: the author's side (staff member) and the
# addressed directors and teachers (member, as a family is in an announcement).
# (who, membership) -> READ, POST, REPLY_PRIVATELY, ACK, RECEIPTS, FOLLOW_UP, CLOSE, SIGN_UP
TO_STAFF = [
    (circonscription(CIRC), STAFF, (A, A, F, F, A, A, A, F)),
    (person("admin"), STAFF, (A, A, F, F, A, A, A, F)),
    (person("director"), FAMILY, (A, A, F, A, F, F, F, F)),  # answers in it, signs
    (person("teacher"), FAMILY, (A, A, F, A, F, F, F, F)),
    (person("teacher", OTHER), FAMILY, (A, A, F, A, F, F, F, F)),  # the thread's second school
    (several(("teacher", SCHOOL), ("director", OTHER)), FAMILY, (A, A, F, A, F, F, F, F)),
    (person("parent"), FAMILY, (A, F, F, F, F, F, F, F)),  # cannot happen: never a member
    (person("student"), FAMILY, (A, F, F, F, F, F, F, F)),
    *((person(role), NONE, (H,) * 8) for role in ROLES if role != "circonscription"),
    (circonscription(CIRC), NONE, (H,) * 8),  # a colleague's thread they are not in
    (circonscription(OTHER_CIRC), NONE, (H,) * 8),
]


@pytest.mark.parametrize(("user", "membership", "expected"), TO_STAFF)
def test_a_thread_to_the_staff(user, membership, expected):
    is_member, is_staff = FACTS[membership]
    facts = ThreadFacts("announcement", is_member, is_staff, school_id=SCHOOL, to_staff=True)
    assert tuple(thread_decision(user, facts, action) for action in ALL_ACTIONS) == expected
