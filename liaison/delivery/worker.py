"""The delivery loop: turn due jobs into deliveries, send them, recover, digest.

Any number of workers run it side by side: jobs and deliveries are claimed
with FOR UPDATE SKIP LOCKED, and a delivery is marked `sending` (committed)
before the send, so two workers never send the same one. The bus wakes the
loop when a message is written; a short poll is the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.bus import Bus
from liaison.calendar.service import school_calendars
from liaison.config import Settings
from liaison.core.clock import utcnow
from liaison.core.people import User
from liaison.delivery import policy
from liaison.delivery import store as log_store
from liaison.delivery.mail import MailBuildError, compose, domain_of, thread_message_id
from liaison.delivery.policy import EMAIL, PUSH, Preferences, Recipient
from liaison.delivery.push import topic_for
from liaison.delivery.sender import STUCK_AFTER, Clock, Sender
from liaison.delivery.store import Delivery, Job, NewDelivery, Subscription
from liaison.directory import store as directory
from liaison.messaging import store as messaging
from liaison.storage.db import Connection

log = logging.getLogger("liaison.delivery")

WAKE_CHANNEL = "delivery"
POLL_SECONDS = 1.0
BATCH = 100


async def wake(bus: Bus) -> None:
    await bus.publish(WAKE_CHANNEL, {})


@dataclass(frozen=True)
class _Context:
    threads: dict[UUID, asyncpg.Record]
    members: dict[tuple[UUID, UUID], Any]
    messages: dict[tuple[UUID, int], asyncpg.Record]
    users: dict[UUID, Any]
    subscriptions: dict[UUID, list[Any]]


_PUSH_PREFIX = {
    "message": "",
    "reminder": "Rappel : signature attendue — ",
    "escalation": "Rappel : signature attendue — ",
    "promotion": "Place confirmée — ",
}
_MAIL_PREFIX = {
    "message": "",
    "reminder": "Rappel : ",
    "escalation": "Rappel : ",
    "promotion": "Place confirmée : ",
}


def _preferences(prefs: dict[str, Any]) -> Preferences:
    return Preferences(prefs["email"], prefs["push"], prefs["quiet_start"], prefs["quiet_end"])


class Deliverer(Sender):
    """`claimed` (liaison/delivery/sender.py): the deliveries this worker holds `sending`."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, settings: Settings, clock: Clock = utcnow):
        super().__init__(pool, settings, clock, renew=log_store.keep_sending, log=log)
        self.bus = bus
        self.woken = asyncio.Event()
        self.domain = domain_of(settings.mail_from)
        self.in_flight: set[asyncio.Task[None]] = set()
        self._last_digest_check: dt.datetime | None = None
        bus.subscribe(WAKE_CHANNEL, self._on_wake)

    async def _on_wake(self, message: dict[str, Any]) -> None:
        self.woken.set()

    async def close(self) -> None:
        for task in list(self.in_flight):
            task.cancel()
        await asyncio.gather(*self.in_flight, return_exceptions=True)
        await super().close()

    async def run(self) -> None:
        """A step, then the bus's wake-up or the poll, until cancelled. The claims are
        renewed meanwhile, within the STUCK_AFTER that `step`'s recovery uses: sends may
        wait long for the one SMTP connection, and a step sending digests too."""
        await self.start()
        try:
            async with self.keeping_claims("delivery-claims", STUCK_AFTER):
                while True:
                    await self.step()
                    self.woken.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(POLL_SECONDS):
                            await self.woken.wait()
        finally:
            await self.close()

    async def step(self) -> None:
        now = self.clock()
        await log_store.recover_stuck(self.pool, STUCK_AFTER)
        await self.expand_jobs(now)
        await self._start_sends(PUSH, now)
        await self._start_sends(EMAIL, now)
        await self.digests(now)

    # -- jobs → deliveries -----------------------------------------------------------
    async def expand_jobs(self, now: dt.datetime) -> None:
        while True:
            async with self.pool.acquire() as conn, conn.transaction():
                jobs = await log_store.claim_jobs(conn, now)
                for job in jobs:
                    deliveries = await self._deliveries_for(conn, job, now)
                    await log_store.add_deliveries(
                        conn, job.id, job.thread_id, job.seq, job.urgent, deliveries
                    )
                    await log_store.job_done(conn, job.id)
            if len(jobs) < 20:
                return

    async def _deliveries_for(self, conn: Connection, job: Job, now: dt.datetime) -> list[NewDelivery]:
        thread = await messaging.get_thread(conn, job.thread_id)
        written = await messaging.message_author(conn, job.thread_id, job.seq)
        if thread is None or written is None:
            return []
        author_id, _ = written
        reads = await messaging.member_reads(conn, job.thread_id)
        if job.kind == "promotion":  # only the family confirmed from the waiting list
            family: set[UUID] = set()
            if job.child_id is not None:
                family = set((await directory.guardians_of(conn, [job.child_id]))[job.child_id])
            reads = {user_id: read for user_id, read in reads.items() if user_id in family}
        if job.kind in ("reminder", "escalation"):
            # A family whose first notice is still held (quiet hours, grace) gets
            # the message itself soon: a reminder now would come with it, twice.
            waiting = await log_store.awaiting_first_notice(conn, job.thread_id)
            reads = {u: r for u, r in reads.items() if waiting is not None and u not in waiting}
        users = await accounts.users_by_id(conn, list(reads))
        prefs = await accounts.preferences_of(conn, list(reads))
        subscriptions = await log_store.subscriptions_of(conn, list(reads))
        deliveries = []
        for user_id, read in reads.items():
            preferences = _preferences(prefs[user_id])
            if job.kind == "message":
                recipient = Recipient(
                    is_author=user_id == author_id,
                    read_seq=read["read_seq"],
                    has_push=bool(subscriptions.get(user_id)),
                    has_email=bool(users[user_id].email),
                    preferences=preferences,
                )
                channels = policy.channels(recipient, job.seq)
            else:
                channels = self._escalation_channels(job, read, users[user_id], preferences, subscriptions)
            due = policy.release_at(now, preferences, job.urgent)
            deliveries += [NewDelivery(user_id, channel, due) for channel in sorted(channels)]
        return deliveries

    @staticmethod
    def _escalation_channels(
        job: Job,
        read: asyncpg.Record,
        user: User,
        preferences: Preferences,
        subscriptions: dict[UUID, list[Subscription]],
    ) -> frozenset[str]:
        """Families that have not signed: a push reminder first, an email later.
        A family confirmed from a waiting list: a push, else an email."""
        if job.kind == "promotion":
            if preferences.push and subscriptions.get(user.id):
                return frozenset({PUSH})
            return frozenset({EMAIL}) if user.email and preferences.email != "off" else frozenset()
        if read["is_staff"] or read["acked_at"] is not None:
            return frozenset()
        if job.kind == "reminder":
            return frozenset({PUSH}) if preferences.push and subscriptions.get(user.id) else frozenset()
        return frozenset({EMAIL}) if user.email and preferences.email != "off" else frozenset()

    # -- sending ----------------------------------------------------------------------------
    async def _start_sends(self, channel: str, now: dt.datetime) -> None:
        room = BATCH - len(self.in_flight)
        if room <= 0:
            return
        claimed = await log_store.claim_deliveries(self.pool, channel, now, room)
        if not claimed:
            return
        context = await self._context(claimed)
        for delivery in claimed:
            # Each send on its own: a slow push service delays nobody else.
            task = asyncio.create_task(self._deliver(delivery, context))
            self.in_flight.add(task)
            self.claimed.add(delivery.id)
            task.add_done_callback(self.in_flight.discard)

            def unclaim(_: asyncio.Task[None], claim: int = delivery.id) -> None:
                self.claimed.discard(claim)

            task.add_done_callback(unclaim)

    async def _context(self, deliveries: list[Delivery]) -> _Context:
        """What the sends of a batch need, read in a few statements for all."""
        pairs = [(d.thread_id, d.user_id) for d in deliveries]
        threads = await messaging.threads_by_id(self.pool, list({d.thread_id for d in deliveries}))
        members = await messaging.members_by_pair(self.pool, pairs)
        messages = await messaging.messages_by_seq(
            self.pool, list({(d.thread_id, d.seq) for d in deliveries})
        )
        people = {d.user_id for d in deliveries} | {m["author_id"] for m in messages.values()}
        users = await accounts.users_by_id(self.pool, list(people))
        subscriptions = await log_store.subscriptions_of(self.pool, [d.user_id for d in deliveries])
        return _Context(threads, members, messages, users, subscriptions)

    async def _deliver(self, delivery: Delivery, context: _Context) -> None:
        try:
            needed = await self._still_needed(delivery, context)
            if needed is None:
                return
            if delivery.channel == PUSH:
                await self._send_push(delivery, context, *needed)
            else:
                await self._send_email(delivery, context, *needed)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one bad delivery never stops the loop
            log.exception("delivery %s failed unexpectedly", delivery.id)
            await self._retry(delivery, f"erreur interne : {type(error).__name__}")
        finally:
            self.woken.set()  # room for another: claim more now, not at the next poll

    async def _still_needed(self, delivery: Delivery, context: _Context) -> tuple[Any, Any, str] | None:
        """Re-check just before sending (read from the database at claim time):
        read meanwhile, signed, or too old?"""
        if policy.too_old(delivery.first_due_at, self.clock()):
            await log_store.finish(self.pool, delivery.id, "failed", "abandonné : plus d'un jour de retard")
            return None
        thread = context.threads.get(delivery.thread_id)
        member = context.members.get((delivery.thread_id, delivery.user_id))
        message = context.messages.get((delivery.thread_id, delivery.seq))
        if thread is None or member is None or message is None or message["recalled_at"] is not None:
            await log_store.finish(self.pool, delivery.id, "skipped", "message retiré")
            return None
        if delivery.kind == "message" and member.read_seq >= delivery.seq:
            await log_store.finish(self.pool, delivery.id, "skipped", "déjà lu")
            return None
        if delivery.kind in ("reminder", "escalation") and member.acked_at is not None:
            await log_store.finish(self.pool, delivery.id, "skipped", "déjà signé")
            return None
        return thread, context.users.get(message["author_id"]), message["body"]

    async def _retry(self, delivery: Delivery, error: str, after: float | None = None) -> None:
        await log_store.retry_later(self.pool, delivery.id, self.retry_at(delivery.attempts, after), error)

    async def _send_push(
        self, delivery: Delivery, context: _Context, thread: Any, author: Any, body: str
    ) -> None:
        subscriptions = context.subscriptions.get(delivery.user_id, [])
        if not subscriptions:
            await log_store.finish(self.pool, delivery.id, "failed", "aucun abonnement push")
            await self._fall_back_to_email(delivery)
            return
        payload = {
            "title": author.display_name if author else "Liaison",
            # The subject only, never the text: a lock screen is not private.
            "body": _PUSH_PREFIX[delivery.kind] + thread["subject"],
            "thread_id": str(thread["id"]),
            "url": f"/#/threads/{thread['id']}",
            "urgent": delivery.urgent,
        }
        pushed = await self.push_to(
            subscriptions, payload, urgent=delivery.urgent, topic=topic_for(str(thread["id"]))
        )
        if pushed.sent:
            await log_store.finish(self.pool, delivery.id, "sent")
        elif pushed.gone:
            await log_store.finish(self.pool, delivery.id, "failed", "abonnement expiré (404/410)")
            await self._fall_back_to_email(delivery)
        else:
            await self._retry(delivery, pushed.error, pushed.retry_after)

    async def _fall_back_to_email(self, delivery: Delivery) -> None:
        """No working push any more: email, if the person has an address and wants mail."""
        user = await accounts.get_user(self.pool, delivery.user_id)
        prefs = await accounts.get_preferences(self.pool, delivery.user_id)
        if user and user.email and prefs["email"] == "immediate":
            email = NewDelivery(delivery.user_id, EMAIL, self.clock())
            await log_store.add_deliveries(
                self.pool, delivery.job_id, delivery.thread_id, delivery.seq, delivery.urgent, [email]
            )

    async def _send_email(
        self, delivery: Delivery, context: _Context, thread: Any, author: Any, body: str
    ) -> None:
        user = context.users.get(delivery.user_id)
        if user is None or not user.email:
            await log_store.finish(self.pool, delivery.id, "failed", "pas d'adresse courriel")
            return
        try:
            message = self._message_mail(delivery, thread, author, body, user)
        except MailBuildError as error:  # the same tomorrow: failed once, never retried
            log.warning("delivery %s: mail cannot be built (%s)", delivery.id, error)
            await log_store.finish(self.pool, delivery.id, "failed", f"courriel impossible : {error}"[:300])
            return
        failure = await self.mail(message)
        if failure is not None:
            await self._retry(delivery, f"SMTP : {failure}"[:300])
            return
        await log_store.finish(self.pool, delivery.id, "sent")

    def _message_mail(
        self, delivery: Delivery, thread: Any, author: Any, body: str, user: Any
    ) -> EmailMessage:
        public = self.settings.public_url
        return compose(
            "message",
            to=user.email,
            sender=self.settings.mail_from,
            subject=_MAIL_PREFIX[delivery.kind] + thread["subject"],
            context={
                "recipient": user.display_name,
                "author": author.display_name if author else "L'école",
                "school": None,
                "subject": thread["subject"],
                "body": policy.mail_text(thread["kind"], body),
                "require_ack": thread["require_ack"],
                "reminder": delivery.kind in ("reminder", "escalation"),
                "promotion": delivery.kind == "promotion",
                "thread_url": f"{public}/#/threads/{thread['id']}",
                "preferences_url": f"{public}/#/preferences",
            },
            message_id=thread_message_id(str(thread["id"]), delivery.seq, self.domain)
            if delivery.kind == "message"
            else None,
            in_reply_to=thread_message_id(str(thread["id"]), 1, self.domain)
            if delivery.seq > 1 or delivery.kind != "message"
            else None,
            unsubscribe_url=f"{public}/#/preferences",
        )

    # -- the daily digest -------------------------------------------------------------------
    async def digests(self, now: dt.datetime) -> None:
        day = policy.digest_day(now)
        if day is None:
            return
        if self._last_digest_check and now - self._last_digest_check < dt.timedelta(minutes=1):
            return
        self._last_digest_check = now
        readers = await accounts.digest_readers(self.pool)
        # No digest on a day off of the reader's school: what is unread waits
        # for the next school day's digest.
        calendars = await school_calendars(self.pool, [u.school_id for u in readers if u.school_id])
        readers = [u for u in readers if u.school_id is None or calendars[u.school_id].is_school_day(day)]
        if not readers:
            return
        claimed = await log_store.claim_digests(self.pool, [u.id for u in readers], day)
        if not claimed:
            return
        unread = await messaging.unread_threads(self.pool, list(claimed))
        authors = await accounts.users_by_id(
            self.pool, list({t["author_id"] for ts in unread.values() for t in ts})
        )
        for reader in readers:
            items = unread.get(reader.id) if reader.id in claimed else None
            if not items:
                continue
            try:
                message = self._digest_mail(reader, items, authors)
            except MailBuildError as error:  # the same in a minute: this digest is not sent
                log.warning("digest for %s cannot be built (%s)", reader.id, error)
                continue
            failure = await self.mail(message)
            if failure is not None:
                log.warning("digest for %s not sent (%s); retried in a minute", reader.id, failure)
                await log_store.release_digest(self.pool, reader.id, day)

    def _digest_mail(self, reader: User, items: list[Any], authors: dict[UUID, User]) -> EmailMessage:
        public = self.settings.public_url
        return compose(
            "digest",
            to=reader.email or "",
            sender=self.settings.mail_from,
            subject=f"Liaison : {len(items)} conversation{'s' if len(items) > 1 else ''} à lire",
            context={
                "recipient": reader.display_name,
                "items": [
                    {
                        "subject": t["subject"],
                        "author": authors[t["author_id"]].display_name if t["author_id"] in authors else "",
                        "unread": t["unread"],
                        "url": f"{public}/#/threads/{t['id']}",
                    }
                    for t in items
                ],
                "preferences_url": f"{public}/#/preferences",
            },
            unsubscribe_url=f"{public}/#/preferences",
        )
