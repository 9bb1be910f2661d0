"""What the board says of each family (`liaison/messaging/board.py`), with a fixed clock.

Times are written in Paris time (winter: UTC+1), as a school reads them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from liaison.calendar.days import Calendar
from liaison.delivery.policy import Preferences, Recipient
from liaison.messaging.board import (
    ACKED,
    NOTIFIED,
    PENDING,
    READ,
    UNREACHED,
    Job,
    Outlook,
    Planned,
    chased,
    digest_due,
    family_state,
    next_notice,
    spoken_time,
)

PARIS = ZoneInfo("Europe/Paris")
DEFAULTS = Preferences()  # push, immediate emails, quiet hours 20:00-07:00
NO_QUIET = Preferences(quiet_start=None, quiet_end=None)


def paris(text: str) -> dt.datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM' in Paris."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(dt.UTC)


def guardian(
    *,
    push: bool = True,
    email: bool = True,
    prefs: Preferences = DEFAULTS,
    read_seq: int = 0,
    planned: tuple[Planned, ...] = (),
    last_digest_day: dt.date | None = None,
) -> Outlook:
    return Outlook(Recipient(False, read_seq, push, email, prefs), planned, last_digest_day)


def message(due: str, *, seq: int = 1, urgent: bool = False) -> Job:
    return Job("message", seq, urgent, paris(due))


# -- when a guardian not reached yet will be ---------------------------------------------------

EVENING = "2026-11-26 21:10"  # an announcement posted in the evening, in the quiet hours

NOTICES = [
    # The evening announcement: held until the quiet hours end, at 7:00.
    ("quiet hours", guardian(), [message("2026-11-26 21:11")], EVENING, "2026-11-27 07:00"),
    # Their own quiet hours: 7:30.
    (
        "own quiet hours",
        guardian(prefs=Preferences(quiet_start=dt.time(21), quiet_end=dt.time(7, 30))),
        [message("2026-11-26 21:11")],
        EVENING,
        "2026-11-27 07:30",
    ),
    # No quiet hours: when the grace period ends.
    ("grace", guardian(prefs=NO_QUIET), [message("2026-11-26 21:11")], EVENING, "2026-11-26 21:11"),
    # The grace period over and the worker not there yet: still the job's time, past.
    (
        "late worker",
        guardian(prefs=NO_QUIET),
        [message("2026-11-26 21:11")],
        "2026-11-26 21:15",
        "2026-11-26 21:11",
    ),
    # Urgent: quiet hours do not hold it.
    ("urgent", guardian(), [message("2026-11-26 21:10", urgent=True)], EVENING, "2026-11-26 21:10"),
    # Email only (no push subscription): the email goes, after the quiet hours.
    ("email", guardian(push=False), [message("2026-11-26 21:11")], EVENING, "2026-11-27 07:00"),
    # Push turned off and email only in the digest: tomorrow's 17:00 digest (today's went)...
    (
        "digest",
        guardian(prefs=Preferences(email="digest", push=False), last_digest_day=dt.date(2026, 11, 26)),
        [message("2026-11-26 21:11")],
        EVENING,
        "2026-11-27 17:00",
    ),
    # ... or today's, which the worker is about to send.
    (
        "digest late",
        guardian(prefs=Preferences(email="digest", push=False), last_digest_day=dt.date(2026, 11, 25)),
        [message("2026-11-26 21:11")],
        EVENING,
        "2026-11-26 17:00",
    ),
    # No push, email off: nobody will tell them.
    (
        "no channel",
        guardian(push=False, prefs=Preferences(email="off")),
        [message("2026-11-26 21:11")],
        EVENING,
        None,
    ),
    ("no address", guardian(push=False, email=False), [message("2026-11-26 21:11")], EVENING, None),
    # Deliveries already planned (the worker held them to the end of the quiet hours).
    (
        "planned",
        guardian(planned=(Planned(paris("2026-11-27 07:00"), paris("2026-11-26 21:11")),)),
        [],
        EVENING,
        "2026-11-27 07:00",
    ),
    # Being sent (due in the past): now-ish, still pending.
    (
        "sending",
        guardian(planned=(Planned(paris("2026-11-26 21:11"), paris("2026-11-26 21:11")),)),
        [],
        "2026-11-26 21:12",
        "2026-11-26 21:11",
    ),
    # Given up after a day: nothing will go.
    (
        "given up",
        guardian(planned=(Planned(paris("2026-11-27 21:00"), paris("2026-11-26 21:11")),)),
        [],
        "2026-11-27 21:12",
        None,
    ),
    ("stale job", guardian(prefs=NO_QUIET), [message("2026-11-25 21:11")], "2026-11-26 21:12", None),
    # The escalation steps to come are reminders, not the notification: not pending.
    ("escalation", guardian(), [Job("reminder", 1, False, paris("2026-11-27 21:10"))], EVENING, None),
    # A second message of the thread still to go counts too; the earliest wins.
    (
        "earliest",
        guardian(prefs=NO_QUIET, planned=(Planned(paris("2026-11-26 22:00"), paris("2026-11-26 22:00")),)),
        [message("2026-11-26 21:30", seq=2)],
        EVENING,
        "2026-11-26 21:30",
    ),
]


@pytest.mark.parametrize(("who", "outlook", "jobs", "now", "expected"), NOTICES, ids=[n[0] for n in NOTICES])
def test_next_notice(who, outlook, jobs, now, expected):
    assert next_notice(outlook, jobs, paris(now)) == (paris(expected) if expected else None)


@pytest.mark.parametrize(
    ("now", "last_day", "expected"),
    [
        ("2026-11-26 09:00", None, "2026-11-26 17:00"),  # today's
        ("2026-11-26 17:20", None, "2026-11-26 17:00"),  # today's, about to go
        ("2026-11-26 17:20", dt.date(2026, 11, 25), "2026-11-26 17:00"),
        ("2026-11-26 17:20", dt.date(2026, 11, 26), "2026-11-27 17:00"),  # gone already: tomorrow's
        ("2026-11-26 23:30", dt.date(2026, 11, 26), "2026-11-27 17:00"),
    ],
)
def test_digest_due(now, last_day, expected):
    assert digest_due(paris(now), last_day) == paris(expected)


FOUR_DAYS = Calendar(week=("mon", "tue", "thu", "fri"))


@pytest.mark.parametrize(
    ("now", "last_day", "expected"),
    [
        ("2026-11-24 09:00", None, "2026-11-24 17:00"),  # a Tuesday
        ("2026-11-24 18:00", dt.date(2026, 11, 24), "2026-11-26 17:00"),  # no digest on Wednesday
        ("2026-11-25 17:30", dt.date(2026, 11, 24), "2026-11-26 17:00"),  # a Wednesday: Thursday's
        ("2026-11-27 19:00", dt.date(2026, 11, 27), "2026-11-30 17:00"),  # Friday evening: Monday's
    ],
)
def test_no_digest_on_a_day_off(now, last_day, expected):
    assert digest_due(paris(now), last_day, FOUR_DAYS) == paris(expected)
    reader = guardian(prefs=Preferences(email="digest", push=False), last_digest_day=last_day)
    assert next_notice(reader, [message(now)], paris(now), FOUR_DAYS) == paris(expected)


# -- the family's state ------------------------------------------------------------------------

AT_SEVEN = paris("2026-11-27 07:00")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (dict(read=True, acked=True, reached=True, notices=[]), (ACKED, None)),
        (dict(read=True, acked=False, reached=False, notices=[]), (READ, None)),
        (dict(read=False, acked=False, reached=True, notices=[AT_SEVEN]), (NOTIFIED, None)),
        (dict(read=False, acked=False, reached=False, notices=[None, AT_SEVEN]), (PENDING, AT_SEVEN)),
        (
            dict(read=False, acked=False, reached=False, notices=[AT_SEVEN, paris("2026-11-26 21:11")]),
            (PENDING, paris("2026-11-26 21:11")),
        ),
        (dict(read=False, acked=False, reached=False, notices=[None, None]), (UNREACHED, None)),
        # No guardian with an account in the thread: nobody to tell.
        (dict(read=False, acked=False, reached=False, notices=[]), (UNREACHED, None)),
    ],
)
def test_family_state(facts, expected):
    verdict = family_state(**facts)
    assert (verdict.state, verdict.notify_at) == expected


@pytest.mark.parametrize(
    ("state", "require_ack", "expected"),
    [
        (UNREACHED, False, True),
        (NOTIFIED, False, True),  # told, not read: a slip may still help
        (PENDING, False, False),  # its notification goes before a slip could
        (READ, False, False),
        (ACKED, False, False),
        (UNREACHED, True, True),
        (NOTIFIED, True, True),
        (READ, True, True),  # read, not signed
        (PENDING, True, False),
        (ACKED, True, False),
    ],
)
def test_who_is_chased(state, require_ack, expected):
    assert chased(state, require_ack) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-26 18:02", "aujourd'hui à 18 h 02"),
        ("2026-11-25 18:02", "hier à 18 h 02"),
        ("2026-11-27 07:00", "demain à 7 h"),
        ("2026-11-27 07:30", "demain à 7 h 30"),
        ("2026-11-03 08:15", "le 03/11 à 8 h 15"),
        ("2026-07-01 00:05", "le 01/07 à 0 h 05"),  # summer time
    ],
)
def test_spoken_time(moment, expected):
    said = spoken_time(paris(moment), paris("2026-11-26 20:00"))
    assert said == expected.replace(" h", "\u00a0h").replace("h ", "h\u00a0")
