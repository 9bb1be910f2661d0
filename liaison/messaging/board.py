"""What the board says of each family: pure rules, no I/O, no clock.

A family (a child of the audience with its guardians) is, first that applies:

- `acked`: it signed (on the phone or on paper);
- `read`: one of its guardians read;
- `notified`: a notification reached one of its guardians (the app, a push,
  an email, the 17:00 digest), but nobody read yet;
- `pending`: nothing reached it yet, but a notification is still to go: the
  grace period, the quiet hours or the digest hold it (`notify_at`: when, in
  the past while it is being sent);
- `unreached`: its notifications were due and none reached it, or none of
  its guardians can be told at all (no account, no push, no email).

The service gathers the facts (the delivery log, the outbox, preferences)
and `now`; the rules of delivery itself are `liaison/delivery/policy.py`'s,
used here to foresee what the worker will do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from liaison.calendar.days import Calendar
from liaison.core.clock import PARIS
from liaison.delivery import policy as delivery
from liaison.delivery.policy import Recipient

ACKED, READ, NOTIFIED, PENDING, UNREACHED = "acked", "read", "notified", "pending", "unreached"
STATES = (ACKED, READ, NOTIFIED, PENDING, UNREACHED)


@dataclass(frozen=True)
class Job:
    """A notification job of the thread the worker has not turned into deliveries yet."""

    kind: str  # "message", "reminder", "escalation", "promotion"
    seq: int
    urgent: bool
    due_at: dt.datetime


@dataclass(frozen=True)
class Planned:
    """A delivery to this person, queued or being sent."""

    due_at: dt.datetime
    first_due_at: dt.datetime


@dataclass(frozen=True)
class Outlook:
    """What the board knows of one guardian not reached yet."""

    recipient: Recipient  # as the worker will see them
    planned: Sequence[Planned] = ()
    last_digest_day: dt.date | None = None  # the Paris day of their latest digest


def digest_due(
    now: dt.datetime, last_digest_day: dt.date | None, calendar: Calendar | None = None
) -> dt.datetime:
    """When the next digest goes: today's 17:00 while it has not gone (in the
    past when the worker is about to send it), else the next 17:00; on a
    school day of the school's `calendar` (no digest on a day off)."""
    today = now.astimezone(PARIS).date()
    school_day = calendar is None or calendar.is_school_day(today)
    if delivery.digest_day(now) == today and last_digest_day != today and school_day:
        return dt.datetime.combine(today, delivery.DIGEST_HOUR, tzinfo=PARIS).astimezone(dt.UTC)
    due = delivery.next_digest_at(now)
    return calendar.next_school_moment(due) if calendar else due


def next_notice(
    guardian: Outlook, jobs: Sequence[Job], now: dt.datetime, calendar: Calendar | None = None
) -> dt.datetime | None:
    """When a notification still due will reach this guardian, or None if none
    will. Deliveries already planned go when due (after the quiet hours); a
    message whose grace period runs goes when it ends, held by the quiet hours
    like the worker will hold it; a digest reader is told at 17:00 on a school
    day of the school's `calendar`. Reminders
    and escalations to come are not the message's notification: they do not
    make a family pending. What the worker gives up (a day late) counts for
    nothing."""
    recipient = guardian.recipient
    prefs = recipient.preferences
    times = [p.due_at for p in guardian.planned if not delivery.too_old(p.first_due_at, now)]
    for job in jobs:
        if job.kind != "message" or delivery.too_old(job.due_at, now):
            continue
        if delivery.channels(recipient, job.seq):
            # As the worker will decide once the job is due (a worker late, the time
            # stays the job's, in the past: the board says "dans un instant").
            times.append(delivery.release_at(job.due_at, prefs, job.urgent))
    if recipient.has_email and prefs.email == "digest" and not recipient.is_author:
        times.append(digest_due(now, guardian.last_digest_day, calendar))
    return min(times, default=None)


@dataclass(frozen=True)
class Verdict:
    state: str
    notify_at: dt.datetime | None = None


def family_state(*, read: bool, acked: bool, reached: bool, notices: Sequence[dt.datetime | None]) -> Verdict:
    """The family's state from its facts; `notices`: each guardian's `next_notice`
    (an empty list: no guardian, hence nobody to tell)."""
    if acked:
        return Verdict(ACKED)
    if read:
        return Verdict(READ)
    if reached:
        return Verdict(NOTIFIED)
    upcoming = [at for at in notices if at is not None]
    if upcoming:
        return Verdict(PENDING, min(upcoming))
    return Verdict(UNREACHED)


def chased(state: str, require_ack: bool) -> bool:
    """A family the school may chase now (remind, a paper slip): it has not done
    what is asked (sign, or read) and is not still to be told by its own
    notifications, which would reach it before a slip does."""
    done = state == ACKED if require_ack else state in (ACKED, READ)
    return not done and state != PENDING


def spoken_time(moment: dt.datetime, now: dt.datetime) -> str:
    """A moment as a French sentence says it, in Paris time: "aujourd'hui à 7 h 30",
    "hier à 18 h 02", "demain à 17 h", "le 03/11 à 8 h 15"."""
    local, today = moment.astimezone(PARIS), now.astimezone(PARIS).date()
    # No-break spaces: "7 h 30" is never cut at the end of a line.
    hour = f"{local.hour}\u00a0h" if local.minute == 0 else f"{local.hour}\u00a0h\u00a0{local.minute:02d}"
    days = (local.date() - today).days
    day = {-1: "hier", 0: "aujourd'hui", 1: "demain"}.get(days, f"le {local:%d/%m}")
    return f"{day} à {hour}"
