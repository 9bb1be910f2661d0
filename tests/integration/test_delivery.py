"""Push and email, end to end: what the real receivers got, and what the delivery log says.

The service writes a notification job with each message (the outbox); a `Deliverer`
turns due jobs into deliveries and sends them to a real push service (`PushReceiver`,
which decrypts and checks VAPID) and a real SMTP server (`SmtpReceiver`).

The module works in a database of its own (the delivery loop handles every due job
of a database: other modules' messages must not reach these receivers), with a
server whose grace period is one second. Each test starts from a quiet outbox and a
new world. Two kinds of delivery loop:

* `clocked(...)`: a Deliverer with a fixed clock; the test calls `at(when)`, which runs
  one `step()` at that time and waits for the sends it started. Nothing waits for real
  time, so "nothing was sent" is a fact, not a timeout.
* `running(...)`: `Deliverer.run()` in a task, on the real clock, woken by the
  server's bus; tests wait for the receivers with bounds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.delivery.worker import Deliverer
from tests.conftest import (
    Clients,
    RunningServer,
    WatchedPushReceiver,
    clients_of,
    database_pool,
    push_service,
    scratch_database,
    start_own_server,
)
from tests.receivers import Mail, PushReceiver, SmtpReceiver
from tests.world import World, build_world, calendar_of, open_signup, thread_and_message
from tests.world import announce as post_announcement
from tests.world import write_direct as post_direct

PARIS = ZoneInfo("Europe/Paris")
GRACE = 1  # seconds: NOTIFY_GRACE_SECONDS of this module's server
WAIT = 15.0  # seconds: the bound of every wait
PUBLIC_URL = "http://127.0.0.1:8000"  # Settings.public_url: the links in mails


# -- the module's database, server and clients ----------------------------------------------


@pytest.fixture(scope="module")
def delivery_database(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server, "liaison_delivery") as dsn:
        yield dsn


async def start_delivery_server(base_settings: Settings, dsn: str, **overrides: object) -> RunningServer:
    return await start_own_server(base_settings, dsn, "delivery", notify_grace_seconds=GRACE, **overrides)


@pytest.fixture(scope="module")
async def dserver(base_settings: Settings, delivery_database: str) -> AsyncIterator[RunningServer]:
    server = await start_delivery_server(base_settings, delivery_database)
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def dapi(dserver: RunningServer) -> AsyncIterator[Clients]:
    async with clients_of(dserver.url) as clients:
        yield clients


@pytest.fixture(scope="module")
async def pool(dserver: RunningServer) -> AsyncIterator[asyncpg.Pool]:
    async with database_pool(dserver, 10) as pool:
        yield pool


async def quiesce(pool: asyncpg.Pool) -> None:
    """Forget what earlier tests left: pending jobs and deliveries, subscriptions, digests."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE notification_jobs SET done_at = now() WHERE done_at IS NULL")
        await conn.execute(
            "UPDATE deliveries SET state = 'skipped', error = 'test reset' WHERE state IN ('queued', 'sending')"
        )
        await conn.execute("DELETE FROM push_subscriptions")
        await conn.execute("UPDATE user_preferences SET email_mode = 'immediate' WHERE email_mode = 'digest'")


@pytest.fixture
async def world(dapi: Clients, pool: asyncpg.Pool) -> World:
    await quiesce(pool)
    return await build_world(dapi)


@pytest.fixture
async def push(dapi: Clients) -> AsyncIterator[WatchedPushReceiver]:
    async with push_service(dapi(), WatchedPushReceiver()) as receiver:
        yield receiver


@pytest.fixture
def settings(dserver: RunningServer, smtp: SmtpReceiver) -> Settings:
    """The delivery loop's settings: this module's, with the SMTP receiver and short retries."""
    return dserver.settings.with_overrides(smtp_url=smtp.url, delivery_retry_scale=0.02)


# -- delivery loops --------------------------------------------------------------------------


@dataclass
class Clocked:
    """A Deliverer on a fixed clock, stepped by the test."""

    deliverer: Deliverer
    now: dt.datetime
    steps: list[dt.datetime] = field(default_factory=list)

    async def at(self, when: dt.datetime, passes: int = 1) -> None:
        """One step at `when` (a few if asked: a failed push may add an email), then
        wait for every send it started."""
        self.now = when
        for _ in range(passes):
            await self.deliverer.step()
            while self.deliverer.in_flight:
                await asyncio.wait_for(asyncio.gather(*list(self.deliverer.in_flight)), WAIT)
        self.steps.append(when)


