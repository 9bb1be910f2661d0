"""Grouped notices of new blog posts and cahier pages, end to end with the real receivers.

The writers (blog, realisations) call `liaison.activity.service.record` inside their own
transaction; these tests do the same through the database pool, then run the activity
loop (`ActivitySender`) and look at what a real push service (`PushReceiver`: decrypts,
checks VAPID) and a real SMTP server (`SmtpReceiver`) got.

The module works in a database of its own (the loop sends every due notice of a
database). Most tests step an `ActivitySender` on a fixed clock (`at(when)` runs one
step at that time, sends awaited): "nothing was sent" is then a fact, not a timeout.
One test runs the real loop on the real clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import pytest

from liaison.activity import service
from liaison.activity.sender import ActivitySender
from liaison.background import LOOPS, activity_notices
from liaison.config import Settings
from liaison.delivery.policy import next_digest_at
from liaison.delivery.push import topic_for
from tests.blog_world import upload
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
from tests.integration.test_delivery import (
    PARIS,
    PUBLIC_URL,
    assert_plain_mail,
    email_of,
    mails_to,
    next_paris_time,
    paris,
    set_preferences,
    subscribe,
    subscribed,
)
from tests.receivers import SmtpReceiver
from tests.world import World, build_world, calendar_of, named

GRACE = 1  # seconds: ACTIVITY_GRACE_SECONDS of this module
WAIT = 15.0
# A photo, or a link to one.
PHOTO = re.compile(r"/media/|\.jpe?g|\.png|\.webp|<img|data:image|cid:", re.IGNORECASE)


# -- the module's database, server, receivers --------------------------------------------------


@pytest.fixture(scope="module")
def activity_database(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server, "liaison_activity") as dsn:
        yield dsn


@pytest.fixture(scope="module")
async def aserver(base_settings: Settings, activity_database: str) -> AsyncIterator[RunningServer]:
    server = await start_own_server(
        base_settings, activity_database, "activity", activity_grace_seconds=GRACE
    )
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def aapi(aserver: RunningServer) -> AsyncIterator[Clients]:
    async with clients_of(aserver.url) as clients:
        yield clients


@pytest.fixture(scope="module")
async def pool(aserver: RunningServer) -> AsyncIterator[asyncpg.Pool]:
    async with database_pool(aserver, 10) as pool:
        yield pool


@pytest.fixture(scope="module")
async def shared_world(aapi: Clients) -> World:
    return await build_world(aapi)


@pytest.fixture
async def world(shared_world: World, pool: asyncpg.Pool) -> World:
    """One world for the module (building one takes seconds), reset before each test:
    no notices, no push subscriptions, everyone's preferences immediate email, push on,
    no quiet hours (tests that want others set them)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM activity_notices")
        await conn.execute("DELETE FROM push_subscriptions")
        await conn.execute(
            """INSERT INTO user_preferences (user_id, email_mode, push, quiet_start, quiet_end)
               SELECT id, 'immediate', true, NULL, NULL FROM users
               ON CONFLICT (user_id) DO UPDATE
               SET email_mode = 'immediate', push = true, quiet_start = NULL, quiet_end = NULL"""
        )
    return shared_world


@pytest.fixture
async def push(aapi: Clients) -> AsyncIterator[WatchedPushReceiver]:
    async with push_service(aapi(), WatchedPushReceiver()) as receiver:
        yield receiver


@pytest.fixture
def settings(aserver: RunningServer, smtp: SmtpReceiver) -> Settings:
    return aserver.settings.with_overrides(smtp_url=smtp.url, delivery_retry_scale=0.02)


@dataclass
class Clocked:
    sender: ActivitySender
    now: dt.datetime

    async def at(self, when: dt.datetime) -> int:
        """One step at `when`; its sends are awaited."""
        self.now = when
        return await self.sender.step()


