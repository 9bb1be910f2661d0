"""Asking the families for their image consent (`liaison/consent/policy.py`:
`act_for_class`, `record_paper`) as a table, and the reminder's texts in the
activity notices (`liaison/activity/policy.py`)."""

from __future__ import annotations

import pytest

from liaison.activity import policy as activity
from liaison.consent import policy as consent
from tests.unit.roles import ALLOW, FORBID, HIDE, OTHER, SCHOOL, person

A, F, H = ALLOW, FORBID, HIDE

# (role, school, teaches the class, a guardian of the child) -> (remind the class, record a paper form)
STAFF = [
    # The class's teacher and the school's directors ask the families and record the forms.
    ("teacher", SCHOOL, True, False, A, A),
    ("director", SCHOOL, False, False, A, A),
    # Another teacher of the school sees the overview, asks nobody.
    ("teacher", SCHOOL, False, False, F, F),
    # A guardian answers for themselves, never "on paper"; other families never know.
    ("parent", SCHOOL, False, True, H, F),
    ("parent", SCHOOL, False, False, H, H),
    ("student", SCHOOL, False, False, H, H),
    # Another school: nothing.
    ("director", OTHER, False, False, H, H),
    ("teacher", OTHER, True, False, H, H),
    # The admin reads the overview; the families are the school's to ask.
    ("admin", None, False, False, F, F),
]


@pytest.mark.parametrize(("role", "school", "teaches", "guardian", "remind", "paper"), STAFF)
def test_who_asks_the_families(role, school, teaches, guardian, remind, paper):
    user = person(role, school)
    assert consent.act_for_class(user, SCHOOL, teaches) is remind
    assert consent.record_paper(user, SCHOOL, guardian, teaches) is paper


@pytest.mark.parametrize(
    ("name", "count", "title", "subject_with_blog"),
    [
        (
            "Léa",
            1,
            "Droit à l'image : l'école attend votre réponse pour Léa",
            "Du nouveau au sujet du droit à l'image de Léa et sur le blog de la classe CP",
        ),
        (
            " Inès ",
            2,  # reminded twice before it went: still one question
            "Droit à l'image : l'école attend votre réponse pour Inès",
            "Du nouveau au sujet du droit à l'image d'Inès et sur le blog de la classe CP",
        ),
    ],
)
def test_the_reminders_text(name, count, title, subject_with_blog):
    assert activity.title(activity.CONSENT, name, count) == title
    assert activity.email_subject([(activity.CONSENT, name, count)]) == title
    both = [(activity.CONSENT, name, count), (activity.BLOG, "CP", 1)]
    assert activity.email_subject(both) == subject_with_blog
