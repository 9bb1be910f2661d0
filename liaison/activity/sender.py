"""The loop that sends grouped notices of new posts and pages.

Each step claims the pending notices past their grace period (FOR UPDATE SKIP
LOCKED, so any number of workers run side by side), decides for each person
(liaison/activity/policy.py: push, else immediate email, else the 17:00 digest;
quiet hours hold), commits `sending` for those that go now, then sends: one push
per notice on each of the person's subscriptions, one email per person with all
their notices of the batch. How it sends (the push sender, the mailer, the VAPID
key, the claims kept alive, a push's outcome) is delivery's sender
(liaison/delivery/sender.py): one way to send for the project.

What goes out is the grouped title and a link, never a photo, never the text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.activity import policy
from liaison.activity import store as notices_store
from liaison.activity.store import Notice
from liaison.calendar.service import school_calendars
from liaison.config import Settings
from liaison.core.clock import utcnow
from liaison.delivery import policy as delivery_policy
from liaison.delivery import store as delivery_store
from liaison.delivery.mail import FileMailer, SmtpMailer, compose, template_environment
from liaison.delivery.policy import EMAIL, PUSH, Preferences
from liaison.delivery.push import PushSender, topic_for
from liaison.delivery.sender import STUCK_AFTER, Clock, Sender
from liaison.delivery.store import Subscription
from liaison.directory import store as directory

log = logging.getLogger("liaison.activity")

POLL_SECONDS = 2.0
BATCH = 100
ROUNDS = 10  # claims per step at most: a backlog goes BATCH * ROUNDS at a time
KEEP_DONE = dt.timedelta(days=30)
PRUNE_EVERY = dt.timedelta(hours=1)

_templates = template_environment(Path(__file__).parent / "templates")


def tag_of(kind: str, key: UUID) -> str:
    """The notification's tag on the phone (sw.js): a newer notice about the same
    cahier or blog replaces the older one."""
    return f"{kind}-{key}"


def push_payload(notice: Notice, school: str | None) -> dict[str, Any]:
    """As messages' pushes (static/sw.js readPush), with a tag instead of a thread."""
    return {
        "title": school or "Liaison",
        "body": policy.title(notice.kind, notice.name, notice.count),
        "url": notice.url,
        "thread_id": None,
        "tag": tag_of(notice.kind, notice.key),
        "urgent": False,
    }