@pytest.fixture
async def clocked(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Callable[[], Awaitable[Clocked]]]:
    made: list[Clocked] = []

    async def make() -> Clocked:
        holder = Clocked(None, dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
        holder.sender = ActivitySender(pool, settings, clock=lambda: holder.now)
        await holder.sender.start()
        made.append(holder)
        return holder

    yield make
    for holder in made:
        await holder.sender.close()


# -- helpers -------------------------------------------------------------------------------------


async def record(
    pool: asyncpg.Pool,
    recipients: list[str],
    *,
    world: World,
    kind: str,
    key: str,
    name: str,
) -> dt.datetime:
    """What a writer does in its transaction; returns the transaction's time (first_at)."""
    route = "cahier" if kind == "cahier" else "blog"
    async with pool.acquire() as conn, conn.transaction():
        await service.record(
            conn,
            [UUID(r) for r in recipients],
            school_id=UUID(world.a.id),
            kind=kind,
            key=UUID(key),
            name=name,
            url=f"/#/{route}/{key}",
        )
        return await conn.fetchval("SELECT now()")


async def notices(pool: asyncpg.Pool, user_id: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM activity_notices WHERE user_id = $1 ORDER BY id", UUID(user_id))


def after_grace(first_at: dt.datetime) -> dt.datetime:
    return first_at + dt.timedelta(seconds=GRACE, milliseconds=1)


def subject_of(mail) -> str:
    """The Subject as read. CPython (3.11) folds a long header with a space left before
    the fold when an encoded word follows ("cahier \\n =?utf-8?q?d=27In=C3=A8s?="), which
    reads back as two spaces: one is as good as two here."""
    return " ".join((mail.header("Subject") or "").split())


def assert_no_photo(value: object) -> None:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    assert not PHOTO.search(text), text


# == 1. one push for three pages ================================================================


async def test_three_pages_within_the_grace_make_one_push(aapi, world, push, pool, clocked):
    a = world.a
    claire = aapi(a.parents["both"].token)
    await subscribed(claire, push, "claire-phone")
    lea = a.children["Léa"]
    # Claire and Paul (Léa's father: not activated, no address, no push).
    paul = await pool.fetchval(
        "SELECT user_id FROM guardianships WHERE child_id = $1 AND user_id <> $2",
        UUID(lea),
        UUID(a.parents["both"].user_id),
    )
    family = [a.parents["both"].user_id, str(paul)]
    first_at = await record(pool, family, world=world, kind="cahier", key=lea, name="Léa")
    for _ in range(2):
        await record(pool, family, world=world, kind="cahier", key=lea, name="Léa")
    loop = await clocked()

    await loop.at(first_at + dt.timedelta(seconds=GRACE) - dt.timedelta(milliseconds=5))
    assert push.attempts == []  # within the grace: nothing, and the pages keep joining one notice

    await loop.at(after_grace(first_at))
    [delivery] = await push.wait_for(1)
    assert push.rejections == []
    school = await pool.fetchval("SELECT name FROM schools WHERE id = $1", UUID(a.id))
    assert delivery.payload == {
        "title": school,
        "body": "3 nouvelles pages dans le cahier de Léa",
        "url": f"/#/cahier/{lea}",
        "thread_id": None,
        "tag": f"cahier-{lea}",
        "urgent": False,
    }
    assert_no_photo(delivery.payload)
    assert delivery.ttl == 24 * 3600 and delivery.urgency == "normal"
    assert delivery.topic == topic_for(f"cahier-{lea}")
    assert delivery.vapid_claims["sub"].startswith("mailto:")

    [mine] = await notices(pool, a.parents["both"].user_id)
    assert (mine["state"], mine["channel"], mine["count"], mine["attempts"]) == ("sent", "push", 3, 1)
    [his] = await notices(pool, str(paul))
    assert (his["state"], his["count"]) == ("skipped", 3)  # nobody to tell, nothing sent

    # Sent once: later steps send nothing more.
    await loop.at(after_grace(first_at) + dt.timedelta(minutes=5))
    assert len(push.attempts) == 1

    # A page after the notice went: a new notice, singular, that replaces it on the phone.
    again = await record(pool, family[:1], world=world, kind="cahier", key=lea, name="Léa")
    await loop.at(after_grace(again) + dt.timedelta(minutes=5))
    later = await push.wait_for(2)
    assert later[1].payload["body"] == "Nouvelle page dans le cahier de Léa"
    assert later[1].topic == delivery.topic and later[1].payload["tag"] == delivery.payload["tag"]


# == 2. email when there is no push ==============================================================


async def test_one_email_per_person_without_push(aapi, world, smtp, pool, clocked):
    a = world.a
    claire, sophie = aapi(a.parents["both"].token), aapi(a.parents["cp"].token)
    for client in (claire, sophie):
        await set_preferences(client, email="immediate")
    cp = a.classes["CP"]
    cp_families = [a.parents["both"].user_id, a.parents["cp"].user_id]
    first_at = await record(pool, cp_families, world=world, kind="blog", key=cp, name="CP")
    await record(pool, cp_families, world=world, kind="blog", key=cp, name="CP")
    ines = a.children["Inès"]
    last = await record(pool, [a.parents["both"].user_id], world=world, kind="cahier", key=ines, name="Inès")
    loop = await clocked()
    await loop.at(after_grace(max(first_at, last)))

    mails = await smtp.wait_for(2)
    assert len(mails) == 2
    [to_sophie] = mails_to(smtp, email_of(world, "cp"))
    assert subject_of(to_sophie) == "2 nouveaux articles sur le blog de la classe CP"
    assert_plain_mail(to_sophie)
    assert to_sophie.header("List-Unsubscribe") == f"<{PUBLIC_URL}/#/preferences>"
    text, html = to_sophie.text or "", to_sophie.html or ""
    assert "Bonjour" in text and "2 nouveaux articles sur le blog de la classe CP" in text
    assert f"{PUBLIC_URL}/#/blog/{cp}" in text and f"{PUBLIC_URL}/#/preferences" in text
    assert 'lang="fr"' in html and f'href="{PUBLIC_URL}/#/blog/{cp}"' in html
    assert f'href="{PUBLIC_URL}/#/preferences"' in html and "Choisir vos notifications" in html
    for mail in mails:
        assert "<img" not in (mail.html or "").lower() and "/media/" not in (mail.html or "") + (
            mail.text or ""
        )

    # Claire: her two notices in one email.
    [to_claire] = mails_to(smtp, email_of(world, "both"))
    assert subject_of(to_claire) == ("Du nouveau sur le blog de la classe CP et dans le cahier d'Inès")
    assert_plain_mail(to_claire)
    text = to_claire.text or ""
    assert "2 nouveaux articles sur le blog de la classe CP" in text
    assert "Nouvelle page dans le cahier d'Inès" in text and f"{PUBLIC_URL}/#/cahier/{ines}" in text
    rows = await notices(pool, a.parents["both"].user_id)
    assert [(r["state"], r["channel"]) for r in rows] == [("sent", "email"), ("sent", "email")]

    await loop.at(after_grace(last) + dt.timedelta(minutes=1))
    assert len(smtp.mails) == 2


# == 3. quiet hours, digest, push and email off ================================================


async def test_quiet_hours_hold_the_notice_until_morning(aapi, world, push, pool, clocked):
    a = world.a
    marc = aapi(a.parents["ce1"].token)
    await subscribed(marc, push, "marc", quiet_hours={"start": "20:00", "end": "07:00"})
    noah = a.children["Noah"]
    first_at = await record(
        pool, [a.parents["ce1"].user_id], world=world, kind="cahier", key=noah, name="Noah"
    )
    night = next_paris_time(22, after_grace(first_at))
    morning = paris(night.astimezone(PARIS).date() + dt.timedelta(days=1), 7)
    loop = await clocked()

    await loop.at(night)
    assert push.attempts == []
    [held] = await notices(pool, a.parents["ce1"].user_id)
    assert (held["state"], held["hold_until"]) == ("pending", morning)

    # Another page while it is held: the same notice counts it.
    await record(pool, [a.parents["ce1"].user_id], world=world, kind="cahier", key=noah, name="Noah")
    await loop.at(morning - dt.timedelta(minutes=1))
    assert push.attempts == []
    await loop.at(morning)
    [delivery] = await push.wait_for(1)
    assert delivery.payload["body"] == "2 nouvelles pages dans le cahier de Noah"
    [sent] = await notices(pool, a.parents["ce1"].user_id)
    assert (sent["state"], sent["count"]) == ("sent", 2)


async def test_a_digest_reader_gets_it_at_five(aapi, world, smtp, pool, clocked):
    a = world.a
    marc = aapi(a.parents["ce1"].token)
    await set_preferences(marc, email="digest")
    ce1 = a.classes["CE1"]
    first_at = await record(pool, [a.parents["ce1"].user_id], world=world, kind="blog", key=ce1, name="CE1")
    # The 17:00 digest of a school day: none on a day off of the school's calendar.
    five = (await calendar_of(marc, a.id)).next_school_moment(next_digest_at(after_grace(first_at)))
    loop = await clocked()

    await loop.at(max(after_grace(first_at), five - dt.timedelta(minutes=1)))
    assert smtp.mails == []
    [held] = await notices(pool, a.parents["ce1"].user_id)
    assert (held["state"], held["hold_until"]) == ("pending", five)
    await loop.at(five)
    [mail] = await smtp.wait_for(1)
    assert mail.rcpt_tos == [email_of(world, "ce1")]
    assert subject_of(mail) == "Nouvel article sur le blog de la classe CE1"
    assert_plain_mail(mail)


async def test_push_and_email_off_tell_nobody(aapi, world, push, smtp, pool, clocked):
    a = world.a
    sophie = aapi(a.parents["cp"].token)
    await set_preferences(sophie, email="off", push=False)
    await subscribe(sophie, push, "sophie")
    hugo = a.children["Hugo"]
    first_at = await record(
        pool, [a.parents["cp"].user_id], world=world, kind="cahier", key=hugo, name="Hugo"
    )
    loop = await clocked()
    await loop.at(after_grace(first_at))
    assert push.attempts == [] and smtp.mails == []
    [row] = await notices(pool, a.parents["cp"].user_id)
    assert row["state"] == "skipped"


# == 4. seen, rolled back =====================================================================


async def test_opening_the_cahier_cancels_its_notice(aapi, world, push, pool, clocked):
    a = world.a
    claire = aapi(a.parents["both"].token)
    await subscribed(claire, push, "claire")
    me = a.parents["both"].user_id
    lea, ines = a.children["Léa"], a.children["Inès"]
    await record(pool, [me], world=world, kind="cahier", key=lea, name="Léa")
    last = await record(pool, [me], world=world, kind="cahier", key=ines, name="Inès")

    async with pool.acquire() as conn:
        assert await service.seen(conn, UUID(me), "cahier", UUID(lea)) is True
        assert await service.seen(conn, UUID(me), "cahier", UUID(lea)) is False
        assert await service.seen(conn, UUID(me), "blog", UUID(lea)) is False  # another topic
    loop = await clocked()
    await loop.at(after_grace(last))
    [delivery] = await push.wait_for(1)
    assert delivery.payload["body"] == "Nouvelle page dans le cahier d'Inès"
    assert [r["key"] for r in await notices(pool, me)] == [UUID(ines)]


async def test_a_post_rolled_back_tells_nobody(world, pool):
    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with pool.acquire() as conn, conn.transaction():
            await service.record(
                conn,
                [UUID(world.a.parents["both"].user_id)],
                school_id=UUID(world.a.id),
                kind="cahier",
                key=UUID(world.a.children["Léa"]),
                name="Léa",
                url="/#/cahier/x",
            )
            raise Refused  # e.g. 409 consent_missing after the insert
    assert await notices(pool, world.a.parents["both"].user_id) == []
    with pytest.raises(ValueError):
        async with pool.acquire() as conn:
            await service.record(
                conn, [], school_id=UUID(world.a.id), kind="photo", key=uuid.uuid4(), name="x", url="/"
            )


# == 5. claims ==================================================================================


async def test_two_workers_never_send_the_same_notice(aapi, world, push, pool, clocked):
    a = world.a
    people = named(a, "claire", "sophie", "marc")
    for name, person in people.items():
        await subscribed(aapi(person.token), push, name)
    keys = [str(uuid.uuid4()) for _ in range(40)]
    last = None
    for key in keys:
        last = await record(
            pool, [p.user_id for p in people.values()], world=world, kind="cahier", key=key, name="Léa"
        )
    assert last is not None
    first, second, third = await clocked(), await clocked(), await clocked()
    when = after_grace(last)
    sent = await asyncio.gather(first.at(when), second.at(when), third.at(when))
    assert sum(sent) == 120, sent
    deliveries = await push.wait_for(120)
    assert len(push.attempts) == 120
    per = Counter((d.subscription_id, d.payload["tag"]) for d in deliveries)
    assert len(per) == 120 and set(per.values()) == {1}
    rows = await pool.fetch("SELECT state, attempts FROM activity_notices")
    assert len(rows) == 120 and {(r["state"], r["attempts"]) for r in rows} == {("sent", 1)}


async def test_a_page_written_while_its_notice_is_sent_makes_a_new_notice(aapi, world, push, pool, clocked):
    """The notice is `sending` (committed) while the push is on the wire: a page written
    then neither waits for the send nor is lost; it starts the next notice."""
    a = world.a
    claire = aapi(a.parents["both"].token)
    phone = await subscribed(claire, push, "claire")
    push.answer(phone, ("slow", 1.0))
    me, lea = a.parents["both"].user_id, a.children["Léa"]
    first_at = await record(pool, [me], world=world, kind="cahier", key=lea, name="Léa")
    loop = await clocked()
    step = asyncio.create_task(loop.at(after_grace(first_at)))
    await asyncio.wait_for(push.first_arrived.wait(), WAIT)
    during = await asyncio.wait_for(
        record(pool, [me], world=world, kind="cahier", key=lea, name="Léa"), WAIT / 2
    )
    assert not step.done()  # the push is still on the wire
    await asyncio.wait_for(step, WAIT)
    rows = await notices(pool, me)
    assert [(r["state"], r["count"]) for r in rows] == [("sent", 1), ("pending", 1)]

    await loop.at(after_grace(during) + dt.timedelta(seconds=1))
    deliveries = await push.wait_for(2)
    assert [d.payload["body"] for d in deliveries] == ["Nouvelle page dans le cahier de Léa"] * 2


# == 6. what push services and crashes do =========================================================


async def test_gone_subscription_is_forgotten_then_email(aapi, world, push, smtp, pool, clocked):
    a = world.a
    claire = aapi(a.parents["both"].token)
    gone = await subscribed(claire, push, "claire-old", email="immediate")
    push.answer(gone, 410)
    lea = a.children["Léa"]
    first_at = await record(
        pool, [a.parents["both"].user_id], world=world, kind="cahier", key=lea, name="Léa"
    )
    loop = await clocked()
    await loop.at(after_grace(first_at))  # the push is refused, the email goes in the same step
    assert [(x.subscription_id, x.status) for x in push.attempts] == [("claire-old", 410)]
    [mail] = await smtp.wait_for(1)
    assert subject_of(mail) == "Nouvelle page dans le cahier de Léa"
    assert (
        await pool.fetchval("SELECT count(*) FROM push_subscriptions WHERE endpoint = $1", gone["endpoint"])
        == 0
    )
    [row] = await notices(pool, a.parents["both"].user_id)
    assert (row["state"], row["channel"], row["attempts"]) == ("sent", "email", 2)


async def test_push_service_error_is_retried(aapi, world, push, pool, clocked):
    a = world.a
    marc = aapi(a.parents["ce1"].token)
    phone = await subscribed(marc, push, "marc")
    push.answer(phone, 500)
    ce1 = a.classes["CE1"]
    first_at = await record(pool, [a.parents["ce1"].user_id], world=world, kind="blog", key=ce1, name="CE1")
    loop = await clocked()
    await loop.at(after_grace(first_at))
    assert [x.status for x in push.attempts] == [500]
    [row] = await notices(pool, a.parents["ce1"].user_id)
    assert row["state"] == "pending" and row["hold_until"] > after_grace(first_at) and "500" in row["error"]
    await loop.at(after_grace(first_at) + dt.timedelta(minutes=1))
    [delivery] = await push.wait_for(1)
    assert delivery.payload["body"] == "Nouvel article sur le blog de la classe CE1"
    [row] = await notices(pool, a.parents["ce1"].user_id)
    assert (row["state"], row["attempts"]) == ("sent", 2)


async def test_a_dead_workers_notice_is_sent_again_once(aapi, world, push, pool, clocked):
    a = world.a
    sophie = aapi(a.parents["cp"].token)
    await subscribed(sophie, push, "sophie")
    me, hugo = a.parents["cp"].user_id, a.children["Hugo"]
    first_at = await record(pool, [me], world=world, kind="cahier", key=hugo, name="Hugo")
    # A worker claimed it, then died: `sending` for three minutes.
    stuck = """UPDATE activity_notices SET state = 'sending', channel = 'push', attempts = attempts + 1,
                      sending_since = now() - interval '3 minutes' WHERE user_id = $1"""
    await pool.execute(stuck, UUID(me))
    loop = await clocked()
    await loop.at(after_grace(first_at))
    [delivery] = await push.wait_for(1)
    assert delivery.payload["body"] == "Nouvelle page dans le cahier d'Hugo"
    [row] = await notices(pool, me)
    assert (row["state"], row["in_doubt"], row["attempts"]) == ("sent", True, 2)

    # Interrupted twice (in doubt already): given up rather than risk a second duplicate.
    again = await record(pool, [me], world=world, kind="cahier", key=hugo, name="Hugo")
    await pool.execute(
        """UPDATE activity_notices SET state = 'sending', channel = 'push', in_doubt = true,
                  sending_since = now() - interval '3 minutes' WHERE user_id = $1 AND state = 'pending'""",
        UUID(me),
    )
    await loop.at(after_grace(again))
    assert len(push.attempts) == 1
    last = (await notices(pool, me))[-1]
    assert (last["state"], last["error"]) == ("failed", "issue inconnue après deux interruptions")


# == 7. the real loop ===========================================================================


async def test_the_worker_loop_sends_on_the_real_clock(aapi, aserver, world, push, pool, settings):
    assert activity_notices in LOOPS
    a = world.a
    claire = aapi(a.parents["both"].token)
    await subscribed(claire, push, "claire")
    task = asyncio.create_task(activity_notices(pool, aserver.app.state.bus, settings))
    try:
        for _ in range(2):
            await record(
                pool, [a.parents["both"].user_id], world=world, kind="blog", key=a.classes["CP"], name="CP"
            )
        [delivery] = await push.wait_for(1, timeout=WAIT)
        assert delivery.payload["body"] == "2 nouveaux articles sur le blog de la classe CP"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()


# == 8. through the API: pages and posts written by a teacher ======================================


async def first_at_of(pool: asyncpg.Pool, user_id: str) -> dt.datetime:
    value = await pool.fetchval(
        "SELECT max(first_at) FROM activity_notices WHERE user_id = $1 AND state = 'pending'", UUID(user_id)
    )
    assert value is not None, "no pending notice"
    return value


async def test_three_pages_posted_by_the_teacher_make_one_push(aapi, world, push, smtp, pool, clocked):
    a = world.a
    claire = aapi(a.parents["both"].token)
    await subscribed(claire, push, "claire")
    teacher = aapi(a.teachers["CP"].token)
    photo = await upload(teacher)
    lea = a.children["Léa"]
    texts = ["Léa a peint un arbre immense.", "Léa compte jusqu'à cent.", "Léa lit « Le Petit Prince »."]
    for number, text in enumerate(texts):
        response = await teacher.post(
            f"/api/children/{lea}/realisations",
            json={"title": f"Atelier {number}", "body": text, "media_ids": [photo["id"]] if number == 0 else [],
                  "client_id": str(uuid.uuid4())},
        )  # fmt: skip
        assert response.status_code == 201, response.text
    loop = await clocked()
    await loop.at(after_grace(await first_at_of(pool, a.parents["both"].user_id)))

    [delivery] = await push.wait_for(1)
    assert delivery.payload["body"] == "3 nouvelles pages dans le cahier de Léa"
    assert delivery.payload["url"] == f"/#/cahier/{lea}"
    sent = json.dumps(delivery.payload, ensure_ascii=False)
    assert_no_photo(sent)
    assert photo["id"] not in sent and photo["url"] not in sent and photo["thumb_url"] not in sent
    assert not any(t in sent for t in texts) and "Atelier" not in sent
    assert smtp.mails == []  # Sophie and Marc are not Léa's; Paul has no address
    # Nobody else was told: the author is not, the other families are not.
    told = await pool.fetch("SELECT DISTINCT user_id FROM activity_notices WHERE state = 'sent'")
    assert [str(r["user_id"]) for r in told] == [a.parents["both"].user_id]


async def test_posts_on_the_blog_make_one_email_without_photo(aapi, world, push, smtp, pool, clocked):
    a = world.a
    sophie = aapi(a.parents["cp"].token)
    await set_preferences(sophie, email="immediate")
    teacher = aapi(a.teachers["CP"].token)
    photo = await upload(teacher)
    cp = a.classes["CP"]
    titles = ["Les tulipes ont fleuri", "Sortie à la ferme"]
    for title in titles:
        response = await teacher.post(
            f"/api/classes/{cp}/posts",
            json={"title": title, "body": "Nous avons planté des tulipes.", "media_ids": [photo["id"]],
                  "client_id": str(uuid.uuid4())},
        )  # fmt: skip
        assert response.status_code == 201, response.text
    # Claire opens the blog meanwhile: her notice is not sent.
    listed = await aapi(a.parents["both"].token).get(f"/api/classes/{cp}/posts")
    assert listed.status_code == 200, listed.text
    loop = await clocked()
    await loop.at(after_grace(await first_at_of(pool, a.parents["cp"].user_id)))

    [mail] = await smtp.wait_for(1)
    assert mail.rcpt_tos == [email_of(world, "cp")]
    assert subject_of(mail) == "2 nouveaux articles sur le blog de la classe CP"
    assert_plain_mail(mail)
    content = (mail.text or "") + (mail.html or "")
    assert_no_photo(content)
    assert photo["id"] not in content and not any(t in content for t in titles) and "tulipes" not in content
    assert f"{PUBLIC_URL}/#/blog/{cp}" in content
    assert push.attempts == []
    assert await notices(pool, a.parents["both"].user_id) == []
