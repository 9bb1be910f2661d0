"""A territory-wide alert: accept and enqueue, then push and email throughput.

    python bench/bench_delivery.py [--guardians 18000] [--schools 10] [--full]

`--full` is the territory of DESIGN.md: 180,000 guardians. Each school gets an
announcement from its director (through the messaging service, as the API
does); 60 % of guardians have a push subscription on a local push service
(which decrypts each push and checks its VAPID signature), the others have an
email address only, on a local SMTP server. One delivery worker then sends
everything. Ceilings measured in the same run against the same receivers:
raw `webpush_async` with one shared session and the same concurrency, and
raw aiosmtplib sends over one connection. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import aiosmtplib
import asyncpg
from pywebpush import webpush_async

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liaison.bus import MemoryBus
from liaison.config import Settings
from liaison.delivery import keys, push
from liaison.delivery.mail import compose
from liaison.delivery.worker import Deliverer
from liaison.directory import store as directory
from liaison.directory.csv_import import parse_roster
from liaison.messaging import service
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate
from tests.receivers import PushReceiver, SmtpReceiver

PUSH_SHARE = 0.6


def roster(tag: str, guardians: int) -> bytes:
    lines = [
        "Classe;Nom élève;Prénom élève;Date naissance;Nom responsable;Prénom responsable;Courriel responsable;Lien"
    ]
    for i in range(guardians):
        lines.append(
            f"C{i // 25};Eleve{tag}{i};Enfant;01/01/2018;Famille{tag}{i};Parent;p{i}.{tag}@example.fr;Mère"
        )
    return "\n".join(lines).encode()


async def setup(pool: asyncpg.Pool, receiver: PushReceiver, schools: int, per_school: int):
    directors = []
    for s in range(schools):
        async with pool.acquire() as conn, conn.transaction():
            school = await directory.create_school(conn, f"École {s}", "Lyon", f"{s:07d}T")
            director, _ = await directory.add_staff(
                conn,
                school["id"],
                role="director",
                display_name=f"Mme Directrice {s}",
                email=None,
                class_names=[],
            )
            result = await directory.import_roster(
                conn, school["id"], parse_roster(roster(str(s), per_school)), 60
            )
            ids = [uuid.UUID(g["user_id"]) for g in result.guardians]
            pushers = ids[: int(len(ids) * PUSH_SHARE)]
            subscriptions = [receiver.new_subscription() for _ in pushers]
            await conn.copy_records_to_table(
                "push_subscriptions",
                records=[
                    (u, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
                    for u, sub in zip(pushers, subscriptions, strict=True)
                ],
                columns=["user_id", "endpoint", "p256dh", "auth"],
            )
            # Night or day, the bench must not wait for quiet hours to end.
            await conn.execute("INSERT INTO user_preferences (user_id) SELECT unnest($1::uuid[])", ids)
            directors.append(director)
    return directors


async def run(dsn: str, total: int, schools: int) -> None:
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    per_school = total // schools
    try:
        pool = await create_pool(dsn.rsplit("/", 1)[0] + "/" + name, max_size=10)
        async with pool.acquire() as conn:
            await migrate(conn)
        async with PushReceiver() as receiver, SmtpReceiver() as smtp:
            started = time.perf_counter()
            directors = await setup(pool, receiver, schools, per_school)
            print(
                f"setup: {schools} schools × {per_school} guardians in {time.perf_counter() - started:.1f} s"
            )
            settings = Settings(
                database_url="unused",
                smtp_url=smtp.url,
                notify_grace_seconds=0,
                push_allow_private_endpoints=True,
                mail_from="Liaison <liaison@example.fr>",
            )
            bus = MemoryBus()
            ctx = service.Context(pool, bus, settings)
            accept = []
            for director in directors:
                began = time.perf_counter()
                await service.start_announcement(
                    ctx, director, whole_school=True, class_ids=[], subject="Fermeture exceptionnelle",
                    body="L'école sera fermée demain en raison d'une alerte météo.", require_ack=True,
                    urgent=True, client_id=None,
                )  # fmt: skip
                accept.append(time.perf_counter() - began)
            print(
                f"accept + enqueue (thread, {per_school} members, events, outbox job), per school: "
                f"median {sorted(accept)[len(accept) // 2] * 1000:.0f} ms, all schools {sum(accept):.1f} s"
            )

            pushes_expected = schools * int(per_school * PUSH_SHARE)
            emails_expected = schools * per_school - pushes_expected
            deliverer = Deliverer(pool, bus, settings)
            worker = asyncio.create_task(deliverer.run())
            began = time.perf_counter()
            await receiver.wait_for(pushes_expected, timeout=3600)
            push_time = time.perf_counter() - began
            await smtp.wait_for(emails_expected, timeout=3600)
            all_time = time.perf_counter() - began
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            print(
                f"one worker: {pushes_expected} pushes in {push_time:.1f} s → {pushes_expected / push_time:.0f}/s"
            )
            print(
                f"            {emails_expected} emails, all done after {all_time:.1f} s "
                f"→ {emails_expected / all_time:.0f}/s while pushing"
            )

            ceiling_push = await push_ceiling(pool, settings, receiver, min(pushes_expected, 3000))
            ceiling_mail = await mail_ceiling(smtp, min(emails_expected, 2000))
            print(f"ceiling: raw webpush_async, shared session, 50 in flight: {ceiling_push:.0f} pushes/s")
            print(f"ceiling: raw aiosmtplib over one connection: {ceiling_mail:.0f} emails/s")
            print(f"ratio pushes: {pushes_expected / push_time / ceiling_push:.2f} of the ceiling")
        await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def push_ceiling(pool: asyncpg.Pool, settings: Settings, receiver: PushReceiver, count: int) -> float:
    private_pem, _ = await keys.ensure(pool, settings)
    vapid = push.load_vapid(private_pem)
    subscriptions = [receiver.new_subscription() for _ in range(count)]
    limit = asyncio.Semaphore(50)
    payload = json.dumps({"title": "Mme Directrice", "body": "Fermeture exceptionnelle", "thread_id": "x"})
    async with aiohttp.ClientSession() as session:

        async def one(sub: dict) -> None:
            async with limit:
                await webpush_async(
                    sub, data=payload, vapid_private_key=vapid, vapid_claims={"sub": "mailto:a@example.fr"},
                    ttl=86400, headers={"Urgency": "high"}, aiohttp_session=session,
                )  # fmt: skip

        began = time.perf_counter()
        await asyncio.gather(*(one(s) for s in subscriptions))
        return count / (time.perf_counter() - began)


async def mail_ceiling(smtp: SmtpReceiver, count: int) -> float:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=int(smtp.url.rsplit(":", 1)[1].split("?")[0]))
    await client.connect()
    message = compose(
        "message",
        to="parent@example.fr",
        sender="Liaison <liaison@example.fr>",
        subject="Fermeture exceptionnelle",
        context={
            "recipient": "Parent", "author": "Mme Directrice", "school": None, "subject": "Fermeture",
            "body": "L'école sera fermée demain.", "require_ack": True, "reminder": False,
            "thread_url": "http://x", "preferences_url": "http://x",
        },
    )  # fmt: skip
    began = time.perf_counter()
    for _ in range(count):
        await client.send_message(message)
    elapsed = time.perf_counter() - began
    await client.quit()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--guardians", type=int, default=6000)
    parser.add_argument("--schools", type=int, default=4)
    parser.add_argument("--full", action="store_true", help="180,000 guardians in 890 schools")
    args = parser.parse_args()
    total, schools = (180_000, 890) if args.full else (args.guardians, args.schools)
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M} — {total} guardians, {int(PUSH_SHARE * 100)} % with push")
    asyncio.run(run(args.dsn, total, schools))


if __name__ == "__main__":
    main()
