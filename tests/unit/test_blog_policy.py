"""The blog's rules (`liaison/blog/policy.py`) as tables (image consent's own
rules are in `test_consent_policy.py`).

ALLOW (A), FORBID (F: 403, you may see it but not do this) or HIDE (H: 404,
you may not even know it exists), for each person standing somewhere with
the class of the post.
"""

from __future__ import annotations

import uuid

import pytest

from liaison.blog.policy import (
    ClassAction,
    ClassFacts,
    CommentAction,
    PostAction,
    PostFacts,
    class_decision,
    comment_decision,
    media_visible,
    post_decision,
)
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

A, F, H = ALLOW, FORBID, HIDE
LEA, HUGO = uuid.uuid4(), uuid.uuid4()


# Each person, and how they stand with the class of the post (of SCHOOL).
PEOPLE = {
    "director": (person("director"), ClassFacts(SCHOOL)),
    "teacher": (person("teacher"), ClassFacts(SCHOOL, teaches=True)),
    "teacher_other_class": (person("teacher"), ClassFacts(SCHOOL)),
    "director_other_school": (person("director", OTHER), ClassFacts(SCHOOL)),
    "teacher_other_school": (person("teacher", OTHER), ClassFacts(SCHOOL)),
    "guardian": (person("parent"), ClassFacts(SCHOOL, guardian=True)),
    "guardian_other_class": (person("parent"), ClassFacts(SCHOOL)),
    "guardian_other_school": (person("parent", OTHER), ClassFacts(SCHOOL)),
    "pupil": (person("student"), ClassFacts(SCHOOL, pupil=True)),
    "pupil_other_class": (person("student"), ClassFacts(SCHOOL)),
    "admin": (person("admin"), ClassFacts(SCHOOL)),
}
WHO = list(PEOPLE)


def row(*decisions) -> dict[str, object]:
    return dict(zip(WHO, decisions, strict=True))


# -- the class: listing its posts, writing one ----------------------------------------------

#                               dir tch  tX dirB tchB par parX parB pup pupX adm
CLASS = {
    ClassAction.LIST:   row(A,  A,  H,  H,   H,   A,  H,   H,   A,  H,   H),
    # Teachers publish, pupils submit; families comment, they do not write posts.
    ClassAction.CREATE: row(A,  A,  H,  H,   H,   F,  H,   H,   A,  H,   H),
}  # fmt: skip


@pytest.mark.parametrize(
    ("action", "who"),
    [(action, who) for action in CLASS for who in WHO],
    ids=lambda v: getattr(v, "value", v),
)
def test_class_decisions(action, who):
    user, klass = PEOPLE[who]
    assert class_decision(user, klass, action) is CLASS[action][who]


# -- someone else's post, by status ---------------------------------------------------------

#                                                   dir tch  tX dirB tchB par parX parB pup pupX adm
POST = {
    ("published", PostAction.READ):      row(A,  A,  H,  H,   H,   A,  H,   H,   A,  H,   H),
    ("published", PostAction.EDIT):      row(A,  A,  H,  H,   H,   F,  H,   H,   F,  H,   H),
    ("published", PostAction.DELETE):    row(A,  A,  H,  H,   H,   F,  H,   H,   F,  H,   H),
    ("published", PostAction.PUBLISH):   row(A,  A,  H,  H,   H,   F,  H,   H,   F,  H,   H),
    ("published", PostAction.REJECT):    row(A,  A,  H,  H,   H,   F,  H,   H,   F,  H,   H),
    # Families and staff comment; pupils read the comments.
    ("published", PostAction.COMMENT):   row(A,  A,  H,  H,   H,   A,  H,   H,   F,  H,   H),
    # A pupil's post waiting for the teacher: between the pupil and the class's staff.
    ("submitted", PostAction.READ):      row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("submitted", PostAction.EDIT):      row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("submitted", PostAction.DELETE):    row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("submitted", PostAction.PUBLISH):   row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("submitted", PostAction.REJECT):    row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("submitted", PostAction.COMMENT):   row(F,  F,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("rejected", PostAction.READ):       row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("rejected", PostAction.EDIT):       row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("rejected", PostAction.PUBLISH):    row(A,  A,  H,  H,   H,   H,  H,   H,   H,  H,   H),
    ("rejected", PostAction.COMMENT):    row(F,  F,  H,  H,   H,   H,  H,   H,   H,  H,   H),
}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "action", "who"),
    [(status, action, who) for (status, action) in POST for who in WHO],
    ids=lambda v: getattr(v, "value", v),
)
def test_post_decisions(status, action, who):
    user, klass = PEOPLE[who]
    assert (
        post_decision(user, klass, PostFacts(status, is_author=False), action) is POST[(status, action)][who]
    )


