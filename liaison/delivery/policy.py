"""When and how to notify someone who has not read: pure rules, no I/O.

Every function takes the time it is asked about (never the clock), so the
rules are tested with a fixed clock and the workers pass `now`. And who
reads the mails written: the platform's operator.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from liaison.core.clock import PARIS
from liaison.core.decisions import Decision
from liaison.core.people import Role, User

PUSH, EMAIL = "push", "email"
DIGEST_HOUR = dt.time(17, 0)
GIVE_UP_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True)
class Preferences:
    email: str = "immediate"  # "immediate", "digest" or "off"
    push: bool = True
    quiet_start: dt.time | None = dt.time(20, 0)
    quiet_end: dt.time | None = dt.time(7, 0)


@dataclass(frozen=True)
class Recipient:
    is_author: bool
    read_seq: int
    has_push: bool  # at least one working push subscription
    has_email: bool
    preferences: Preferences


# An absence's reason and note are health data: they stay in Liaison. A push
# carries a thread's subject only (a lock screen is not private; an absence's
# subject names no reason), and the email of a message in an absence thread
# says where to read it instead of its text (a mailbox is not the school's).
PRIVATE_TEXT_KINDS = frozenset({"absence"})
PRIVATE_TEXT = (
    "Ce message concerne une absence. Son contenu (motif, précisions) ne quitte pas Liaison : "
    "ouvrez-le dans l'application pour le lire."
)


def mail_text(thread_kind: str, body: str) -> str:
    """The text of a message as its email shows it."""
    return PRIVATE_TEXT if thread_kind in PRIVATE_TEXT_KINDS else body


def first_notification_at(created_at: dt.datetime, urgent: bool, grace: dt.timedelta) -> dt.datetime:
    """Urgent messages and absences go at once; others wait for the grace
    period, so that someone who reads meanwhile is not disturbed."""
    return created_at if urgent else created_at + grace


def channels(recipient: Recipient, seq: int) -> frozenset[str]:
    """Push to whoever allows it and has a subscription; email to whoever has
    no working push, or turned push off, and wants immediate emails. Nobody is
    notified of their own message or of what they have already read."""
    if recipient.is_author or recipient.read_seq >= seq:
        return frozenset()
    prefs = recipient.preferences
    chosen = set()
    pushes = prefs.push and recipient.has_push
    if pushes:
        chosen.add(PUSH)
    if recipient.has_email and prefs.email == "immediate" and not pushes:
        chosen.add(EMAIL)
    return frozenset(chosen)


def quiet_hours_end(now: dt.datetime, prefs: Preferences) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (Europe/Paris), else None."""
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return None
    local = now.astimezone(PARIS)
    clock = local.time().replace(tzinfo=None)
    start, end = prefs.quiet_start, prefs.quiet_end
    if start < end:  # e.g. 12:00-14:00, within one day
        inside = start <= clock < end
        end_day = local.date()
    else:  # e.g. 20:00-07:00, across midnight
        inside = clock >= start or clock < end
        end_day = local.date() + dt.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=PARIS).astimezone(dt.UTC)


def release_at(now: dt.datetime, prefs: Preferences, urgent: bool) -> dt.datetime:
    """When a notification due now may go: urgent ones at once, others after
    the quiet hours."""
    if urgent:
        return now
    return quiet_hours_end(now, prefs) or now


def next_digest_at(now: dt.datetime) -> dt.datetime:
    """The next 17:00 in Paris (today's if it has not passed)."""
    local = now.astimezone(PARIS)
    today = dt.datetime.combine(local.date(), DIGEST_HOUR, tzinfo=PARIS)
    due = (
        today
        if local < today
        else dt.datetime.combine(local.date() + dt.timedelta(days=1), DIGEST_HOUR, tzinfo=PARIS)
    )
    return due.astimezone(dt.UTC)


def digest_day(now: dt.datetime) -> dt.date | None:
    """The day whose digest is due at `now` (on or after 17:00 Paris), else None."""
    local = now.astimezone(PARIS)
    return local.date() if local.time().replace(tzinfo=None) >= DIGEST_HOUR else None


@dataclass(frozen=True)
class Escalation:
    reminder_push_after: dt.timedelta = dt.timedelta(hours=24)
    email_after: dt.timedelta = dt.timedelta(hours=48)

    def steps(self, created_at: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """For an announcement that asks for a signature: a reminder push, then
        an email; after that the family is on the paper list."""
        return [
            ("reminder", created_at + self.reminder_push_after),
            ("escalation", created_at + self.email_after),
        ]


def retry_delay(attempt: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential backoff with full jitter: 30 s, 1 min, 2 min... capped at 1 h."""
    ceiling = min(30 * 2 ** max(attempt - 1, 0), 3600)
    return dt.timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def too_old(first_due: dt.datetime, now: dt.datetime) -> bool:
    """Old news is not news: after a day we stop trying (and say why)."""
    return now - first_due > GIVE_UP_AFTER


def read_written_mails(user: User) -> Decision:
    """The mails written (and the folder they wait in when no SMTP server is
    set) are the platform operator's: the admin, no school's staff."""
    return Decision.ALLOW if user.role == Role.ADMIN else Decision.FORBID
