"""Grouped notices of new blog posts and cahier pages: pure rules, no I/O.

The texts ("3 nouvelles pages dans le cahier de Léa"), when a pending notice
may go, and by which channel. The preferences and quiet hours are those of
the Delivery issue (liaison/delivery/policy.py); every function takes the
time it is asked about, never the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from liaison.calendar.days import Calendar
from liaison.core.french import de as of
from liaison.core.french import elides as elides  # re-exported: the texts' rule
from liaison.core.french import join as join
from liaison.delivery.policy import EMAIL, PUSH, Preferences, next_digest_at, release_at

BLOG, CAHIER = "blog", "cahier"
# A reminder of the school about a child's image consent (liaison/consent):
# key = the child, name = its first name.
CONSENT = "consent"
KINDS = (BLOG, CAHIER, CONSENT)

# -- texts ----------------------------------------------------------------------------


def place(kind: str, name: str) -> str:
    """Where the news is: "dans le cahier de Léa", "sur le blog de la classe CP"."""
    name = name.strip()
    if kind == CAHIER:
        return f"dans le cahier {of(name)}"
    if kind == BLOG:
        # "Classe de Mme Durand" is already a class: not "la classe Classe de...".
        if name.lower().startswith("classe "):
            name = name[len("classe ") :].strip()
        return f"sur le blog de la classe {name}"
    if kind == CONSENT:
        return f"au sujet du droit à l'image {of(name)}"
    raise ValueError(f"unknown kind {kind!r}")


def title(kind: str, name: str, count: int) -> str:
    """The grouped title of a notice: the subject of its email, the body of its push."""
    if count < 1:
        raise ValueError("a notice counts at least one post or page")
    if kind == CONSENT:  # asked again: still one question
        return f"Droit à l'image : l'école attend votre réponse pour {name.strip()}"
    if kind == CAHIER:
        what = "Nouvelle page" if count == 1 else f"{count} nouvelles pages"
    elif kind == BLOG:
        what = "Nouvel article" if count == 1 else f"{count} nouveaux articles"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return f"{what} {place(kind, name)}"


def email_subject(notices: list[tuple[str, str, int]]) -> str:
    """One email per person and batch: a single notice's title, else where the news are
    ("Du nouveau dans le cahier de Léa et sur le blog de la classe CP")."""
    if not notices:
        raise ValueError("an email tells at least one notice")
    if len(notices) == 1:
        return title(*notices[0])
    return "Du nouveau " + join([place(kind, name) for kind, name, _ in notices])


# -- when and how ------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    has_push: bool  # at least one push subscription
    has_email: bool
    preferences: Preferences


@dataclass(frozen=True)
class Plan:
    channel: str | None  # PUSH, EMAIL, or None: nobody to tell (push off, email off)
    at: dt.datetime  # not before


def ready_at(first_at: dt.datetime, grace: dt.timedelta) -> dt.datetime:
    """A notice waits for the grace period after its first post or page: what is
    posted meanwhile joins it, and someone who looks meanwhile is not disturbed."""
    return first_at + grace


def plan(person: Person, ready: dt.datetime, now: dt.datetime, calendar: Calendar | None = None) -> Plan:
    """For a notice ready since `ready`, looked at `now`: a push to whoever allows it
    and has a subscription; otherwise an email to whoever wants immediate emails; both
    after the quiet hours. Digest readers get it by email with the 17:00 digest, of a
    school day of the school's `calendar` (no digest on a day off)."""
    prefs = person.preferences
    if prefs.push and person.has_push:
        return Plan(PUSH, release_at(now, prefs, urgent=False))
    if person.has_email and prefs.email == "immediate":
        return Plan(EMAIL, release_at(now, prefs, urgent=False))
    if person.has_email and prefs.email == "digest":
        digest = next_digest_at(ready)
        return Plan(EMAIL, calendar.next_school_moment(digest) if calendar else digest)
    return Plan(None, now)
