"""The morning peak: absence reports from thousands of families within a minute.

    python bench/bench_morning.py [--reports 5000] [--seconds 60] [--schools 20]

A scratch database gets `--schools` schools of `reports / schools` families
(classes of 25), a teacher per class and a director per school, all with
sessions (created directly: no argon2 sign-in storm in the setup). The
service runs as a real process (`liaison web`); a separate client process
connects every teacher by WebSocket, then sends one absence report per
family, spread evenly over `--seconds`, from 100 keep-alive HTTP clients.
It prints the report latency (POST → 201) p50/p99, and the time until the
class teacher's socket shows the `absence.reported` event, p50/p99. The
ceiling, in the same run, is the same number of `GET /healthz` round trips
paced the same way: what an HTTP request costs on this machine with nothing
written. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


# -- setup (orchestrator) ----------------------------------------------------------------


async def setup(dsn: str, reports: int, schools: int) -> dict:
    import asyncpg

    from liaison.accounts import store as accounts
    from liaison.directory import store as directory
    from liaison.directory.csv_import import parse_roster
    from liaison.storage.db import create_pool
    from liaison.storage.migrations import migrate

    pool = await create_pool(dsn)
    async with pool.acquire() as conn:
        await migrate(conn)
    per_school = reports // schools
    plan = {"teachers": [], "families": []}
    for s in range(schools):
        async with pool.acquire() as conn, conn.transaction():
            school = await directory.create_school(conn, f"École {s}", "Lyon", f"{s:07d}M")
            await directory.add_staff(
                conn, school["id"], role="director", display_name=f"Direction {s}", email=None, class_names=[]
            )
            classes = [f"C{c}" for c in range((per_school + 24) // 25)]
            teacher_of = {}
            for name in classes:
                teacher, _ = await directory.add_staff(
                    conn, school["id"], role="teacher", display_name=f"Enseignant {s}-{name}", email=None,
                    class_names=[name],
                )  # fmt: skip
                token, _ = await accounts.create_session(conn, teacher.id, 1)
                teacher_of[name] = token
                plan["teachers"].append(token)
            lines = [
                "Classe;Nom élève;Prénom élève;Date naissance;Nom responsable;Prénom responsable;Courriel responsable;Lien"
            ]
            for i in range(per_school):
                lines.append(f"C{i // 25};E{s}x{i};Enfant;01/01/2018;F{s}x{i};Parent;;Mère")
            result = await directory.import_roster(
                conn, school["id"], parse_roster("\n".join(lines).encode()), 60
            )
            for guardian in result.guardians:
                token, _ = await accounts.create_session(conn, uuid.UUID(guardian["user_id"]), 1)
                plan["families"].append({"token": token, "child_id": guardian["children"][0]})
        # Families can report at any hour of the bench: no quiet hours in the way.
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO user_preferences (user_id) SELECT id FROM users ON CONFLICT DO NOTHING"
        )
        await conn.execute("VACUUM ANALYZE")
    await pool.close()
    del asyncpg
    return plan


# -- the client process --------------------------------------------------------------------


async def client(url: str, plan: dict, seconds: float) -> dict:
    import httpx
    from websockets.asyncio.client import connect

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    seen: dict[str, float] = {}
    arrived: dict[str, asyncio.Event] = {}
    ws_url = url.replace("http://", "ws://") + "/ws"

    async def teacher(token: str) -> None:
        async with connect(ws_url, compression=None, max_size=2**22) as socket_:
            await socket_.send(json.dumps({"type": "auth", "token": token}))
            await socket_.recv()
            ready.release()
            async for frame in socket_:
                if '"absence.reported"' in frame:
                    absence_id = json.loads(frame)["data"]["id"]
                    seen.setdefault(absence_id, time.perf_counter())
                    arrived.setdefault(absence_id, asyncio.Event()).set()

    ready = asyncio.Semaphore(0)
    sockets = [asyncio.create_task(teacher(t)) for t in plan["teachers"]]
    for _ in plan["teachers"]:
        await ready.acquire()

    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(100)]
    # The next school day of the schools' (default) calendar: the service refuses days off.
    from liaison.calendar.days import Calendar

    day = Calendar().next_school_days(dt.date.today() + dt.timedelta(days=1), 1)[0]

    async def paced(count: int, one) -> list[float]:
        interval = seconds / count
        start = time.perf_counter()
        latencies: list[float] = []

        async def at(i: int) -> None:
            await asyncio.sleep(max(0.0, start + i * interval - time.perf_counter()))
            latencies.append(await one(i))

        await asyncio.gather(*(at(i) for i in range(count)))
        return latencies

    async def healthz(i: int) -> float:
        began = time.perf_counter()
        await clients[i % 100].get("/healthz")
        return time.perf_counter() - began

    shown: list[float] = []

    async def report(i: int) -> float:
        family = plan["families"][i]
        began = time.perf_counter()
        response = await clients[i % 100].post(
            "/api/absences",
            headers={"Authorization": f"Bearer {family['token']}"},
            json={"child_id": family["child_id"], "start": day.isoformat(), "end": day.isoformat(),
                  "part": "day", "reason": "illness", "note": "", "client_id": f"bench-{i}"},
        )  # fmt: skip
        latency = time.perf_counter() - began
        if response.status_code != 201:
            raise RuntimeError(f"report {i}: {response.status_code} {response.text[:200]}")
        absence_id = response.json()["absence"]["id"]
        event = arrived.setdefault(absence_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), 60)
        shown.append(seen[absence_id] - began)
        return latency

    count = len(plan["families"])
    ceiling = await paced(count, healthz)
    latencies = await paced(count, report)
    for task in sockets:
        task.cancel()
    for c in clients:
        await c.aclose()
    return {"latency": latencies, "shown": shown, "ceiling": ceiling}


# -- orchestration -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        spec = json.loads(Path(args.client).read_text())
        result = asyncio.run(client(spec["url"], spec["plan"], spec["seconds"]))
        print(json.dumps(result))
        return

    import asyncpg

    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(args.dsn)
        await conn.execute(sql)
        await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    dsn = args.dsn.rsplit("/", 1)[0] + "/" + name
    web = None
    try:
        started = time.perf_counter()
        plan = asyncio.run(setup(dsn, args.reports, args.schools))
        print(
            f"setup: {len(plan['families'])} families, {len(plan['teachers'])} teachers in {time.perf_counter() - started:.0f} s"
        )
        port = _free_port()
        env = {
            "PATH": os.environ["PATH"], "DATABASE_URL": dsn, "REDIS_URL": args.redis, "LOG_LEVEL": "WARNING",
            "SECRET_KEY": secrets.token_urlsafe(32), "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:6]}:",
        }  # fmt: skip
        web = subprocess.Popen(
            [sys.executable, "-m", "liaison", "web", "--port", str(port)],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        import httpx

        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        spec = Path(f"/tmp/{name}.json")
        spec.write_text(
            json.dumps({"url": f"http://127.0.0.1:{port}", "plan": plan, "seconds": args.seconds})
        )
        out = subprocess.run(
            [sys.executable, __file__, "--client", str(spec)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode != 0:
            raise SystemExit(f"the client process failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        lat, shown, ceiling = result["latency"], result["shown"], result["ceiling"]
        n = len(lat)
        print(
            f"{n} absence reports over {args.seconds:.0f} s ({n / args.seconds:.0f}/s), {len(plan['teachers'])} teachers connected"
        )
        print(
            f"report POST → 201     p50 {statistics.median(lat) * 1000:6.1f} ms   p99 {_p(lat, 0.99) * 1000:6.1f} ms"
        )
        print(
            f"teacher's socket shows p50 {statistics.median(shown) * 1000:6.1f} ms   p99 {_p(shown, 0.99) * 1000:6.1f} ms"
        )
        print(
            f"ceiling: GET /healthz  p50 {statistics.median(ceiling) * 1000:6.1f} ms   p99 {_p(ceiling, 0.99) * 1000:6.1f} ms"
        )
        print(f"ratio report / ceiling (p50): {statistics.median(lat) / statistics.median(ceiling):.1f}×")
    finally:
        if web is not None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(20)
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
