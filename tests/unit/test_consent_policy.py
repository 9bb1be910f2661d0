"""Image consent's rules (`liaison/consent/policy.py`) as tables: who may see
and give a child's consent, and the one rule deciding who is shown a photo of
children, on the class blog as in the cahier de réalisations.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from liaison.consent import policy as consent
from liaison.consent.policy import photo_visible, withheld
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

A, F, H = ALLOW, FORBID, HIDE
LEA, HUGO, NOAH = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


# -- a child's consent: see it, give it -----------------------------------------------------

# (role, school, is a guardian of the child) -> (see the child's consent, decide, see the class's overview)
CONSENT = [
    # A guardian of the child sees it and decides for themselves.
    ("parent", SCHOOL, True, A, A, H),
    # Another family's child does not exist for a family or a pupil.
    ("parent", SCHOOL, False, H, H, H),
    ("student", SCHOOL, False, H, H, H),
    # The school's staff see it (to know whom to ask) but decide nothing.
    ("director", SCHOOL, False, A, F, A),
    ("teacher", SCHOOL, False, A, F, A),
    # Another school: nothing.
    ("director", OTHER, False, H, H, H),
    ("teacher", OTHER, False, H, H, H),
    ("parent", OTHER, False, H, H, H),
    # The platform admin reads the directory, decides for no family.
    ("admin", None, False, A, F, A),
]


@pytest.mark.parametrize(("role", "school", "guardian", "view", "decide", "overview"), CONSENT)
def test_consent_decisions(role, school, guardian, view, decide, overview):
    user = person(role, school)
    assert consent.view_child(user, SCHOOL, guardian) is view
    assert consent.decide_for_child(user, SCHOOL, guardian) is decide
    assert consent.view_class(user, SCHOOL) is overview


# -- a photo, in a post or page the user reads -------------------------------------------------

# (staff, children tagged, of whom without consent, the user's own children) -> shown to them.
PHOTO = [
    # Nobody tagged, or everyone tagged has consent: every reader.
    (False, set(), set(), set(), True),
    (False, {LEA, HUGO}, set(), set(), True),
    # Léa without consent, seen by her own family or her own pupil account: theirs, shown.
    (False, {LEA}, {LEA}, {LEA}, True),
    # ... but not by another family, nor another pupil, nor a reader with no child at all.
    (False, {LEA}, {LEA}, {HUGO}, False),
    (False, {LEA}, {LEA}, {NOAH}, False),
    (False, {LEA}, {LEA}, set(), False),
    # Léa's family sees Léa, but not Hugo who lacks consent.
    (False, {LEA, HUGO}, {LEA, HUGO}, {LEA}, False),
    (False, {LEA, HUGO}, {HUGO}, {LEA}, False),
    (False, {LEA, HUGO}, {LEA}, {LEA}, True),
    # Both are this guardian's children.
    (False, {LEA, HUGO}, {LEA, HUGO}, {LEA, HUGO}, True),
    # A child lacking consent who is not on the photo changes nothing.
    (False, {HUGO}, {LEA}, set(), True),
    # The staff see every photo, whoever is on it.
    (True, {LEA, HUGO}, {LEA, HUGO}, set(), True),
    (True, {HUGO}, {HUGO}, {LEA}, True),
]


@pytest.mark.parametrize(("staff", "tagged", "lacking", "mine", "expected"), PHOTO)
def test_photo_visible(staff, tagged, lacking, mine, expected):
    assert photo_visible(staff, tagged, lacking, mine) is expected


# (children tagged, of whom without consent, the children every family reading there has as its own)
# -> the staff's `withheld` flag.
WITHHELD = [
    # The class blog, a class page: read by every family of the class.
    ({LEA, HUGO}, set(), set(), False),
    ({LEA, HUGO}, {LEA}, set(), True),
    # Léa's cahier page: read only by her family and herself, who see her photo...
    ({LEA}, {LEA}, {LEA}, False),
    # ...but not Hugo's, who lacks consent.
    ({LEA, HUGO}, {LEA, HUGO}, {LEA}, True),
    ({LEA, HUGO}, {HUGO}, {LEA}, True),
]


@pytest.mark.parametrize(("tagged", "lacking", "own", "expected"), WITHHELD)
def test_withheld(tagged, lacking, own, expected):
    assert withheld(tagged, lacking, own) is expected


def subsets(children):
    return [set(c) for n in range(len(children) + 1) for c in itertools.combinations(children, n)]


def test_the_rule_over_every_case():
    """Staff: always. Others: unless a child on it lacks consent and is not theirs. The staff's
    flag says exactly that such a reader is kept from it."""
    children = (LEA, HUGO, NOAH)
    for tagged, lacking, mine in itertools.product(subsets(children), repeat=3):
        hidden = any(c in lacking and c not in mine for c in tagged)
        assert photo_visible(True, tagged, lacking, mine) is True
        assert photo_visible(False, tagged, lacking, mine) is (not hidden)
        assert withheld(tagged, lacking, mine) is hidden
