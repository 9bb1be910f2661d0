"""The delivery rules with a fixed clock."""

import datetime as dt
import random

import pytest

from liaison.delivery.policy import (
    EMAIL,
    PUSH,
    Escalation,
    Preferences,
    Recipient,
    channels,
    digest_day,
    first_notification_at,
    next_digest_at,
    quiet_hours_end,
    read_written_mails,
    release_at,
    retry_delay,
    too_old,
)
from tests.unit.roles import ALLOW, FORBID, OTHER, SCHOOL, person

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def someone(**changes) -> Recipient:
    values = {
        "is_author": False,
        "read_seq": 0,
        "has_push": True,
        "has_email": True,
        "preferences": Preferences(),
    }
    values.update(changes)
    return Recipient(**values)


def test_grace_period_and_urgent_bypass():
    created = at("2026-11-30 10:00")
    assert first_notification_at(created, False, dt.timedelta(seconds=60)) == at("2026-11-30 10:01")
    assert first_notification_at(created, True, dt.timedelta(seconds=60)) == created


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        (someone(), {PUSH}),
        (someone(has_push=False), {EMAIL}),
        (someone(preferences=Preferences(push=False)), {EMAIL}),
        (someone(has_push=False, preferences=Preferences(email="digest")), set()),
        (someone(has_push=False, preferences=Preferences(email="off")), set()),
        (someone(has_push=False, has_email=False), set()),
        (someone(is_author=True), set()),
        (someone(read_seq=3), set()),  # already read the message (seq 3)
        (someone(read_seq=2), {PUSH}),
    ],
)
def test_channels(recipient, expected):
    assert channels(recipient, seq=3) == expected


def test_quiet_hours_across_midnight_in_paris_time():
    prefs = Preferences(quiet_start=dt.time(20, 0), quiet_end=dt.time(7, 0))
    # 30 November: Paris is UTC+1. 19:30 UTC is 20:30 in Paris: quiet until 07:00 Paris = 06:00 UTC.
    assert quiet_hours_end(at("2026-11-30 19:30"), prefs) == at("2026-12-01 06:00")
    assert quiet_hours_end(at("2026-12-01 05:59"), prefs) == at("2026-12-01 06:00")
    assert quiet_hours_end(at("2026-12-01 06:00"), prefs) is None
    assert quiet_hours_end(at("2026-11-30 18:59"), prefs) is None
    # Summer time: Paris is UTC+2.
    assert quiet_hours_end(at("2026-06-15 18:30"), prefs) == at("2026-06-16 05:00")


def test_quiet_hours_within_a_day_and_none():
    lunch = Preferences(quiet_start=dt.time(12, 0), quiet_end=dt.time(14, 0))
    assert quiet_hours_end(at("2026-11-30 11:30"), lunch) == at("2026-11-30 13:00")
    assert quiet_hours_end(at("2026-11-30 13:00"), lunch) is None
    assert quiet_hours_end(at("2026-11-30 23:00"), Preferences(quiet_start=None, quiet_end=None)) is None


def test_release_holds_only_non_urgent_notifications():
    prefs = Preferences()
    night = at("2026-11-30 22:00")
    assert release_at(night, prefs, urgent=True) == night
    assert release_at(night, prefs, urgent=False) == at("2026-12-01 06:00")
    day = at("2026-11-30 10:00")
    assert release_at(day, prefs, urgent=False) == day


def test_digest_at_five_pm_paris():
    assert next_digest_at(at("2026-11-30 10:00")) == at("2026-11-30 16:00")
    assert next_digest_at(at("2026-11-30 16:00")) == at("2026-12-01 16:00")
    assert next_digest_at(at("2026-06-15 10:00")) == at("2026-06-15 15:00")
    assert digest_day(at("2026-11-30 15:59")) is None
    assert digest_day(at("2026-11-30 16:00")) == dt.date(2026, 11, 30)


def test_escalation_steps():
    created = at("2026-11-30 08:00")
    assert Escalation().steps(created) == [
        ("reminder", at("2026-12-01 08:00")),
        ("escalation", at("2026-12-02 08:00")),
    ]
    short = Escalation(dt.timedelta(minutes=1), dt.timedelta(minutes=2))
    assert [when for _, when in short.steps(created)] == [at("2026-11-30 08:01"), at("2026-11-30 08:02")]


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(1)
    delays = [retry_delay(n, rng).total_seconds() for n in range(1, 12)]
    assert 15 <= delays[0] <= 30
    assert 30 <= delays[1] <= 60
    assert all(1800 <= d <= 3600 for d in delays[8:])
    assert len({round(d) for d in delays}) == len(delays)  # jittered


def test_old_news_is_given_up_after_a_day():
    due = at("2026-11-30 08:00")
    assert not too_old(due, at("2026-12-01 08:00"))
    assert too_old(due, at("2026-12-01 08:01"))


# role -> read the mails written (the operator's pages)
OPERATOR = [
    ("admin", None, ALLOW),
    ("director", SCHOOL, FORBID),
    ("director", OTHER, FORBID),
    ("teacher", SCHOOL, FORBID),
    ("parent", SCHOOL, FORBID),
    ("student", SCHOOL, FORBID),
]


@pytest.mark.parametrize(("role", "school", "expected"), OPERATOR)
def test_only_the_operator_reads_written_mails(role, school, expected):
    assert read_written_mails(person(role, school)) is expected