@pytest.fixture
async def clocked(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Callable[..., Awaitable[Clocked]]]:
    made: list[Clocked] = []

    async def make(start: dt.datetime | None = None, **overrides: object) -> Clocked:
        holder = Clocked(None, start or dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
        deliverer = Deliverer(
            pool, MemoryBus(), settings.with_overrides(**overrides), clock=lambda: holder.now
        )
        holder.deliverer = deliverer
        await deliverer.start()
        made.append(holder)
        return holder

    yield make
    for holder in made:
        await holder.deliverer.close()


@pytest.fixture
async def running(
    pool: asyncpg.Pool, settings: Settings, dserver: RunningServer
) -> AsyncIterator[Callable[..., Deliverer]]:
    tasks: list[asyncio.Task[None]] = []

    def start(**overrides: object) -> Deliverer:
        # The server's own bus: a message written wakes this loop, as in one process.
        deliverer = Deliverer(pool, dserver.app.state.bus, settings.with_overrides(**overrides))
        tasks.append(asyncio.create_task(deliverer.run()))
        return deliverer

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception():
            raise task.exception()  # type: ignore[misc]


# -- helpers ---------------------------------------------------------------------------------


async def subscribe(client: httpx.AsyncClient, push: PushReceiver, name: str | None = None) -> dict:
    subscription = push.new_subscription(name)
    response = await client.post("/api/push/subscriptions", json=subscription)
    assert response.status_code == 201, response.text
    return subscription


async def set_preferences(client: httpx.AsyncClient, **changes: object) -> dict:
    """No quiet hours unless asked: these tests must not depend on the time of day."""
    response = await client.put("/api/me/preferences", json={"quiet_hours": None, **changes})
    assert response.status_code == 200, response.text
    return response.json()


async def subscribed(client: httpx.AsyncClient, push: PushReceiver, name: str, **preferences: object) -> dict:
    """A device of this person subscribed to push, then their preferences set (`set_preferences`)."""
    subscription = await subscribe(client, push, name)
    await set_preferences(client, **preferences)
    return subscription


async def announce(
    client: httpx.AsyncClient,
    subject: str,
    *,
    class_ids: list[str] | None = None,
    urgent: bool = False,
    require_ack: bool = False,
    body: str = "Le texte complet du message, qui ne doit jamais sortir dans un push.",
) -> tuple[dict, dict]:
    """The announcement posted (it must be): its thread and first message."""
    response = await post_announcement(
        client, subject, class_ids=class_ids, body=body, urgent=urgent, require_ack=require_ack
    )
    return thread_and_message(response)


async def write_direct(
    client: httpx.AsyncClient, child_id: str, subject: str, body: str
) -> tuple[dict, dict]:
    """The direct thread started (it must be): the thread and its first message."""
    return thread_and_message(await post_direct(client, child_id, subject, body))


def created(message: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(message["created_at"].replace("Z", "+00:00"))


def paris(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(dt.UTC)


def in_quiet_hours(after: dt.datetime) -> dt.datetime:
    """`after` itself when it is already in 20:00-07:00 Paris (a test run late
    in the evening), else the next 22:00: soon after `after`, never a day
    later, when what was due is too old to send."""
    hour = after.astimezone(PARIS).hour
    return after if hour >= 21 or hour < 6 else next_paris_time(22, after)


def next_paris_time(hour: int, after: dt.datetime) -> dt.datetime:
    """The first `hour`:00 in Paris strictly after `after`."""
    day = after.astimezone(PARIS).date()
    while (candidate := paris(day, hour)) <= after:
        day += dt.timedelta(days=1)
    return candidate


async def deliveries_of(pool: asyncpg.Pool, thread_id: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        """SELECT d.*, j.kind FROM deliveries d JOIN notification_jobs j ON j.id = d.job_id
           WHERE d.thread_id = $1 ORDER BY d.id""",
        uuid.UUID(thread_id),
    )


async def until(check: Callable[[], Awaitable[object]], what: str, timeout: float = WAIT) -> object:
    """Poll the database (bounded) until `check` gives something true."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}; last: {result!r}")
        await asyncio.sleep(0.05)


def mails_to(smtp: SmtpReceiver, address: str) -> list[Mail]:
    return [m for m in smtp.mails if address in m.rcpt_tos]


async def mail_to(smtp: SmtpReceiver, address: str, count: int = 1) -> list[Mail]:
    """The mails to `address`, once there are `count` (others may arrive meanwhile)."""
    deadline = time.monotonic() + WAIT
    while len(mails_to(smtp, address)) < count:
        await smtp.wait_for(len(smtp.mails) + 1, timeout=max(deadline - time.monotonic(), 0.01))
    return mails_to(smtp, address)


def email_of(world: World, label: str) -> str:
    first = {"both": "claire", "cp": "sophie", "ce1": "marc"}[label]
    tag = world.a.teachers["CP"].display_name.rsplit(" ", 1)[-1]
    return f"{first}.{tag}@example.fr"


async def receipts(client: httpx.AsyncClient, thread_id: str) -> dict[str, dict]:
    """Each guardian's row of the receipts, by user id."""
    response = await client.get(f"/api/threads/{thread_id}/receipts")
    assert response.status_code == 200, response.text
    return {g["user_id"]: g for family in response.json()["families"] for g in family["guardians"]}


TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


# == 1. push after the grace period ============================================================


async def test_unread_message_is_pushed_after_grace_on_each_subscription(dapi, world, push, pool, clocked):
    a = world.a
    claire, sophie = dapi(a.parents["both"].token), dapi(a.parents["cp"].token)
    await subscribe(claire, push, "claire-phone")
    await subscribe(claire, push, "claire-tab")
    await subscribe(sophie, push, "sophie-phone")
    for client in (claire, sophie):
        await set_preferences(client)
    teacher = dapi(a.teachers["CP"].token)
    body = "Jeudi, sortie au musée des Confluences. Prévoir un pique-nique."
    thread, message = await announce(teacher, "Sortie au musée", class_ids=[a.classes["CP"]], body=body)
    loop = await clocked()

    # Within the grace period nothing is due; Sophie reads meanwhile.
    await loop.at(created(message))
    assert push.attempts == [] and await deliveries_of(pool, thread["id"]) == []
    assert (await sophie.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})).status_code == 204

    await loop.at(created(message) + dt.timedelta(seconds=GRACE + 1))
    arrived = await push.wait_for(2)
    assert sorted(d.subscription_id for d in arrived) == ["claire-phone", "claire-tab"]
    assert push.rejections == []
    assert [a_.subscription_id for a_ in push.attempts if a_.subscription_id == "sophie-phone"] == []
    for delivery in arrived:
        assert delivery.payload["title"] == a.teachers["CP"].display_name
        assert delivery.payload["body"] == "Sortie au musée"
        assert delivery.payload["thread_id"] == thread["id"]
        assert body not in str(delivery.payload) and "pique-nique" not in str(delivery.payload)
        assert delivery.ttl == 24 * 3600 and delivery.urgency == "normal"
        assert delivery.topic and TOPIC.fullmatch(delivery.topic)
        assert delivery.vapid_claims["sub"].startswith("mailto:")
    assert len({d.topic for d in arrived}) == 1  # one topic per thread

    log = await deliveries_of(pool, thread["id"])
    by_user = {(str(r["user_id"]), r["channel"]): r for r in log}
    assert by_user[(a.parents["both"].user_id, "push")]["state"] == "sent"
    assert (a.parents["cp"].user_id, "push") not in by_user  # read in time: not even queued
    seen = await receipts(teacher, thread["id"])
    assert seen[a.parents["both"].user_id]["delivered"]["push"] is not None
    assert seen[a.parents["both"].user_id]["delivered"]["email"] is None
    assert seen[a.parents["cp"].user_id]["delivered"]["push"] is None

    # A second message in the thread: same topic (it replaces the first on the phone).
    reply = await teacher.post(f"/api/threads/{thread['id']}/messages", json={"body": "Départ 8 h 30."})
    await loop.at(created(reply.json()) + dt.timedelta(seconds=GRACE + 1))
    later = await push.wait_for(5)
    assert {d.topic for d in later} == {arrived[0].topic}
    # Sophie read seq 1 only: seq 2 reaches her too.
    assert sorted(d.subscription_id for d in later[2:]) == ["claire-phone", "claire-tab", "sophie-phone"]
    assert {d.payload["body"] for d in later} == {"Sortie au musée"}


async def test_read_or_signed_while_held_is_not_sent(dapi, world, push, pool, clocked, dserver):
    """Checked again before sending: quiet hours hold a push; who reads (or signs, for
    a reminder) meanwhile is not disturbed at 07:00."""
    a = world.a
    sophie, marc = dapi(a.parents["cp"].token), dapi(a.parents["ce1"].token)
    for name, client in (("sophie", sophie), ("marc", marc)):
        await subscribed(client, push, name, quiet_hours={"start": "20:00", "end": "07:00"})
    thread, message = await announce(dapi(a.director.token), "Piscine", require_ack=True)
    ids = {a.parents["cp"].user_id: "sophie", a.parents["ce1"].user_id: "marc"}

    async def rows(kind: str) -> dict[str, asyncpg.Record]:
        found = await deliveries_of(pool, thread["id"])
        return {ids[str(r["user_id"])]: r for r in found if r["kind"] == kind and str(r["user_id"]) in ids}

    loop = await clocked()
    await loop.at(in_quiet_hours(created(message) + dt.timedelta(minutes=2)))
    held = await rows("message")
    assert {r["state"] for r in held.values()} == {"queued"} and push.attempts == []
    assert (await sophie.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})).status_code == 204
    await loop.at(held["sophie"]["due_at"])
    assert [d.subscription_id for d in push.deliveries] == ["marc"]
    done = await rows("message")
    assert (done["sophie"]["state"], done["sophie"]["error"]) == ("skipped", "déjà lu")
    assert done["marc"]["state"] == "sent"

    # The reminder to sign, held by the night too; Marc signs meanwhile, Sophie does not.
    calendar = await calendar_of(sophie, a.id)  # days off do not count in the delay
    reminder_due = calendar.add_school_time(
        created(message), dt.timedelta(hours=dserver.settings.escalation_reminder_hours)
    )
    await loop.at(next_paris_time(22, max(reminder_due, loop.now)))
    held = await rows("reminder")
    assert {r["state"] for r in held.values()} == {"queued"}
    assert (await marc.post(f"/api/threads/{thread['id']}/ack")).status_code == 200
    await loop.at(held["marc"]["due_at"])
    done = await rows("reminder")
    assert (done["marc"]["state"], done["marc"]["error"]) == ("skipped", "déjà signé")
    assert done["sophie"]["state"] == "sent"
    assert [(d.subscription_id, d.payload["body"]) for d in push.deliveries] == [
        ("marc", "Piscine"),
        ("sophie", "Rappel : signature attendue — Piscine"),
    ]


