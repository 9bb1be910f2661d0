"""Accounts' pure rules: who issues a new letter, who has a second factor, device labels, TOTP."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from liaison.accounts import totp
from liaison.accounts.devices import device_label
from liaison.accounts.policy import LetterTarget, new_letter_decision, second_factor_decision
from liaison.core.decisions import Decision
from liaison.core.people import User

SCHOOL, OTHER = uuid.uuid4(), uuid.uuid4()


def user(role: str, school: uuid.UUID | None = SCHOOL) -> User:
    return User(
        id=uuid.uuid4(),
        login=role,
        role=role,
        school_id=None if role == "admin" else school,
        display_name=role,
    )


@pytest.mark.parametrize(
    ("asker", "target", "expected"),
    [
        (user("director"), LetterTarget("parent", SCHOOL, False), Decision.ALLOW),
        (user("director"), LetterTarget("teacher", SCHOOL, False), Decision.ALLOW),
        (user("director", OTHER), LetterTarget("parent", SCHOOL, False), Decision.HIDE),
        (user("teacher"), LetterTarget("parent", SCHOOL, True), Decision.ALLOW),
        (user("teacher"), LetterTarget("parent", SCHOOL, False), Decision.HIDE),
        (user("teacher"), LetterTarget("director", SCHOOL, False), Decision.FORBID),
        (user("parent"), LetterTarget("parent", SCHOOL, False), Decision.HIDE),
        (user("admin"), LetterTarget("parent", SCHOOL, False), Decision.ALLOW),
    ],
)
def test_new_letter(asker, target, expected):
    assert new_letter_decision(asker, target) is expected


def test_second_factor_for_directors_and_admins():
    assert [second_factor_decision(user(r)) for r in ("admin", "director", "teacher", "parent")] == [
        Decision.ALLOW, Decision.ALLOW, Decision.FORBID, Decision.FORBID
    ]  # fmt: skip


def test_device_labels():
    android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
    assert device_label(android) == "Chrome sur Android"
    assert (
        device_label("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Version/17.0 Mobile Safari/604.1")
        == "Safari sur iPhone"
    )
    assert device_label("curl/8.0") == "Application ou script"


def test_totp_codes_and_recovery_codes():
    secret, now = totp.new_secret(), dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
    assert totp.verify(secret, totp.code_at(secret, now - dt.timedelta(seconds=30)), now)
    assert not totp.verify(secret, totp.code_at(secret, now - dt.timedelta(minutes=5)), now)
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10 and all(
        totp.normalise_recovery_code(c.upper().replace("-", " ")) == c for c in codes
    )