# -- the pupil's own post --------------------------------------------------------------------

#            READ EDIT DELETE PUBLISH REJECT COMMENT
ACTIONS = [PostAction.READ, PostAction.EDIT, PostAction.DELETE, PostAction.PUBLISH, PostAction.REJECT,
           PostAction.COMMENT]  # fmt: skip
OWN = {
    # The pupil edits (and so resubmits) while the teacher has not published it...
    ("pupil", "submitted"): (A, A, A, F, F, F),
    ("pupil", "rejected"): (A, A, A, F, F, F),
    # ...and no longer once it is published; they may still take it down.
    ("pupil", "published"): (A, F, A, F, F, F),
    # A pupil who moved to another class no longer sees the old class's blog.
    ("pupil_other_class", "submitted"): (H, H, H, H, H, H),
    ("pupil_other_class", "published"): (H, H, H, H, H, H),
    # A teacher's own post: as any post of their class.
    ("teacher", "published"): (A, A, A, A, A, A),
    # A teacher who left the class: as for any other class.
    ("teacher_other_class", "published"): (H, H, H, H, H, H),
}


@pytest.mark.parametrize(("who", "status", "action"), [(w, s, a) for (w, s) in OWN for a in ACTIONS],
                         ids=lambda v: getattr(v, "value", v))  # fmt: skip
def test_own_post_decisions(who, status, action):
    user, klass = PEOPLE[who]
    expected = OWN[(who, status)][ACTIONS.index(action)]
    assert post_decision(user, klass, PostFacts(status, is_author=True), action) is expected


# -- removing a comment of a published post ---------------------------------------------------

#                        dir tch  tX dirB tchB par parX parB pup pupX adm
REMOVE = {
    "someone else's": row(A,  A,  H,  H,   H,   F,  H,   H,   F,  H,   H),
    "own":            row(A,  A,  H,  H,   H,   A,  H,   H,   A,  H,   H),
}  # fmt: skip


@pytest.mark.parametrize(("whose", "who"), [(whose, who) for whose in REMOVE for who in WHO])
def test_remove_comment(whose, who):
    user, klass = PEOPLE[who]
    post = PostFacts("published", is_author=False)
    decision = comment_decision(user, klass, post, whose == "own", CommentAction.REMOVE)
    assert decision is REMOVE[whose][who]


def test_removing_a_comment_of_a_hidden_post_is_hidden():
    user, klass = PEOPLE["guardian"]
    assert comment_decision(user, klass, PostFacts("submitted", False), True, CommentAction.REMOVE) is H


# -- the photos of a post ----------------------------------------------------------------------

T, X = True, False
# A photo of Léa; the reader's own child is Hugo (another family), or Léa (her own family, her own
# account). Who reads the post, then the one consent rule (`liaison.consent.policy.photo_visible`).
#                                                   dir tch  tX dirB tchB par parX parB pup pupX adm
PHOTO = {
    ("published", "consented", "hugo"):        row(T,  T,  X,  X,   X,   T,  X,   X,   T,  X,   X),
    # Consent withdrawn after publication (or a child tagged later): the staff...
    ("published", "without consent", "hugo"):  row(T,  T,  X,  X,   X,   X,  X,   X,   X,  X,   X),
    # ...and Léa's own family and account, among those who read the post.
    ("published", "without consent", "lea"):   row(T,  T,  X,  X,   X,   T,  X,   X,   T,  X,   X),
    ("submitted", "consented", "hugo"):        row(T,  T,  X,  X,   X,   X,  X,   X,   X,  X,   X),
    ("submitted", "without consent", "lea"):   row(T,  T,  X,  X,   X,   X,  X,   X,   X,  X,   X),
}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "consent", "mine", "who"), [(s, c, m, w) for (s, c, m) in PHOTO for w in WHO]
)
def test_media_visible(status, consent, mine, who):
    user, klass = PEOPLE[who]
    lacking = set() if consent == "consented" else {LEA}
    own = {LEA} if mine == "lea" else {HUGO}
    seen = media_visible(user, klass, PostFacts(status, False), {LEA}, lacking, own)
    assert seen is PHOTO[(status, consent, mine)][who]


@pytest.mark.parametrize(
    ("lacking", "mine", "expected"), [(set(), {HUGO}, True), ({LEA}, {HUGO}, False), ({LEA}, {LEA}, True)]
)
def test_the_pupil_author_sees_their_submissions_photos_by_the_consent_rule(lacking, mine, expected):
    user, klass = PEOPLE["pupil"]
    assert media_visible(user, klass, PostFacts("submitted", True), {LEA}, lacking, mine) is expected
