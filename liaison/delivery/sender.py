"""How the loops that send do it: one sender for the notification outbox
(liaison/delivery/worker.py, `Deliverer`) and for the grouped activity notices
(liaison/activity/sender.py, `ActivitySender`), in the spirit of Synapse's pusher pool.

Each loop decides what goes out, to whom and on which channel, and writes the outcome
in its own table. What they share is here, once:

* the push sender and the mailer (made here and closed here, or shared with another loop);
* the claims: the rows this worker holds `sending`, renewed while a batch is sent
  (`keeping_claims`), so that recovery takes only a dead worker's;
* a push to all of a person's subscriptions, their bookkeeping (a success noted, an
  expired subscription forgotten) and the outcome classified (`push_to`, `outcome_of`);
* an email sent, its failure returned rather than raised (`mail`);
* when to try again (`retry_at`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import asyncpg

from liaison.config import Settings
from liaison.core.clock import utcnow
from liaison.delivery import keys, policy
from liaison.delivery import store as delivery_store
from liaison.delivery.mail import FileMailer, MailError, SmtpMailer, mailer_for
from liaison.delivery.push import PushResult, PushSender
from liaison.delivery.store import Subscription

# A row `sending` for longer than this is a dead worker's: recovery takes it back. A
# live worker renews its claims four times within it.
STUCK_AFTER = dt.timedelta(minutes=2)
# How long a push service keeps a push for a phone that is off: old news is not news.
PUSH_TTL = 24 * 3600

Clock = Callable[[], dt.datetime]
Renew = Callable[[asyncpg.Pool, list[int]], Awaitable[None]]


@dataclass(frozen=True)
class PushOutcome:
    """How one push to all of a person's subscriptions went. `sent`: at least one took
    it. `gone`: every subscription has expired (404/410), another channel may do.
    Otherwise to be tried again: `error` says why, `retry_after` is the longest wait a
    push service asked for (429), if any."""

    sent: bool = False
    gone: bool = False
    error: str = ""
    retry_after: float | None = None


def outcome_of(results: Sequence[PushResult]) -> PushOutcome:
    if any(r.ok for r in results):
        return PushOutcome(sent=True)
    if all(r.gone for r in results):
        return PushOutcome(gone=True)
    waits = [r.retry_after for r in results if r.status == 429 and r.retry_after is not None]
    error = "; ".join(r.error or f"HTTP {r.status}" for r in results if not r.ok)
    return PushOutcome(error=error, retry_after=max(waits) if waits else None)


class Sender:
    """The resources and the steps of a sending loop. `renew`: the store's renewal of
    the claims (`sending_since = now()`); `push`, `mailer`: share those of another loop
    (else made here, and closed by `close`)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        clock: Clock = utcnow,
        *,
        renew: Renew,
        log: logging.Logger,
        push: PushSender | None = None,
        mailer: SmtpMailer | FileMailer | None = None,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.push = push
        self._own_push = push is None
        self.mailer = mailer or mailer_for(settings)
        self._own_mailer = mailer is None
        self.claimed: set[int] = set()  # the rows this worker holds `sending`
        self._renew = renew
        self._log = log

    async def start(self) -> None:
        if self.push is None:
            self.push = await keys.push_sender(self.pool, self.settings)

    async def close(self) -> None:
        if self._own_push and self.push is not None:
            await self.push.close()
        if self._own_mailer:
            await self.mailer.close()

    # -- claims ------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def keeping_claims(self, name: str, stuck_after: dt.timedelta) -> AsyncIterator[None]:
        """While the block runs, `claimed` is renewed well within `stuck_after` (the age
        at which the loop's recovery takes a row back), whatever the loop is doing."""
        keeper = asyncio.create_task(self._keep_claims(stuck_after), name=name)
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _keep_claims(self, stuck_after: dt.timedelta) -> None:
        """Recovery must take only a dead worker's rows. A live one's may stay `sending`
        long (one SMTP connection sends one mail at a time: a batch waits its turn, and
        a slow relay makes it wait longer)."""
        while True:
            await asyncio.sleep(stuck_after.total_seconds() / 4)
            if not self.claimed:
                continue
            try:
                await self._renew(self.pool, list(self.claimed))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                self._log.warning("claims not renewed (%s); retried shortly", error)

    # -- sending -----------------------------------------------------------------------------
    async def push_to(
        self, subscriptions: Sequence[Subscription], payload: dict[str, Any], *, urgent: bool, topic: str
    ) -> PushOutcome:
        """`payload` pushed on every subscription at once; each success noted on its
        subscription, each expired subscription forgotten."""
        assert self.push is not None, "start() first"
        push = self.push
        results = await asyncio.gather(
            *(push.send(s, payload, urgent=urgent, topic=topic, ttl=PUSH_TTL) for s in subscriptions)
        )
        for subscription, result in zip(subscriptions, results, strict=True):
            if result.ok:
                await delivery_store.subscription_succeeded(self.pool, subscription.id)
            elif result.gone:
                await delivery_store.forget_subscription(self.pool, subscription.id)
        return outcome_of(results)

    async def mail(self, message: EmailMessage) -> MailError | None:
        """Sent, or why not (to be tried again: the loop says when)."""
        try:
            await self.mailer.send(message)
        except MailError as error:
            return error
        return None

    def retry_at(self, attempt: int, after: float | None = None) -> dt.datetime:
        """`after` seconds from now if a service asked, else the backoff of `attempt`."""
        delay = (
            dt.timedelta(seconds=after)
            if after is not None
            else policy.retry_delay(attempt) * self.settings.delivery_retry_scale
        )
        return self.clock() + delay
