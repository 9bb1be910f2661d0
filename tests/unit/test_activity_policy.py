"""Grouped notices of new posts and pages: texts, and when and how, with a fixed clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from liaison.activity.policy import (
    BLOG,
    CAHIER,
    Person,
    Plan,
    elides,
    email_subject,
    join,
    place,
    plan,
    ready_at,
    title,
)
from liaison.config import ConfigError, load_settings
from liaison.delivery.policy import EMAIL, PUSH, Preferences

PARIS = ZoneInfo("Europe/Paris")
NO_QUIET = {"quiet_start": None, "quiet_end": None}


def paris(text: str) -> dt.datetime:
    """A Paris wall-clock time 'YYYY-MM-DD HH:MM' as a UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(dt.UTC)


# -- texts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "count", "expected"),
    [
        (CAHIER, "Léa", 1, "Nouvelle page dans le cahier de Léa"),
        (CAHIER, "Léa", 2, "2 nouvelles pages dans le cahier de Léa"),
        (CAHIER, "Léa", 3, "3 nouvelles pages dans le cahier de Léa"),
        (CAHIER, "Inès", 1, "Nouvelle page dans le cahier d'Inès"),
        (CAHIER, "Émile", 4, "4 nouvelles pages dans le cahier d'Émile"),
        (CAHIER, "Hugo", 1, "Nouvelle page dans le cahier d'Hugo"),
        (CAHIER, "Yves", 1, "Nouvelle page dans le cahier d'Yves"),
        (CAHIER, "Yanis", 1, "Nouvelle page dans le cahier de Yanis"),
        (CAHIER, "Noah", 12, "12 nouvelles pages dans le cahier de Noah"),
        (CAHIER, " Océane ", 1, "Nouvelle page dans le cahier d'Océane"),
        (BLOG, "CP", 1, "Nouvel article sur le blog de la classe CP"),
        (BLOG, "CP", 2, "2 nouveaux articles sur le blog de la classe CP"),
        (BLOG, "CE1", 5, "5 nouveaux articles sur le blog de la classe CE1"),
        (BLOG, "Petite section", 1, "Nouvel article sur le blog de la classe Petite section"),
        (BLOG, "Classe des Papillons", 1, "Nouvel article sur le blog de la classe des Papillons"),
    ],
)
def test_grouped_titles(kind: str, name: str, count: int, expected: str) -> None:
    assert title(kind, name, count) == expected


def test_titles_refuse_what_is_not_a_notice() -> None:
    with pytest.raises(ValueError):
        title(CAHIER, "Léa", 0)
    with pytest.raises(ValueError):
        title("photos", "Léa", 1)
    with pytest.raises(ValueError):
        place("photos", "Léa")


def test_elision() -> None:
    assert [elides(n) for n in ("Alice", "Élodie", "Ugo", "Irène", "Hélène", "Yvonne")] == [True] * 6
    assert [elides(n) for n in ("Léa", "Zoé", "Yasmine", "Yann", "", "Y")] == [False] * 6


def test_join_and_email_subjects() -> None:
    assert join([]) == "" and join(["a"]) == "a"
    assert join(["a", "b"]) == "a et b" and join(["a", "b", "c"]) == "a, b et c"
    assert email_subject([(CAHIER, "Léa", 3)]) == "3 nouvelles pages dans le cahier de Léa"
    assert email_subject([(CAHIER, "Léa", 3), (CAHIER, "Inès", 1), (BLOG, "CP", 2)]) == (
        "Du nouveau dans le cahier de Léa, dans le cahier d'Inès et sur le blog de la classe CP"
    )
    with pytest.raises(ValueError):
        email_subject([])


# -- when and how ------------------------------------------------------------------------------


def person(subscribed: bool = True, address: bool = True, **prefs) -> Person:
    """Someone with (or without) a push subscription and an email address; `prefs`
    are their preferences (push on/off, email immediate/digest/off), no quiet hours."""
    return Person(has_push=subscribed, has_email=address, preferences=Preferences(**{**NO_QUIET, **prefs}))