async def test_a_reminder_skips_a_family_whose_first_notice_is_still_held(dapi, world, push, pool, clocked):
    """ "Relancer" in the evening: Sophie's notice of the message waits for the end
    of her quiet hours, so she gets no reminder besides it (it would come with
    it, twice); Marc, notified already, is reminded."""
    a = world.a
    sophie, marc = dapi(a.parents["cp"].token), dapi(a.parents["ce1"].token)
    await subscribed(sophie, push, "sophie", quiet_hours={"start": "20:00", "end": "07:00"})
    await subscribed(marc, push, "marc")
    director = dapi(a.director.token)
    thread, message = await announce(director, "Photos de classe", require_ack=True)
    ids = {a.parents["cp"].user_id: "sophie", a.parents["ce1"].user_id: "marc"}
    loop = await clocked()
    await loop.at(next_paris_time(22, created(message) + dt.timedelta(minutes=2)))
    assert [d.subscription_id for d in await push.wait_for(1)] == ["marc"]
    reminded = await director.post(f"/api/threads/{thread['id']}/remind")
    assert reminded.status_code == 201, reminded.text
    await loop.at(loop.now + dt.timedelta(seconds=1))
    reminders = [
        r for r in await deliveries_of(pool, thread["id"]) if r["kind"] in ("reminder", "escalation")
    ]
    assert {ids[str(r["user_id"])] for r in reminders if str(r["user_id"]) in ids} == {"marc"}
    held = [r for r in await deliveries_of(pool, thread["id"]) if r["kind"] == "message"]
    assert {r["state"] for r in held if ids.get(str(r["user_id"])) == "sophie"} == {"queued"}


