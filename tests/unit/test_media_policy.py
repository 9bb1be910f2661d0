"""Who sends photos, tags the children on them and is shown the tags
(`liaison/media/policy.py`), as tables. Whether a photo is seen at all is
`access.may_see`'s, given here as a fact."""

from __future__ import annotations

import uuid

import pytest

from liaison.media.policy import (
    AttachFacts,
    MediaAction,
    attach_decision,
    family_of,
    media_decision,
    shows_tags,
    upload,
)
from tests.unit.roles import ALLOW, FORBID, HIDE, person

VIEW, TAG = MediaAction.VIEW, MediaAction.TAG

# role -> (send a photo; a photo they may see: view it, tag it; shown its tags)
ROLES = [
    ("admin", FORBID, ALLOW, FORBID, False),
    ("director", ALLOW, ALLOW, ALLOW, True),
    ("teacher", ALLOW, ALLOW, ALLOW, True),
    ("parent", ALLOW, ALLOW, FORBID, False),
    ("student", ALLOW, ALLOW, FORBID, False),
]


@pytest.mark.parametrize(("role", "send", "view", "tag", "tags_shown"), ROLES)
def test_media_decisions(role, send, view, tag, tags_shown):
    user = person(role)
    assert upload(user) is send
    assert media_decision(user, True, VIEW) is view
    assert media_decision(user, True, TAG) is tag
    assert shows_tags(user) is tags_shown


@pytest.mark.parametrize("role", [r[0] for r in ROLES])
@pytest.mark.parametrize("action", list(MediaAction))
def test_a_photo_not_seen_is_hidden_from_everyone(role, action):
    assert media_decision(person(role), False, action) is HIDE


# -- attaching a photo to a post or page (`attach_decision`) --------------------

A, B = uuid.uuid4(), uuid.uuid4()  # two children; A's guardian sends the family photos
NONE: frozenset[uuid.UUID] = frozenset()


def photo(*, seen=True, own=False, guardian=False, children=NONE, cahiers=NONE) -> AttachFacts:
    return AttachFacts(seen, own, guardian, frozenset(children), frozenset(cahiers))


SCHOOLS_PHOTO = photo()  # a teacher's, on the class blog
FAMILY_SENT = photo(guardian=True, children={A})  # sent by A's guardian, not yet shown
IN_CAHIER = photo(cahiers={A})  # a teacher's photo on A's own cahier page
FAMILY_SHOWN = photo(guardian=True, children={A}, cahiers={A})

# (role, the photo, the target: None for a class page or blog post, else the child's cahier) -> decision
ATTACH = [
    # A photo the user may not see: as if it did not exist, for everyone.
    ("teacher", photo(seen=False), None, HIDE),
    ("teacher", photo(seen=False, guardian=True, children={A}), A, HIDE),
    ("director", photo(seen=False), None, HIDE),
    ("parent", photo(seen=False), A, HIDE),
    ("admin", SCHOOLS_PHOTO, None, HIDE),  # of no school
    # The staff attach what they see; not a family photo anywhere but in its family's pages.
    ("teacher", SCHOOLS_PHOTO, None, ALLOW),
    ("teacher", SCHOOLS_PHOTO, B, ALLOW),
    ("director", SCHOOLS_PHOTO, None, ALLOW),
    ("teacher", FAMILY_SENT, None, FORBID),
    ("teacher", FAMILY_SENT, B, FORBID),
    ("teacher", FAMILY_SENT, A, ALLOW),
    ("director", FAMILY_SHOWN, None, FORBID),
    ("director", FAMILY_SHOWN, A, ALLOW),
    ("teacher", IN_CAHIER, None, FORBID),
    ("teacher", IN_CAHIER, B, FORBID),
    ("teacher", IN_CAHIER, A, ALLOW),
    ("teacher", photo(own=True, cahiers={A}), None, FORBID),  # even the teacher's own, once in a cahier
    ("teacher", photo(cahiers={A, B}), B, ALLOW),
    # Families and pupils attach only their own photos; a guardian's stay with their children.
    ("parent", photo(own=True, guardian=True, children={A, B}), A, ALLOW),
    ("parent", photo(own=True, guardian=True, children={A, B}), B, ALLOW),
    ("parent", photo(own=True, guardian=True, children={A}), B, FORBID),
    ("parent", photo(own=True, guardian=True, children={A}), None, FORBID),
    ("parent", SCHOOLS_PHOTO, A, HIDE),  # a teacher's photo the parent sees
    ("parent", IN_CAHIER, A, HIDE),
    ("student", photo(own=True), None, ALLOW),  # a pupil's photo on the blog
    ("student", SCHOOLS_PHOTO, None, HIDE),
]


@pytest.mark.parametrize(("role", "facts", "target", "decision"), ATTACH)
def test_attach_decisions(role, facts, target, decision):
    assert attach_decision(person(role), facts, target) is decision


@pytest.mark.parametrize(
    ("facts", "family"),
    [(SCHOOLS_PHOTO, None), (FAMILY_SENT, {A}), (IN_CAHIER, {A}), (photo(guardian=True), set()),
     (photo(guardian=True, children={A}, cahiers={B}), {A, B}), (photo(children={A}), None)],
)  # fmt: skip
def test_the_family_of_a_photo(facts, family):
    assert family_of(facts) == (None if family is None else frozenset(family))
