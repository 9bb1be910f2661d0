"""The board tells the truth: a family is `pending` while its notifications are
held (grace period, quiet hours, the 17:00 digest), `notified` once one reached
it, `unreached` only once they were due and none did (or it has no channel).

Like tests/integration/test_delivery.py, the module works in a database of its
own with a server whose grace period is one second, and drives a `Deliverer` on
a fixed clock: "at 7:00 the email went" is a step, not a wait. The families'
quiet hours are set around the real time of the run, so that the test reads the
same at noon and at midnight.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
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
from tests.receivers import SmtpReceiver
from tests.world import World, announce, build_world, calendar_of, thread_and_message

PARIS = ZoneInfo("Europe/Paris")
GRACE = 1  # seconds: NOTIFY_GRACE_SECONDS of this module's server


@pytest.fixture(scope="module")
def board_database(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server, "liaison_board") as dsn:
        yield dsn


@pytest.fixture(scope="module")
async def bserver(base_settings: Settings, board_database: str) -> AsyncIterator[RunningServer]:
    server = await start_own_server(base_settings, board_database, "board", notify_grace_seconds=GRACE)
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def bapi(bserver: RunningServer) -> AsyncIterator[Clients]:
    async with clients_of(bserver.url) as clients:
        yield clients


@pytest.fixture(scope="module")
async def pool(bserver: RunningServer) -> AsyncIterator[asyncpg.Pool]:
    async with database_pool(bserver, 4) as pool:
        yield pool


@pytest.fixture
async def world(bapi: Clients, pool: asyncpg.Pool) -> World:
    """A new world; what earlier tests left in the outbox is set aside."""
    await pool.execute("UPDATE notification_jobs SET done_at = now() WHERE done_at IS NULL")
    await pool.execute("UPDATE deliveries SET state = 'skipped' WHERE state IN ('queued', 'sending')")
    return await build_world(bapi)


@pytest.fixture
async def push(bapi: Clients) -> AsyncIterator[WatchedPushReceiver]:
    async with push_service(bapi(), WatchedPushReceiver()) as receiver:
        yield receiver


@pytest.fixture
async def step(
    pool: asyncpg.Pool, bserver: RunningServer, smtp: SmtpReceiver
) -> AsyncIterator[Callable[[dt.datetime], object]]:
    """`await step(when)`: one pass of the delivery loop at that time, its sends awaited."""
    clock = {"now": dt.datetime.now(dt.UTC)}
    deliverer = Deliverer(
        pool, MemoryBus(), bserver.settings.with_overrides(smtp_url=smtp.url), lambda: clock["now"]
    )
    await deliverer.start()

    async def run(when: dt.datetime) -> None:
        clock["now"] = when
        await deliverer.step()
        while deliverer.in_flight:
            await asyncio.wait_for(asyncio.gather(*list(deliverer.in_flight)), 15)

    yield run
    await deliverer.close()


async def preferences(client: httpx.AsyncClient, **changes: object) -> None:
    response = await client.put("/api/me/preferences", json={"quiet_hours": None, **changes})
    assert response.status_code == 200, response.text


async def board(client: httpx.AsyncClient, thread_id: str) -> dict:
    response = await client.get(f"/api/threads/{thread_id}/receipts")
    assert response.status_code == 200, response.text
    return response.json()


def states(seen: dict, world: World) -> dict[str, str]:
    names = {child_id: name for name, child_id in world.a.children.items()}
    return {names[f["child"]["id"]]: f["state"] for f in seen["families"]}


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def slips(client: httpx.AsyncClient, thread_id: str) -> str:
    response = await client.get(f"/api/threads/{thread_id}/paper")
    assert response.status_code == 200, response.text
    return response.text


async def test_an_evening_announcement_waits_calmly_then_tells_the_truth(bapi, world, push, pool, step):
    """Claire's quiet hours hold her email; Marc's email waits the grace period;
    Sophie's only phone is gone (410) and she wants no email: once due, unreached."""
    a = world.a
    claire, sophie, marc = (bapi(a.parents[k].token) for k in ("both", "cp", "ce1"))
    now = dt.datetime.now(PARIS).replace(second=0, microsecond=0)
    end = now + dt.timedelta(hours=3)
    quiet = {"start": (now - dt.timedelta(hours=1)).strftime("%H:%M"), "end": end.strftime("%H:%M")}
    await preferences(claire, quiet_hours=quiet)
    phone = push.new_subscription("sophie-old-phone")
    assert (await sophie.post("/api/push/subscriptions", json=phone)).status_code == 201
    push.answer(phone, 410)
    await preferences(sophie, email="off")
    await preferences(marc)
    director = bapi(a.director.token)
    thread, message = thread_and_message(await announce(director, "Sortie de vendredi", require_ack=True))
    tid = thread["id"]

    # Nothing was due yet: every family is pending, none is red, no slip to print.
    seen = await board(director, tid)
    assert states(seen, world) == {"Léa": "pending", "Inès": "pending", "Hugo": "pending", "Noah": "pending"}
    assert seen["summary"] == {"families": 4, "read": 0, "acked": 0, "unreached": 0, "pending": 4}
    claires = [f for f in seen["families"] if f["child"]["id"] in (a.children["Léa"], a.children["Inès"])]
    for family in claires:  # told when her quiet hours end
        assert moment(family["notify_at"]).astimezone(PARIS).strftime("%H:%M") == quiet["end"]
        assert moment(message["created_at"]) < moment(family["notify_at"]) <= end
    page = await slips(director, tid)
    assert page.count('<section class="slip">') == 0
    assert "4 autres familles seront prévenues par leurs notifications" in page

    # The grace period over: Marc's email went, Sophie's push came back 410.
    await step(moment(message["created_at"]) + dt.timedelta(seconds=GRACE + 1))
    seen = await board(director, tid)
    assert states(seen, world) == {
        "Léa": "pending",
        "Inès": "pending",
        "Hugo": "unreached",
        "Noah": "notified",
    }
    assert (seen["summary"]["pending"], seen["summary"]["unreached"]) == (2, 1)
    noah = next(f for f in seen["families"] if f["child"]["id"] == a.children["Noah"])
    assert noah["guardians"][0]["delivered"]["email"] and noah["notify_at"] is None
    # The held email is planned for the end of Claire's quiet hours.
    lea = next(f for f in seen["families"] if f["child"]["id"] == a.children["Léa"])
    assert moment(lea["notify_at"]).astimezone(PARIS).strftime("%H:%M") == quiet["end"]
    # Slips for the families the school must still reach: Hugo (unreached), Noah (told, not signed).
    page = await slips(director, tid)
    assert page.count('<section class="slip">') == 2
    assert "<strong>Hugo" in page and "<strong>Noah" in page and "<strong>Léa" not in page
    assert "2 autres familles seront prévenues" in page

    # The quiet hours over: Claire's email went; her two families were told.
    await step(moment(lea["notify_at"]) + dt.timedelta(minutes=1))
    seen = await board(director, tid)
    assert states(seen, world) == {
        "Léa": "notified",
        "Inès": "notified",
        "Hugo": "unreached",
        "Noah": "notified",
    }
    assert (seen["summary"]["pending"], seen["summary"]["unreached"]) == (0, 1)
    assert (await slips(director, tid)).count('<section class="slip">') == 4

    # Hugo's family reads at school on a borrowed phone: read, whatever the channels said.
    assert (await sophie.post(f"/api/threads/{tid}/read", json={"seq": 1})).status_code == 204
    seen = await board(director, tid)
    assert states(seen, world)["Hugo"] == "read" and seen["summary"]["unreached"] == 0


async def test_a_digest_reader_is_pending_until_the_digest_then_told(bapi, world, step, pool):
    a = world.a
    marc = bapi(a.parents["ce1"].token)
    await preferences(marc, email="digest", push=False)
    teacher = bapi(a.teachers["CE1"].token)
    thread, _ = thread_and_message(await announce(teacher, "Piscine", class_ids=[a.classes["CE1"]]))
    # Today's digest at 17:00 (or about to go if it is later: Marc had none today),
    # unless today is a day off of the school: then the next school day's.
    school_days = await calendar_of(teacher, a.id)
    today = dt.datetime.now(PARIS).date()
    five = dt.datetime.combine(school_days.next_school_day(today) or today, dt.time(17), tzinfo=PARIS)

    seen = await board(teacher, thread["id"])
    noah = next(f for f in seen["families"] if f["child"]["id"] == a.children["Noah"])
    assert (noah["state"], moment(noah["notify_at"])) == ("pending", five)

    await step(five.astimezone(dt.UTC) + dt.timedelta(minutes=1))
    seen = await board(teacher, thread["id"])
    noah = next(f for f in seen["families"] if f["child"]["id"] == a.children["Noah"])
    assert noah["state"] == "notified" and noah["guardians"][0]["delivered"]["digest"]