async def test_urgent_announcement_is_pushed_at_once_with_high_urgency(dapi, world, push, pool, clocked):
    a = world.a
    marc = dapi(a.parents["ce1"].token)
    await subscribed(marc, push, "marc")
    director = dapi(a.director.token)
    thread, message = await announce(director, "École fermée demain", urgent=True)
    loop = await clocked()
    # No grace period: due when written (created_at is shown to the millisecond).
    await loop.at(created(message) + dt.timedelta(milliseconds=1))
    [delivery] = await push.wait_for(1)
    assert delivery.urgency == "high" and delivery.payload["urgent"] is True
    assert delivery.payload["title"] == a.director.display_name
    assert delivery.payload["body"] == "École fermée demain"
    assert (await receipts(director, thread["id"]))[a.parents["ce1"].user_id]["delivered"]["push"]


# == 2. email ============================================================================


def assert_plain_mail(mail: Mail) -> None:
    """Text and HTML, nothing else: no image, no attachment."""
    assert mail.message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in mail.message.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"], types
    assert not any(part.get_content_disposition() == "attachment" for part in mail.message.walk())
    assert "<img" not in (mail.html or "").lower()


async def test_email_without_subscription_and_threading(dapi, world, smtp, pool, clocked):
    a = world.a
    marc = dapi(a.parents["ce1"].token)
    await set_preferences(marc, email="immediate")
    teacher = dapi(a.teachers["CE1"].token)
    thread, message = await write_direct(
        teacher, a.children["Noah"], "Cahier oublié", "Noah a oublié son cahier de leçons."
    )
    loop = await clocked()
    await loop.at(created(message) + dt.timedelta(seconds=GRACE + 1))
    [first] = await smtp.wait_for(1)
    address = email_of(world, "ce1")
    assert first.rcpt_tos == [address] and first.header("To") == address
    assert first.header("From") == "Liaison <liaison@localhost>"
    assert first.header("Subject") == "Cahier oublié"
    assert re.fullmatch(rf"<thread-{thread['id']}-1@[^>]+>", first.header("Message-ID") or "")
    assert first.header("In-Reply-To") is None
    assert_plain_mail(first)
    thread_url = f"{PUBLIC_URL}/#/threads/{thread['id']}"
    preferences_url = f"{PUBLIC_URL}/#/preferences"
    text, html = first.text or "", first.html or ""
    assert "Bonjour" in text and "vous a écrit" in text and "Noah a oublié son cahier" in text
    assert a.teachers["CE1"].display_name in text
    assert thread_url in text and preferences_url in text
    assert 'lang="fr"' in html and f'href="{thread_url}"' in html and f'href="{preferences_url}"' in html
    assert "Lire et répondre" in html and "Choisir vos notifications" in html
    seen = await receipts(teacher, thread["id"])
    assert seen[a.parents["ce1"].user_id]["delivered"]["email"] is not None
    assert seen[a.parents["ce1"].user_id]["delivered"]["push"] is None

    reply = await teacher.post(
        f"/api/threads/{thread['id']}/messages", json={"body": "Il peut le rapporter lundi."}
    )
    assert reply.status_code == 201
    await loop.at(created(reply.json()) + dt.timedelta(seconds=GRACE + 1))
    second = (await smtp.wait_for(2))[1]
    assert second.rcpt_tos == [address]
    assert second.header("In-Reply-To") == first.header("Message-ID")
    assert first.header("Message-ID") in (second.header("References") or "")
    assert re.fullmatch(rf"<thread-{thread['id']}-2@[^>]+>", second.header("Message-ID") or "")
    assert "Il peut le rapporter lundi." in (second.text or "")
    assert_plain_mail(second)
    assert len(smtp.mails) == 2  # the teacher (no address) and nobody else got mail