def test_ready_after_the_grace() -> None:
    first = paris("2026-03-10 10:00")
    assert ready_at(first, dt.timedelta(minutes=10)) == paris("2026-03-10 10:10")


def test_push_first_then_immediate_email_then_nothing() -> None:
    now = paris("2026-03-10 10:15")
    ready = paris("2026-03-10 10:10")
    # Push wins over email: one channel per notice.
    assert plan(person(), ready, now) == Plan(PUSH, now)
    # Push turned off, or no subscription: an email, if wanted at once.
    assert plan(person(push=False), ready, now) == Plan(EMAIL, now)
    assert plan(person(subscribed=False), ready, now) == Plan(EMAIL, now)
    # Nobody to tell: no subscription and no address; or no subscription and email off.
    assert plan(person(subscribed=False, address=False), ready, now) == Plan(None, now)
    assert plan(person(subscribed=False, email="off"), ready, now) == Plan(None, now)
    assert plan(person(push=False, email="off"), ready, now) == Plan(None, now)
    # Email off does not stop the push.
    assert plan(person(email="off"), ready, now) == Plan(PUSH, now)


def test_quiet_hours_hold_push_and_email_until_they_end() -> None:
    night = paris("2026-03-10 22:30")
    quiet = {"quiet_start": dt.time(20, 0), "quiet_end": dt.time(7, 0)}
    morning = paris("2026-03-11 07:00")
    assert plan(person(**quiet), night, night) == Plan(PUSH, morning)
    assert plan(person(subscribed=False, **quiet), night, night) == Plan(EMAIL, morning)
    # After midnight, the same morning; in the day, at once.
    assert plan(person(**quiet), night, paris("2026-03-11 03:00")) == Plan(PUSH, morning)
    day = paris("2026-03-11 07:00")
    assert plan(person(**quiet), night, day) == Plan(PUSH, day)
    # Quiet hours within a day (a nap): held until they end.
    nap = {"quiet_start": dt.time(12, 0), "quiet_end": dt.time(14, 0)}
    assert plan(person(**nap), night, paris("2026-03-11 12:30")) == Plan(PUSH, paris("2026-03-11 14:00"))


def test_digest_readers_get_it_at_five() -> None:
    """Without push, a digest reader's notice goes with the 17:00 mail: that day's if
    it was ready before, else the next day's; looked at again at 17:00, it goes."""
    digest = person(subscribed=False, email="digest")
    ready = paris("2026-03-10 10:10")
    five = paris("2026-03-10 17:00")
    assert plan(digest, ready, paris("2026-03-10 10:15")) == Plan(EMAIL, five)
    assert plan(digest, ready, five) == Plan(EMAIL, five)  # due: goes now
    late = paris("2026-03-10 17:20")
    assert plan(digest, late, late) == Plan(EMAIL, paris("2026-03-11 17:00"))
    # A digest reader with push gets the push (the digest is for email).
    assert plan(person(email="digest"), ready, paris("2026-03-10 10:15")).channel == PUSH
    # Quiet hours do not move the 17:00 mail (as the messages' digest).
    quiet_digest = person(
        subscribed=False, email="digest", quiet_start=dt.time(16, 0), quiet_end=dt.time(18, 0)
    )
    assert plan(quiet_digest, ready, five) == Plan(EMAIL, five)


def test_the_grace_setting() -> None:
    assert load_settings({}).activity_grace_seconds == 600
    assert load_settings({"ACTIVITY_GRACE_SECONDS": "0"}).activity_grace_seconds == 0
    for bad in ("dix", "-1"):
        with pytest.raises(ConfigError, match="ACTIVITY_GRACE_SECONDS"):
            load_settings({"ACTIVITY_GRACE_SECONDS": bad})