class ActivitySender(Sender):
    """`claimed` (liaison/delivery/sender.py): the notices this worker holds `sending`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        clock: Clock = utcnow,
        *,
        push: PushSender | None = None,
        mailer: SmtpMailer | FileMailer | None = None,
    ) -> None:
        """`push`, `mailer`: share those of another loop (else made here, and closed)."""
        super().__init__(
            pool, settings, clock, renew=notices_store.keep_sending, log=log, push=push, mailer=mailer
        )
        self.grace = dt.timedelta(seconds=settings.activity_grace_seconds)
        self._last_prune: dt.datetime | None = None

    async def run(self) -> None:
        """A step every POLL_SECONDS until cancelled; the claims renewed meanwhile (a
        slow SMTP server makes sends long)."""
        await self.start()
        try:
            async with self.keeping_claims("activity-claims", STUCK_AFTER):
                while True:
                    await self.step()
                    await asyncio.sleep(POLL_SECONDS)
        finally:
            await self.close()

    async def step(self) -> int:
        """Everything due at the clock's time, sent (and awaited). Returns the notices sent
        or given up this step."""
        now = self.clock()
        await notices_store.recover_stuck(self.pool, STUCK_AFTER, now)
        await self._prune(now)
        done = 0
        for _ in range(ROUNDS):
            claimed = await self._claim(now)
            if claimed is None:
                break
            done += await self._send(*claimed, now)
        return done

    async def _prune(self, now: dt.datetime) -> None:
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        removed = await notices_store.prune(self.pool, KEEP_DONE)
        if removed:
            log.info("pruned %d activity notices older than %d days", removed, KEEP_DONE.days)

    # -- claiming -----------------------------------------------------------------------------
    async def _claim(
        self, now: dt.datetime
    ) -> tuple[list[tuple[Notice, str]], dict[UUID, Any], dict[UUID, list[Subscription]]] | None:
        """Due notices: held (quiet hours, digest), skipped (no channel), given up (a day
        late), or marked `sending` with their channel; committed before any send."""
        async with self.pool.acquire() as conn, conn.transaction():
            due = await notices_store.claim_due(conn, now, self.grace, BATCH)
            if not due:
                return None
            people = list({n.user_id for n in due})
            users = await accounts.users_by_id(conn, people)
            preferences = await accounts.preferences_of(conn, people)
            subscriptions = await delivery_store.subscriptions_of(conn, people)
            calendars = await school_calendars(conn, [n.school_id for n in due])
            holds: list[tuple[int, dt.datetime]] = []
            sends: list[tuple[Notice, str]] = []
            skipped: list[int] = []
            late: list[int] = []
            for notice in due:
                if notice.first_try_at and delivery_policy.too_old(notice.first_try_at, now):
                    late.append(notice.id)
                    continue
                user = users.get(notice.user_id)
                person = policy.Person(
                    has_push=bool(subscriptions.get(notice.user_id)),
                    has_email=bool(user and user.email),
                    preferences=Preferences(**preferences[notice.user_id]),
                )
                plan = policy.plan(
                    person, policy.ready_at(notice.first_at, self.grace), now, calendars[notice.school_id]
                )
                if plan.channel is None or user is None:
                    skipped.append(notice.id)
                elif plan.at > now:
                    holds.append((notice.id, plan.at))
                else:
                    sends.append((notice, plan.channel))
            await notices_store.hold(conn, holds)
            await notices_store.finish(conn, skipped, "skipped", "ni push ni courriel souhaités")
            await notices_store.finish(conn, late, "failed", "abandonné : plus d'un jour de retard")
            await notices_store.start_sending(conn, [(n.id, channel) for n, channel in sends], now)
        self.claimed.update(n.id for n, _ in sends)
        return sends, users, subscriptions

    # -- sending ------------------------------------------------------------------------------
    async def _send(
        self,
        sends: list[tuple[Notice, str]],
        users: dict[UUID, Any],
        subscriptions: dict[UUID, list[Subscription]],
        now: dt.datetime,
    ) -> int:
        schools = await self._school_names({n.school_id for n, _ in sends})
        mails: dict[UUID, list[Notice]] = defaultdict(list)
        for notice, channel in sends:
            if channel == EMAIL:
                mails[notice.user_id].append(notice)
        jobs = [
            self._guarded([notice], self._push(notice, subscriptions.get(notice.user_id, []), schools, now))
            for notice, channel in sends
            if channel == PUSH
        ]
        jobs += [
            self._guarded(group, self._email(users[user_id], group, schools, now))
            for user_id, group in mails.items()
        ]
        await asyncio.gather(*jobs)
        return len(sends)

    async def _guarded(self, notices: list[Notice], send: Any) -> None:
        """One bad notice never stops the loop: it is tried again later."""
        try:
            await send
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("activity notices %s failed unexpectedly", [n.id for n in notices])
            for notice in notices:
                await self._retry(notice, f"erreur interne : {type(error).__name__}")
        finally:
            self.claimed.difference_update(n.id for n in notices)

    async def _school_names(self, school_ids: set[UUID]) -> dict[UUID, str]:
        names = {}
        for school_id in school_ids:
            school = await directory.get_school(self.pool, school_id)
            if school is not None:
                names[school_id] = school["name"]
        return names

    async def _retry(self, notice: Notice, error: str, after: float | None = None) -> None:
        await notices_store.release(
            self.pool, notice.id, self.retry_at(notice.attempts + 1, after), error[:300]
        )

    async def _push(
        self,
        notice: Notice,
        subscriptions: list[Subscription],
        schools: dict[UUID, str],
        now: dt.datetime,
    ) -> None:
        if not subscriptions:  # unsubscribed since the claim: decided again (email?)
            await notices_store.release(self.pool, notice.id, now, "aucun abonnement push")
            return
        payload = push_payload(notice, schools.get(notice.school_id))
        pushed = await self.push_to(subscriptions, payload, urgent=False, topic=topic_for(payload["tag"]))
        if pushed.sent:
            await notices_store.finish(self.pool, [notice.id], "sent")
        elif pushed.gone:
            # No working push any more: decided again at once (an email, if wanted).
            await notices_store.release(self.pool, notice.id, now, "abonnement expiré (404/410)")
        else:
            await self._retry(notice, pushed.error, pushed.retry_after)

    async def _email(
        self, user: Any, notices: list[Notice], schools: dict[UUID, str], now: dt.datetime
    ) -> None:
        public = self.settings.public_url
        school_names = {schools.get(n.school_id) for n in notices}
        preferences_url = f"{public}/#/preferences"
        subject = policy.email_subject([(n.kind, n.name, n.count) for n in notices])
        message = compose(
            "activity",
            to=user.email,
            sender=self.settings.mail_from,
            subject=subject,
            context={
                "recipient": user.display_name,
                "subject": subject,
                "school": school_names.pop() if len(school_names) == 1 else None,
                "items": [
                    {
                        "title": policy.title(n.kind, n.name, n.count),
                        "url": f"{public}{n.url}" if n.url.startswith("/") else n.url,
                    }
                    for n in notices
                ],
                "preferences_url": preferences_url,
            },
            unsubscribe_url=preferences_url,
            templates=_templates,
        )
        failure = await self.mail(message)
        if failure is not None:
            for notice in notices:
                await self._retry(notice, f"SMTP : {failure}")
            return
        await notices_store.finish(self.pool, [n.id for n in notices], "sent")