# == 3. quiet hours ===========================================================================


async def test_quiet_hours_hold_until_seven_but_not_urgent(dapi, world, push, pool, clocked):
    a = world.a
    claire = dapi(a.parents["both"].token)
    await subscribed(claire, push, "claire", quiet_hours={"start": "20:00", "end": "07:00"})
    director = dapi(a.director.token)
    calm, calm_message = await announce(director, "Photos de classe")
    night = next_paris_time(22, created(calm_message) + dt.timedelta(minutes=2))  # after the grace
    loop = await clocked()

    await loop.at(night)
    assert push.attempts == []
    [held] = [
        r for r in await deliveries_of(pool, calm["id"]) if str(r["user_id"]) == a.parents["both"].user_id
    ]
    morning = paris(night.astimezone(PARIS).date() + dt.timedelta(days=1), 7)
    assert (held["channel"], held["state"], held["due_at"]) == ("push", "queued", morning)

    # An urgent message at night goes at once.
    urgent, urgent_message = await announce(director, "Alerte : école fermée", urgent=True)
    await loop.at(night + dt.timedelta(minutes=1))
    [now_sent] = await push.wait_for(1)
    assert now_sent.payload["thread_id"] == urgent["id"] and now_sent.urgency == "high"

    await loop.at(night + dt.timedelta(minutes=30))
    await loop.at(morning - dt.timedelta(minutes=1))
    assert len(push.attempts) == 1  # the calm one is still held (every step's sends were awaited)

    await loop.at(morning)
    delivered = await push.wait_for(2)
    assert delivered[1].payload["thread_id"] == calm["id"] and delivered[1].urgency == "normal"
    [held] = [r for r in await deliveries_of(pool, calm["id"]) if r["id"] == held["id"]]
    assert held["state"] == "sent"
    assert urgent_message


# == 4. digest ===========================================================================


