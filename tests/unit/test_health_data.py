"""Health data leaves Liaison by no channel: the email of a message in an
absence thread shows where to read it, not its text (`delivery.policy.mail_text`)."""

from __future__ import annotations

import datetime as dt

import pytest

from liaison.absences import rules
from liaison.delivery.policy import PRIVATE_TEXT, mail_text

BODY = rules.body("Hugo", dt.date(2026, 12, 3), dt.date(2026, 12, 3), "day", "illness", "Angine.")


@pytest.mark.parametrize(
    ("kind", "shown"),
    [("absence", PRIVATE_TEXT), ("direct", BODY), ("announcement", BODY), ("signup", BODY)],
)
def test_the_text_an_email_shows(kind, shown):
    assert mail_text(kind, BODY) == shown


def test_the_private_text_names_no_reason():
    assert "maladie" in BODY and "Angine" in BODY
    assert not any(label in PRIVATE_TEXT for label in rules.REASONS.values())
