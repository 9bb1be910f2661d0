"""The territory in the authorisation tables (API.md "Territory"): every policy of
liaison/*/policy.py asked by

- a member of a circonscription's team: of no school, it sees its schools, their
  classes and the adoption figures through the directory and the stats, never a
  family's resource. Every action on a school's resource answers HIDE (it does not
  exist for them), every account-level one FORBID: never ALLOW. That includes the
  school calendar: days off are not private, but the calendar policy gives them to
  the school's people and the platform admin only, so the team's answer is HIDE
  like any other school resource;
- one account with roles in two schools: in each school it acts with that school's
  role only, as a person of that role there would; in a school where it has none,
  as a stranger. A director of A learns nothing of B, a parent of children in A and
  B sees what concerns each child.

The facts the services gather (guardian of the child, teaches the class, member of
the thread...) are all False for the team: it has no child, class, thread or photo
(the database cannot give it any). Functions of facts only, not of the user
(`agenda.link_signup`, `agenda.date_of_thread`, `consent.photo_visible`,
`media.family_of`, `messaging.for_my_children`), and activity's rules (texts and
timing of notices, no decision about anyone) are not asked. Messaging is asked
read-only about families' threads and direct messages (whether the team may write
to the staff is the announcements' own table).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from liaison.absences import policy as absences
from liaison.accounts import policy as accounts
from liaison.accounts.policy import LetterTarget
from liaison.agenda import policy as agenda
from liaison.agenda.policy import AgendaAction
from liaison.blog import policy as blog
from liaison.calendar import policy as calendar
from liaison.consent import policy as consent
from liaison.core.people import Role, User
from liaison.delivery import policy as delivery
from liaison.directory import policy as directory
from liaison.media import access
from liaison.media import policy as media
from liaison.messaging import policy as messaging
from liaison.realisations import policy as realisations
from liaison.search import policy as search
from tests.unit.roles import (
    ALLOW,
    FORBID,
    HIDE,
    OTHER,
    SCHOOL,
    THIRD,
    circonscription,
    in_two_schools,
    person,
)

CHILD = uuid.uuid4()  # a child of the school asked about

# (label, number of boolean facts, (user, school, *facts) -> answer): every decision of a
# school's resource, the facts being how the user stands with it.
Probe = tuple[str, int, Callable[..., Any]]


def _blog_class(school: uuid.UUID, teaches: bool, guardian: bool, pupil: bool) -> blog.ClassFacts:
    return blog.ClassFacts(school, teaches=teaches, guardian=guardian, pupil=pupil)


def _ties(school: uuid.UUID, guardian: bool, teacher: bool, pupil: bool) -> realisations.Ties:
    return realisations.Ties(school, guardian=guardian, teacher=teacher, pupil=pupil)


def _photo(may_see: bool, own: bool, by_guardian: bool) -> media.AttachFacts:
    return media.AttachFacts(may_see, own, by_guardian, frozenset({CHILD}), frozenset())


PROBES: list[Probe] = [
    # absences
    ("absences.report", 1, absences.report),
    ("absences.cancel", 2, absences.cancel),
    ("absences.view_register", 1, absences.view_register),
    ("absences.view_school_register", 0, absences.view_school_register),
    ("absences.roll_call", 1, absences.roll_call),
    ("absences.settings", 0, absences.settings),
    # accounts: a new activation letter for an account of the school
    *[
        (
            f"accounts.new_letter.{role}",
            1,
            lambda u, s, t, role=role: accounts.new_letter_decision(u, LetterTarget(role, s, t)),
        )
        for role in ("parent", "student", "teacher", "director")
    ],
    # agenda
    *[
        (f"agenda.class.{a.value}", 2, lambda u, s, f, t, a=a: agenda.class_agenda(u, s, f, t, a))
        for a in AgendaAction
    ],
    *[(f"agenda.school.{a.value}", 0, lambda u, s, a=a: agenda.school_agenda(u, s, a)) for a in AgendaAction],
    # blog: the class, its posts in each state, their comments and photos
    *[
        (
            f"blog.class.{a.value}",
            3,
            lambda u, s, t, g, p, a=a: blog.class_decision(u, _blog_class(s, t, g, p), a),
        )
        for a in blog.ClassAction
    ],
    *[
        (
            f"blog.post.{status}.{a.value}",
            4,
            lambda u, s, t, g, p, author, a=a, status=status: blog.post_decision(
                u, _blog_class(s, t, g, p), blog.PostFacts(status, author), a
            ),
        )
        for a in blog.PostAction
        for status in ("published", "submitted", "rejected")
    ],
    *[
        (
            f"blog.comment.{a.value}",
            5,
            lambda u, s, t, g, p, author, mine, a=a: blog.comment_decision(
                u, _blog_class(s, t, g, p), blog.PostFacts("published", author), mine, a
            ),
        )
        for a in blog.CommentAction
    ],
    (
        "blog.photo_shown",
        4,
        lambda u, s, t, g, p, consented: blog.media_visible(
            u,
            _blog_class(s, t, g, p),
            blog.PostFacts("published", False),
            {CHILD},
            set() if consented else {CHILD},
            set(),
        ),
    ),
    # calendar: not private, the school's people's (see above)
    ("calendar.view", 0, calendar.view),
    ("calendar.change", 0, calendar.change),
    # consent
    ("consent.view_child", 1, consent.view_child),
    ("consent.decide_for_child", 1, consent.decide_for_child),
    ("consent.view_class", 0, consent.view_class),
    ("consent.act_for_class", 1, consent.act_for_class),
    ("consent.record_paper", 2, consent.record_paper),
    # directory (read-only here: its own engineer's)
    *[
        (f"directory.school.{a.value}", 0, lambda u, s, a=a: directory.school_decision(u, s, a))
        for a in directory.SchoolAction
    ],
    ("directory.child_account", 1, directory.child_account_decision),
    *[
        (f"directory.class.{a.value}", 0, lambda u, s, a=a: directory.class_decision(u, s, a))
        for a in directory.ClassAction
    ],
    # media: a photo of the school (`may_see` is `access.may_see`'s answer, below)
    *[
        (f"media.{a.value}", 1, lambda u, s, seen, a=a: media.media_decision(u, seen, a, s))
        for a in media.MediaAction
    ],
    ("media.shows_tags", 0, lambda u, s: media.shows_tags(u, s)),
    *[
        (
            f"media.attach.{where}",
            3,
            lambda u, s, seen, own, by_guardian, child=child: media.attach_decision(
                u, _photo(seen, own, by_guardian), child, s
            ),
        )
        for where, child in (("cahier", CHILD), ("class", None))
    ],
    # realisations: a child's cahier, a class page, a page of each kind
    *[
        (
            f"realisations.cahier.{a.value}",
            3,
            lambda u, s, g, t, p, a=a: realisations.cahier_decision(u, _ties(s, g, t, p), a),
        )
        for a in (realisations.Action.READ, realisations.Action.ADD_PAGE)
    ],
    (
        "realisations.class_page",
        3,
        lambda u, s, g, t, p: realisations.class_page_decision(u, _ties(s, g, t, p)),
    ),
    *[
        (
            f"realisations.page.{kind}.{a.value}",
            4,
            lambda u, s, g, t, p, author, kind=kind, a=a: realisations.page_decision(
                u, realisations.PageFacts(kind, _ties(s, g, t, p), author), a
            ),
        )
        for kind in ("child", "family", "class")
        for a in (realisations.Action.READ, realisations.Action.DELETE)
    ],
    # search: a message found in a thread of the school
    *[
        (
            f"search.{kind}",
            3,
            lambda u, s, member, staff, author, kind=kind: search.result(
                u, messaging.ThreadFacts(kind, member, staff, author, s)
            ),
        )
        for kind in ("direct", "announcement", "signup", "absence")
    ],
    # messaging, read-only: a family's threads, a conversation about a child
    ("messaging.start_direct", 2, messaging.start_direct),
    *[
        (
            f"messaging.thread.{kind}.{a.value}",
            3,
            lambda u, s, member, staff, author, kind=kind, a=a: messaging.thread_decision(
                u, messaging.ThreadFacts(kind, member, staff, author, s), a
            ),
        )
        for kind in ("direct", "announcement", "signup", "absence")
        for a in messaging.ThreadAction
    ],
]

# Decisions about the account, not about a school's resource.
ACCOUNT_LEVEL: list[tuple[str, Callable[[User], Any]]] = [
    ("accounts.new_letter.circonscription", lambda u: accounts.new_letter_decision(u, LetterTarget("circonscription", None, False))),
    ("accounts.second_factor", accounts.second_factor_decision),
    ("delivery.read_written_mails", delivery.read_written_mails),
    ("directory.may_create_school", directory.may_create_school),
    ("media.upload", media.upload),
]  # fmt: skip


def answers(user: User, school: uuid.UUID, ties: bool = True) -> dict[str, Any]:
    """Every probe's answer for `user` about a resource of `school`: for every
    combination of facts, or (`ties=False`) with no tie to it at all."""
    found = {}
    for label, count, probe in PROBES:
        combos = itertools.product((False, True), repeat=count) if ties else [(False,) * count]
        for facts in combos:
            found[f"{label}{list(facts)}"] = probe(user, school, *facts)
    return found


# -- the circonscription's team ----------------------------------------------------------------


@pytest.mark.parametrize("school", [SCHOOL, OTHER], ids=["its school", "another circonscription's"])
@pytest.mark.parametrize(
    "team", [circonscription(), person("circonscription", None)], ids=["with its circonscription", "bare"]
)
def test_the_circonscription_team_sees_no_resource_of_a_school(team, school):
    found = answers(team, school, ties=False)
    # No child, thread, absence, register, photo, post, page, consent, agenda or calendar
    # of a school exists for them (404), whether the school is theirs or not.
    assert {label: answer for label, answer in found.items() if answer not in (HIDE, False)} == {}
    assert len(found) == len(PROBES)  # every probe was asked


@pytest.mark.parametrize("team", [circonscription(), person("circonscription", None)])
def test_the_circonscription_team_is_refused_every_account_level_action(team):
    assert {label: decide(team) for label, decide in ACCOUNT_LEVEL} == {
        label: FORBID if label != "accounts.new_letter.circonscription" else HIDE
        for label, _ in ACCOUNT_LEVEL
    }
    # The kind of page it would write, were it let in: never a family's.
    assert realisations.page_kind(team, SCHOOL) == "child"


async def test_no_photo_is_seen_by_the_circonscription_team():
    """`access.may_see` answers before asking any holder: a photo of one of its
    schools is neither its upload nor of its school."""
    row = {"id": uuid.uuid4(), "uploader_id": uuid.uuid4(), "school_id": SCHOOL}
    assert await access.may_see(None, circonscription(), row) is False  # type: ignore[arg-type]


# -- one account, two schools ---------------------------------------------------------------------

TWO_SCHOOLS = [
    (Role.DIRECTOR, Role.TEACHER),  # directs A, teaches in B
    (Role.TEACHER, Role.DIRECTOR),
    (Role.DIRECTOR, Role.PARENT),  # directs A, a child in B
    (Role.TEACHER, Role.PARENT),
    (Role.PARENT, Role.TEACHER),
    (Role.PARENT, Role.PARENT),  # a child in A, one in B
]


@pytest.mark.parametrize(("role_a", "role_b"), TWO_SCHOOLS, ids=[f"{a}-{b}" for a, b in TWO_SCHOOLS])
def test_in_each_school_a_person_acts_with_that_school_s_role_only(role_a, role_b):
    two = in_two_schools((SCHOOL, role_a), (OTHER, role_b))
    for school, alone in (
        (SCHOOL, person(role_a, SCHOOL)),
        (OTHER, person(role_b, OTHER)),
        (THIRD, person(role_a, SCHOOL)),  # a school where they have no role: a stranger
    ):
        expected = answers(alone, school)
        found = answers(two, school)
        assert {k: (v, expected[k]) for k, v in found.items() if v != expected[k]} == {}, school
        assert realisations.page_kind(two, school) == realisations.page_kind(alone, school)


A, B = SCHOOL, OTHER
DIRECTOR_A_TEACHER_B = in_two_schools((A, Role.DIRECTOR), (B, Role.TEACHER))
DIRECTOR_A_PARENT_B = in_two_schools((A, Role.DIRECTOR), (B, Role.PARENT))
TEACHER_B_PARENT_A = in_two_schools((B, Role.TEACHER), (A, Role.PARENT))
PARENT_A_PARENT_B = in_two_schools((A, Role.PARENT), (B, Role.PARENT))

# (who, what, school A's answer, school B's answer, a third school's answer): the
# answers that tell the roles apart, for a reader of the table above.
SAMPLES: list[tuple[User, str, Callable[[User, uuid.UUID], Any], Any, Any, Any]] = [
    (DIRECTOR_A_TEACHER_B, "the school's register", absences.view_school_register, ALLOW, FORBID, HIDE),
    (DIRECTOR_A_TEACHER_B, "a register of a class not taught", lambda u, s: absences.view_register(u, s, False), ALLOW, FORBID, HIDE),
    (DIRECTOR_A_TEACHER_B, "add staff", lambda u, s: directory.school_decision(u, s, directory.SchoolAction.ADD_STAFF), ALLOW, FORBID, HIDE),
    (DIRECTOR_A_TEACHER_B, "a teacher's new letter", lambda u, s: accounts.new_letter_decision(u, LetterTarget("teacher", s, False)), ALLOW, FORBID, HIDE),
    (DIRECTOR_A_TEACHER_B, "remind a class not taught", lambda u, s: consent.act_for_class(u, s, False), ALLOW, FORBID, HIDE),
    (DIRECTOR_A_TEACHER_B, "change the calendar", calendar.change, ALLOW, FORBID, HIDE),
    (DIRECTOR_A_TEACHER_B, "a page for a class not taught", lambda u, s: realisations.class_page_decision(u, realisations.Ties(s)), ALLOW, FORBID, HIDE),
    # The director of A is a family in B: B's registers, classes and children are not theirs.
    (DIRECTOR_A_PARENT_B, "a class's members", lambda u, s: directory.class_decision(u, s, directory.ClassAction.VIEW_MEMBERS), ALLOW, HIDE, HIDE),
    (DIRECTOR_A_PARENT_B, "a class's consents", consent.view_class, ALLOW, HIDE, HIDE),
    (DIRECTOR_A_PARENT_B, "another family's child", lambda u, s: consent.view_child(u, s, False), ALLOW, HIDE, HIDE),
    (DIRECTOR_A_PARENT_B, "report their own child absent", lambda u, s: absences.report(u, s, True), ALLOW, ALLOW, ALLOW),
    (DIRECTOR_A_PARENT_B, "another child's cahier", lambda u, s: realisations.cahier_decision(u, realisations.Ties(s), realisations.Action.READ), ALLOW, HIDE, HIDE),
    # A family in both: each child's own things, nobody else's.
    (PARENT_A_PARENT_B, "their child's cahier", lambda u, s: realisations.cahier_decision(u, realisations.Ties(s, guardian=True), realisations.Action.READ), ALLOW, ALLOW, HIDE),
    (PARENT_A_PARENT_B, "another child's cahier", lambda u, s: realisations.cahier_decision(u, realisations.Ties(s), realisations.Action.READ), HIDE, HIDE, HIDE),
    (PARENT_A_PARENT_B, "a class's members", lambda u, s: directory.class_decision(u, s, directory.ClassAction.VIEW_MEMBERS), HIDE, HIDE, HIDE),
    # A teacher of B (signed in there) who is a parent in A: a parent with A's photos.
    (TEACHER_B_PARENT_A, "tag a photo", lambda u, s: media.media_decision(u, True, media.MediaAction.TAG, s), FORBID, ALLOW, FORBID),
    (TEACHER_B_PARENT_A, "see who is on a photo", media.shows_tags, False, True, False),
    (TEACHER_B_PARENT_A, "put a photo seen on a class page", lambda u, s: media.attach_decision(u, _photo(True, False, False), None, s), HIDE, ALLOW, HIDE),
    (TEACHER_B_PARENT_A, "the kind of page written in a child's cahier", realisations.page_kind, "family", "child", "child"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "what", "decide", "in_a", "in_b", "elsewhere"), SAMPLES, ids=[s[1] for s in SAMPLES]
)
def test_what_tells_the_roles_of_two_schools_apart(who, what, decide, in_a, in_b, elsewhere):
    assert (decide(who, A), decide(who, B), decide(who, THIRD)) == (in_a, in_b, elsewhere)


def test_account_level_answers_of_a_person_in_two_schools():
    """A second factor protects the account of whoever directs a school, wherever it
    is in their list; the rest is as for their first school's role."""
    for who in (DIRECTOR_A_TEACHER_B, in_two_schools((B, Role.TEACHER), (A, Role.DIRECTOR))):
        assert accounts.second_factor_decision(who) is ALLOW
    assert accounts.second_factor_decision(TEACHER_B_PARENT_A) is FORBID
    assert accounts.second_factor_decision(PARENT_A_PARENT_B) is FORBID
    for who in (DIRECTOR_A_TEACHER_B, TEACHER_B_PARENT_A, PARENT_A_PARENT_B):
        assert delivery.read_written_mails(who) is FORBID
        assert directory.may_create_school(who) is FORBID
        assert media.upload(who) is ALLOW