async def test_digest_at_five_once_a_day(dapi, world, smtp, pool, clocked):
    a = world.a
    sophie = dapi(a.parents["cp"].token)
    await set_preferences(sophie, email="digest")
    teacher, director = dapi(a.teachers["CP"].token), dapi(a.director.token)
    t1, _ = await announce(teacher, "Kermesse", class_ids=[a.classes["CP"]])
    t2, _ = await announce(director, "Menu de la cantine")
    t3, last = await announce(teacher, "Déjà lu", class_ids=[a.classes["CP"]])
    assert (await sophie.post(f"/api/threads/{t3['id']}/read", json={"seq": 1})).status_code == 204
    address = email_of(world, "cp")
    # No digest on a day off (the school's calendar): 17:00 of a school day.
    calendar = await calendar_of(director, a.id)
    five = calendar.next_school_moment(next_paris_time(17, created(last) + dt.timedelta(minutes=2)))
    loop = await clocked()

    await loop.at(five - dt.timedelta(minutes=1))
    assert mails_to(smtp, address) == []  # no immediate mail either: she chose the digest
    await loop.at(five)  # the digest is sent within the step
    [digest] = mails_to(smtp, address)
    assert digest.header("Subject") == "Liaison : 2 conversations à lire"
    assert_plain_mail(digest)
    text = digest.text or ""
    assert "Kermesse" in text and "Menu de la cantine" in text and "Déjà lu" not in text
    assert f"{PUBLIC_URL}/#/threads/{t1['id']}" in text and f"{PUBLIC_URL}/#/threads/{t2['id']}" in text
    assert f"{PUBLIC_URL}/#/preferences" in text and "17 h" in text

    # Not twice the same day, even from another worker.
    await loop.at(five + dt.timedelta(minutes=30))
    other = await clocked(five + dt.timedelta(hours=2))
    await other.at(five + dt.timedelta(hours=2))
    assert len(mails_to(smtp, address)) == 1
    # The next day, still unread: the next digest.
    await loop.at(calendar.next_school_moment(next_paris_time(17, five + dt.timedelta(hours=1))))
    assert len(mails_to(smtp, address)) == 2


# == 5. escalation of a signature request ==============================================


async def test_escalation_reminder_push_then_email_then_paper(
    dapi, world, push, smtp, pool, clocked, dserver
):
    a = world.a
    claire, sophie, marc = (dapi(a.parents[k].token) for k in ("both", "cp", "ce1"))
    subs = {}
    for label, client in (("claire", claire), ("sophie", sophie), ("marc", marc)):
        subs[label] = await subscribed(client, push, label)
    director = dapi(a.director.token)
    thread, message = await announce(director, "Autorisation de sortie", require_ack=True)
    # Sophie reads and signs at once; Marc reads but does not sign.
    assert (await sophie.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})).status_code == 204
    assert (await sophie.post(f"/api/threads/{thread['id']}/ack")).status_code == 200
    assert (await marc.post(f"/api/threads/{thread['id']}/read", json={"seq": 1})).status_code == 204
    start = created(message)
    # Days off of the school do not count in the delays (its calendar).
    calendar = await calendar_of(director, a.id)
    reminder_at = calendar.add_school_time(
        start, dt.timedelta(hours=dserver.settings.escalation_reminder_hours)
    )
    email_at = calendar.add_school_time(start, dt.timedelta(hours=dserver.settings.escalation_email_hours))
    loop = await clocked()

    await loop.at(start + dt.timedelta(seconds=GRACE + 1))
    [first] = await push.wait_for(1)
    assert first.subscription_id == "claire" and not first.payload["body"].startswith("Rappel")
    await loop.at(reminder_at - dt.timedelta(minutes=1))
    assert len(push.attempts) == 1

    await loop.at(reminder_at + dt.timedelta(minutes=1))
    reminders = (await push.wait_for(3))[1:]
    assert sorted(d.subscription_id for d in reminders) == ["claire", "marc"]
    for reminder in reminders:
        assert reminder.payload["body"] == "Rappel : signature attendue — Autorisation de sortie"
    assert smtp.mails == []

    await loop.at(email_at - dt.timedelta(minutes=1))
    assert smtp.mails == []
    await loop.at(email_at + dt.timedelta(minutes=1))
    mails = await smtp.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted([email_of(world, "both"), email_of(world, "ce1")])
    for mail in mails:
        assert mail.header("Subject") == "Rappel : Autorisation de sortie"
        assert "attend votre signature" in (mail.text or "")
        assert re.fullmatch(rf"<thread-{thread['id']}-1@[^>]+>", mail.header("In-Reply-To") or "")
        assert_plain_mail(mail)
    assert len(push.attempts) == 3 and len(smtp.mails) == 2
    assert not any(a_.subscription_id == "sophie" for a_ in push.attempts)

    log = await deliveries_of(pool, thread["id"])
    assert not [r for r in log if str(r["user_id"]) == a.parents["cp"].user_id]
    # Paper for the rest: Léa and Inès (Claire's), Noah (Marc's); not Hugo (signed).
    paper = await director.get(f"/api/threads/{thread['id']}/paper")
    assert paper.status_code == 200 and paper.headers["cache-control"] == "no-store"
    assert paper.text.count('<section class="slip">') == 3
    assert "3 familles à joindre sur papier" in paper.text
    for name in ("Léa", "Inès", "Noah"):
        assert f"<strong>{name}" in paper.text
    assert "<strong>Hugo" not in paper.text


# == 6. SMTP down, then back ============================================================


async def test_smtp_outage_is_retried_and_nothing_is_lost(dapi, world, smtp, pool, running):
    a = world.a
    marc, sophie = dapi(a.parents["ce1"].token), dapi(a.parents["cp"].token)
    for client in (marc, sophie):
        await set_preferences(client)
    running()
    teacher = dapi(a.teachers["CE1"].token)
    # A first mail while the server is up: the connection is then kept open.
    await write_direct(teacher, a.children["Noah"], "Avant la panne", "Tout va bien.")
    await smtp.wait_for(1)

    await asyncio.to_thread(smtp.stop)
    during = [
        (await write_direct(teacher, a.children["Noah"], "Pendant la panne", "Premier."))[0],
        (await write_direct(dapi(a.teachers["CP"].token), a.children["Hugo"], "Panne aussi", "Second."))[0],
    ]

    async def retried() -> list[asyncpg.Record]:
        rows = [r for t in during for r in await deliveries_of(pool, t["id"]) if r["channel"] == "email"]
        waiting = [r for r in rows if r["state"] == "queued" and r["attempts"] >= 1 and r["error"]]
        return rows if len(waiting) == 2 else []

    rows = await until(retried, "both emails queued again with an error")
    assert all(r["error"].startswith("SMTP") for r in rows), [r["error"] for r in rows]
    assert len(smtp.mails) == 1

    await asyncio.to_thread(smtp.start)
    mails = await smtp.wait_for(3)
    assert sorted(m.header("Subject") for m in mails[1:]) == ["Panne aussi", "Pendant la panne"]

    async def all_sent() -> bool:
        rows = [r for t in during for r in await deliveries_of(pool, t["id"])]
        return len(rows) == 2 and all(r["state"] == "sent" for r in rows)

    await until(all_sent, "both deliveries sent")
    assert len(smtp.mails) == 3  # each once


# == 7. push services' answers ============================================================


async def test_gone_subscription_is_deleted_then_email(dapi, world, push, smtp, pool, running):
    a = world.a
    claire = dapi(a.parents["both"].token)
    await set_preferences(claire)
    gone = await subscribe(claire, push, "claire-old")
    push.answer(gone, 410)
    running()
    thread, _ = await announce(dapi(a.director.token), "Réunion de rentrée")
    [mail] = await mail_to(smtp, email_of(world, "both"))
    assert mail.rcpt_tos == [email_of(world, "both")] and mail.header("Subject") == "Réunion de rentrée"
    assert [(x.subscription_id, x.status) for x in push.attempts] == [("claire-old", 410)]
    assert (
        await pool.fetchval("SELECT count(*) FROM push_subscriptions WHERE endpoint = $1", gone["endpoint"])
        == 0
    )
    log = {
        r["channel"]: r
        for r in await deliveries_of(pool, thread["id"])
        if str(r["user_id"]) == a.parents["both"].user_id
    }

    async def email_sent() -> bool:
        row = await pool.fetchrow("SELECT state FROM deliveries WHERE id = $1", log["email"]["id"])
        return row["state"] == "sent"

    await until(email_sent, "the email delivery marked sent")
    assert log["push"]["state"] == "failed" and "410" in log["push"]["error"]
    seen = await receipts(dapi(a.director.token), thread["id"])
    assert seen[a.parents["both"].user_id]["delivered"]["email"] is not None
    assert seen[a.parents["both"].user_id]["delivered"]["push"] is None


async def test_429_waits_retry_after_and_500_is_retried(dapi, world, push, pool, running):
    a = world.a
    sophie, marc = dapi(a.parents["cp"].token), dapi(a.parents["ce1"].token)
    busy, broken = await subscribed(sophie, push, "sophie"), await subscribed(marc, push, "marc")
    push.answer(busy, (429, {"Retry-After": "2"}))
    push.answer(broken, 500)
    running()
    thread, _ = await announce(dapi(a.director.token), "Conseil d'école")
    await push.wait_for(1, subscription=busy)
    await push.wait_for(1, subscription=broken)
    busy_tries = [x for x in push.attempts if x.subscription_id == "sophie"]
    assert [x.status for x in busy_tries] == [429, 201]
    waited = (busy_tries[1].received_at - busy_tries[0].answered_at).total_seconds()
    # Longer than the backoff (0.3-0.6 s here) plus a poll (1 s): Retry-After was obeyed.
    assert 1.9 <= waited < 5, waited
    assert [x.status for x in push.attempts if x.subscription_id == "marc"] == [500, 201]
    assert len(push.deliveries) == 2

    async def both_sent() -> list[asyncpg.Record]:
        rows = [r for r in await deliveries_of(pool, thread["id"]) if r["channel"] == "push"]
        return rows if len(rows) == 2 and all(r["state"] == "sent" for r in rows) else []

    rows = await until(both_sent, "both pushes marked sent")
    assert sorted(r["attempts"] for r in rows) == [2, 2]


async def test_slow_push_service_delays_nobody_else(dapi, world, push, pool, running):
    a = world.a
    claire, marc = dapi(a.parents["both"].token), dapi(a.parents["ce1"].token)
    slow, fast = await subscribed(claire, push, "slow"), await subscribed(marc, push, "fast")
    push.answer(slow, ("slow", 5))
    running()
    posted = time.monotonic()
    await announce(dapi(a.director.token), "Cross du collège", urgent=True)
    await push.wait_for(1, subscription=fast)
    fast_after = time.monotonic() - posted
    assert fast_after < 3, fast_after
    assert [d.subscription_id for d in push.deliveries] == ["fast"]  # the slow one still waits
    await push.wait_for(1, subscription=slow)
    assert time.monotonic() - posted >= 5


async def test_private_endpoint_is_refused_when_not_allowed(dapi, world, push, pool, base_settings, dserver):
    strict = await start_delivery_server(
        base_settings, dserver.settings.database_url, push_allow_private_endpoints=False
    )
    try:
        claire = dapi(world.a.parents["both"].token, base_url=strict.url)
        local = push.new_subscription("local")
        for endpoint in (
            local["endpoint"],  # http, on 127.0.0.1
            local["endpoint"].replace("http://", "https://"),
            "https://localhost/push/x",
            "https://10.1.2.3/push/x",
            "https://192.168.0.10/push/x",
            "https://[::1]/push/x",
            "https://169.254.169.254/latest/meta-data",
        ):
            response = await claire.post("/api/push/subscriptions", json={**local, "endpoint": endpoint})
            assert response.status_code == 422, (endpoint, response.text)
            assert "endpoint" in response.json()["error"]["fields"], response.text
        owned = await pool.fetchval(
            "SELECT count(*) FROM push_subscriptions WHERE user_id = $1",
            uuid.UUID(world.a.parents["both"].user_id),
        )
        assert owned == 0
        # A public https address is accepted (a literal address: no DNS needed), then removed.
        public = {**local, "endpoint": "https://93.184.215.14/push/abc"}
        assert (await claire.post("/api/push/subscriptions", json=public)).status_code == 201
        removed = await claire.request(
            "DELETE", "/api/push/subscriptions", json={"endpoint": public["endpoint"]}
        )
        assert removed.status_code == 204
    finally:
        await strict.stop()


async def test_a_family_confirmed_from_the_waiting_list_is_told(dapi, world, push, smtp, clocked):
    a = world.a
    teacher = dapi(a.teachers["CP"].token)
    created = await open_signup(
        teacher, "Accompagner la sortie", {"Jeudi": 1}, class_ids=[a.classes["CP"]], body="Un parent, merci !"
    )
    assert created.status_code == 201, created.text
    thread_id, slot_id = created.json()["thread"]["id"], created.json()["thread"]["slots"][0]["id"]
    sophie, claire = dapi(a.parents["cp"].token), dapi(a.parents["both"].token)
    await set_preferences(claire)
    await subscribe(claire, push, "claire-promo")
    first = await sophie.post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    second = await claire.post(f"/api/threads/{thread_id}/signups", json={"slot_id": slot_id})
    assert (first.json()["status"], second.json()["status"]) == ("confirmed", "waitlisted")
    # Claire read the proposal: only the promotion may reach her now.
    await claire.post(f"/api/threads/{thread_id}/read", json={"seq": 1})
    assert (
        await sophie.delete(f"/api/threads/{thread_id}/signups/{first.json()['signup_id']}")
    ).status_code == 204
    loop = await clocked()
    await loop.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    [delivery] = await push.wait_for(1, subscription="claire-promo")
    assert delivery.payload["body"] == "Place confirmée — Accompagner la sortie"
    assert delivery.urgency == "high"
