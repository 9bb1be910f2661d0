"""Real time under load: announcements, direct messages, idle sockets, each
against a ceiling measured in the same run.

    python bench/bench_realtime.py [--quick] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--redis redis://127.0.0.1:6379/0] [--profile DIR]

Creates a scratch database and writes two schools straight into it (rosters
through `import_roster`, sessions through `create_session`: no argon2). Starts
the service as a real `liaison web` process and, as the ceiling of the socket
figures, a bare `websockets` server (`_bare_ws.py`); drives both from a
separate client process (`_clients.py`) that holds real WebSocket connections
(compression off) and keep-alive HTTP clients, and times everything on its own
clock. Every measured operation goes through the public HTTP and WebSocket
API. Prints figures and ratios; asserts nothing. See BENCHMARKS.md.

1. the director's announcement to a school of 400 guardians, all connected:
   POST latency and time until the last socket has `message.created`
   (ceiling: a bare broadcast of the same frame to as many sockets);
2. the same to a whole school of 6,500 guardians, 2,000 of them connected
   (ceiling: a raw COPY of the per-recipient rows it writes);
3. direct messages from 200 concurrent senders, in messages per second
   (ceiling: bare INSERT ... RETURNING from 200 tasks on a pool of the
   service's size);
4. memory per idle authenticated socket, 1,000 sockets, in fresh processes
   (ceiling: the bare server).
`--quick` runs small sizes (a smoke run); `--profile DIR` records the web
process with py-spy during parts 1-3 (collapsed stacks, one file a part).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import io
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from liaison.accounts.store import create_session
from liaison.directory import store as directory
from liaison.directory.csv_import import parse_roster
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate

HERE = Path(__file__).resolve().parent
WAIT_S = 60  # how long the client waits for a round's frames (`_clients.WAIT`)
ANNOUNCEMENT = (
    "Madame, Monsieur, en raison d'un mouvement de grève, l'école sera fermée jeudi. "
    "Un service d'accueil est organisé par la mairie au gymnase. Merci de signer ce message."
)


@dataclass(frozen=True)
class Sizes:
    small_classes: int  # school A (part 1): classes of 25 pupils, as many guardians as pupils
    big_classes: int  # school B (part 2)
    big_connected: int
    idle_sockets: int
    small_rounds: int
    big_rounds: int
    senders: int
    per_sender: int
    pool_size: int = 10  # DB_POOL_SIZE of the service (its default)


FULL = Sizes(16, 260, 2000, 1000, 20, 8, 200, 15)
QUICK = Sizes(4, 40, 200, 100, 5, 3, 50, 5)


# -- the data ------------------------------------------------------------------------


def roster_csv(tag: str, classes: int, per_class: int = 25) -> bytes:
    """Pupils in classes of `per_class`; three quarters of them are siblings
    two by two (in neighbouring classes) with two guardians, the others only
    children with one guardian: as many guardians as pupils."""
    pupils = classes * per_class
    paired = (pupils * 3 // 4) // 2 * 2
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["Classe", "Nom élève", "Prénom élève", "Date naissance", "Nom responsable", "Prénom responsable",
         "Courriel responsable", "Lien"]
    )  # fmt: skip
    for i in range(pupils):
        family = i // 2 if i < paired else paired // 2 + (i - paired)
        last = f"Famille {tag}{family:05d}"
        born = dt.date(2017, 1, 1) + dt.timedelta(days=(i * 7) % 2000)
        links = (("Mère", "Camille"), ("Père", "Dominique")) if i < paired else (("Mère", "Claude"),)
        for link, first in links:
            writer.writerow(
                [f"Classe {i % classes + 1:03d}", last, f"Enfant{i:05d}", born.strftime("%d/%m/%Y"), last,
                 first, f"{first}.{tag}{family}@example.fr".lower(), link]
            )  # fmt: skip
    return out.getvalue().encode()


@dataclass
class School:
    id: uuid.UUID
    director: str  # session token
    guardian_tokens: list[str]
    senders: list[dict[str, str]]  # {"token", "child_id"}: one guardian per family
    guardians: int
    teachers: int
    classes: int


async def build_school(
    conn: asyncpg.Connection, tag: str, classes: int, sessions: int, senders: int
) -> School:
    async with conn.transaction():
        school = await directory.create_school(
            conn, f"École {tag}", "Lyon", f"{secrets.randbelow(10**7):07d}{tag}"
        )
        rows = parse_roster(roster_csv(tag, classes))
        imported = await directory.import_roster(conn, school["id"], rows, 60)
        director, _ = await directory.add_staff(
            conn, school["id"], role="director", display_name="Mme Directrice", email=None, class_names=[]
        )
        names = sorted({row.class_name for row in rows})
        for n, name in enumerate(names):
            await directory.add_staff(
                conn,
                school["id"],
                role="teacher",
                display_name=f"Enseignant {n}",
                email=None,
                class_names=[name],
            )
        director_token, _ = await create_session(conn, director.id, 30)
        tokens: dict[str, str] = {}
        for guardian in imported.guardians[:sessions]:
            tokens[guardian["user_id"]], _ = await create_session(conn, uuid.UUID(guardian["user_id"]), 30)
        chosen, children = [], set()
        for guardian in imported.guardians:
            child = guardian["children"][0]
            if guardian["user_id"] in tokens and child not in children and len(chosen) < senders:
                children.add(child)
                chosen.append({"token": tokens[guardian["user_id"]], "child_id": child})
    return School(
        school["id"],
        director_token,
        list(tokens.values()),
        chosen,
        len(imported.guardians),
        len(names),
        len(names),
    )


# -- processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU time of the PostgreSQL backends (and autovacuum workers) of `database`, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
            if database in title:
                found[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:  # the process ended meanwhile
            continue
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (every process, every core)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


class ClientProcess:
    """`_clients.py` in its own process: one JSON command a line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> ClientProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "_clients.py"), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2**26,
        )  # fmt: skip
        return cls(process)

    async def ask(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the client process ended during {cmd}")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"client {cmd}: {answer.get('error')}")
        return answer

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask("quit"), 30)
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        await self.process.wait()


class Profiler:
    """py-spy on the web process, one file of collapsed stacks per part."""

    def __init__(self, folder: Path | None, pid: int) -> None:
        self.folder, self.pid = folder, pid
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, name: str) -> None:
        if self.folder is None:
            return
        self.process = await asyncio.create_subprocess_exec(
            shutil.which("py-spy") or "py-spy", "record", "--pid", str(self.pid), "--rate", "100",
            "--format", "raw", "-o", str(self.folder / f"{name}.txt"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            await self.process.wait()
            self.process = None


# -- figures -------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def dist(values: list[float]) -> str:
    return f"p50 {statistics.median(values):8.1f} ms  p99 {pct(values, 0.99):8.1f} ms"


@dataclass
class Cpu:
    """CPU seconds the web process, the PostgreSQL backends of the scratch
    database and the whole machine spent in the block (a backend that ended
    inside the block is not counted)."""

    web_pid: int
    database: str
    web_start: float = 0.0
    busy_start: float = 0.0
    postgres_start: dict[int, float] = field(default_factory=dict)

    def __enter__(self) -> Cpu:
        self.postgres_start = postgres_cpu(self.database)
        self.web_start, self.busy_start = cpu_seconds(self.web_pid), machine_busy()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.web, self.busy = cpu_seconds(self.web_pid) - self.web_start, machine_busy() - self.busy_start
        now = postgres_cpu(self.database)
        self.postgres = sum(cpu - self.postgres_start.get(pid, 0.0) for pid, cpu in now.items())

    def report(self, what: str, count: int, client: float, indent: str = "   ") -> None:
        other = max(0.0, self.busy - self.web - self.postgres - client)
        print(
            f"{indent}CPU per {what}: web {self.web / count * 1000:.1f} ms, PostgreSQL "
            f"{self.postgres / count * 1000:.1f} ms, client {client / count * 1000:.1f} ms"
        )
        share = other / self.seconds
        print(f"{indent}  (meanwhile the rest of the machine, Redis and other work, used {share:.2f} CPU)")


# -- the ceilings that only need PostgreSQL -----------------------------------------------


async def copy_ceiling(pool: asyncpg.Pool, school_id: uuid.UUID, rounds: int) -> tuple[list[float], int]:
    """COPY of the rows one announcement writes per recipient: thread_members,
    and event_recipients for its two events, into tables of the same shape and
    indexes (no foreign keys), one transaction a round."""
    async with pool.acquire() as conn:
        members = await conn.fetch(
            """SELECT user_id, is_staff FROM thread_members WHERE thread_id =
                 (SELECT id FROM threads WHERE school_id = $1 AND kind = 'announcement'
                  ORDER BY created_at DESC LIMIT 1)""",
            school_id,
        )
        await conn.execute(
            """CREATE TABLE ceiling_members (LIKE thread_members INCLUDING DEFAULTS INCLUDING INDEXES);
               CREATE TABLE ceiling_recipients (LIKE event_recipients INCLUDING DEFAULTS INCLUDING INDEXES)"""
        )
        timings = []
        for r in range(rounds):
            thread_id = uuid.uuid4()
            member_rows = [(thread_id, m["user_id"], m["is_staff"]) for m in members]
            recipient_rows = [
                (m["user_id"], pos, school_id) for pos in (2 * r + 1, 2 * r + 2) for m in members
            ]
            started = time.perf_counter()
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "ceiling_members", records=member_rows, columns=["thread_id", "user_id", "is_staff"]
                )
                await conn.copy_records_to_table(
                    "ceiling_recipients", records=recipient_rows, columns=["user_id", "pos", "stream_id"]
                )
            timings.append((time.perf_counter() - started) * 1000)
    return timings, len(members)


async def insert_ceiling(dsn: str, tasks: int, per_task: int, pool_size: int) -> tuple[list[float], float]:
    """Bare INSERT ... RETURNING into a table shaped like `messages` (its
    indexes, no foreign keys), from `tasks` concurrent tasks on a pool of the
    service's size."""
    pool = await create_pool(dsn, max_size=pool_size)
    try:
        await pool.execute("CREATE TABLE ceiling_messages (LIKE messages INCLUDING ALL)")
        await asyncio.gather(*(pool.execute("SELECT pg_sleep(0.05)") for _ in range(pool_size)))
        latencies: list[float] = []
        go = asyncio.Event()

        async def task() -> None:
            thread_id, author_id = uuid.uuid4(), uuid.uuid4()
            await go.wait()
            for seq in range(1, per_task + 1):
                started = time.perf_counter()
                await pool.fetchrow(
                    """INSERT INTO ceiling_messages (thread_id, seq, author_id, body, client_id)
                       VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at""",
                    thread_id, seq, author_id, f"Message {seq} : merci de confirmer.", uuid.uuid4().hex,
                )  # fmt: skip
                latencies.append((time.perf_counter() - started) * 1000)

        running = [asyncio.create_task(task()) for _ in range(tasks)]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        go.set()
        await asyncio.gather(*running)
        return latencies, time.perf_counter() - started
    finally:
        await pool.close()


# -- the servers ---------------------------------------------------------------------


class Servers:
    """`liaison web` and the bare websockets server, each a process of its own."""

    def __init__(self, dsn: str, redis: str, workdir: Path) -> None:
        self.dsn, self.redis, self.workdir = dsn, redis, workdir
        self.web: asyncio.subprocess.Process | None = None
        self.bare: asyncio.subprocess.Process | None = None
        self.base = self.ws_url = self.bare_url = ""

    async def start(self) -> None:
        port, bare_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.ws_url, self.bare_url = f"ws://127.0.0.1:{port}/ws", f"ws://127.0.0.1:{bare_port}"
        env = {
            **os.environ,
            "DATABASE_URL": self.dsn,
            "REDIS_URL": self.redis,
            "SECRET_KEY": secrets.token_hex(24),
            "REDIS_PREFIX": f"liaison-bench-{uuid.uuid4().hex[:8]}:",
            "PUBLIC_URL": self.base,
        }
        log = self.workdir / "web.log"
        with log.open("ab") as sink:
            self.web = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "liaison", "web", "--host", "127.0.0.1", "--port", str(port)),
                env=env,
                stdout=sink,
                stderr=sink,
            )
        self.bare = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "_bare_ws.py"), str(bare_port), stdout=asyncio.subprocess.PIPE
        )
        await wait_ready(self.base, self.web, log)
        assert self.bare.stdout
        await asyncio.wait_for(self.bare.stdout.readline(), 30)

    async def stop(self) -> None:
        for process in (self.web, self.bare):
            if process is None or process.returncode is not None:
                continue
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
        self.web = self.bare = None


async def wait_ready(base: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline and process.returncode is None:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("liaison web did not become ready:\n" + _tail(log))


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


# -- the parts -------------------------------------------------------------------------


async def settle(pool: asyncpg.Pool) -> None:
    """Do now the background work the previous part left to PostgreSQL
    (autovacuum of the rows it updated, a checkpoint), so that it does not
    land in the middle of the next measurement."""
    await pool.execute("VACUUM ANALYZE")
    await pool.execute("CHECKPOINT")


@dataclass
class Bench:
    sizes: Sizes
    pool: asyncpg.Pool
    dsn: str
    database: str
    servers: Servers
    client: ClientProcess
    profiler: Profiler

    @property
    def web_pid(self) -> int:
        assert self.servers.web is not None
        return self.servers.web.pid

    async def announce(
        self, part: str, school: School, connected: int, rounds: int
    ) -> tuple[list, Cpu, float]:
        await settle(self.pool)
        await asyncio.sleep(1)  # the sockets' writers start after the resume window
        await self.profiler.start(part)
        with Cpu(self.web_pid, self.database) as cpu:
            result = await self.client.ask(
                "announce",
                http=self.servers.base,
                token=school.director,
                expect=connected,
                reps=rounds,
                body=ANNOUNCEMENT,
            )
        await self.profiler.stop()
        return result["rounds"], cpu, result["client_cpu"]


def print_rounds(rounds: list[dict[str, Any]], connected: int) -> None:
    missed = sum(connected - r["received"] for r in rounds)
    print(f"   POST /api/threads (201)     {dist([r['post_ms'] for r in rounds])}")
    print(f"   first socket                {dist([r['first_ms'] for r in rounds])}")
    print(f"   last socket                 {dist([r['last_ms'] for r in rounds])}")
    print(f"   delivery after the 201      {dist([r['last_ms'] - r['post_ms'] for r in rounds])}")
    if missed:
        print(f"   MISSED: {missed} sockets never got the message (within {WAIT_S} s)")


def median_of(rounds: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


async def part_school(bench: Bench, school: School) -> None:
    """1. A school's announcement, every guardian connected; the bare broadcast as ceiling."""
    client, servers, rounds_wanted = bench.client, bench.servers, bench.sizes.small_rounds
    connected = (await client.ask("open", group="web", url=servers.ws_url, tokens=school.guardian_tokens))[
        "total"
    ]
    await client.ask("open", group="bare", url=servers.bare_url, tokens=school.guardian_tokens)
    rounds, cpu, client_cpu = await bench.announce("1-school-announcement", school, connected, rounds_wanted)
    # Each socket gets thread.created then message.created: the ceiling sends the same two frames.
    samples = rounds[0]["samples"]
    frames = [samples["thread.created"], samples["message.created"]]
    ceiling = (
        await client.ask(
            "bare_announce", url=servers.bare_url, expect=connected, reps=rounds_wanted, frames=frames
        )
    )["rounds"]
    await client.ask("close", group="bare")
    await client.ask("close", group="web")
    sizes = " + ".join(str(len(frame.encode())) for frame in frames)
    print(
        f"\n1. Announcement to one school: {school.guardians} guardians, all {connected} connected, "
        f"{len(rounds)} rounds; frames thread.created + message.created of {sizes} bytes"
    )
    print_rounds(rounds, connected)
    print(f"   ceiling: bare websockets server, broadcast() of the same two frames to {connected} sockets")
    print(f"     broadcast() calls         {dist([r['server_ms'] for r in ceiling])}")
    print(f"     send -> answer            {dist([r['post_ms'] for r in ceiling])}")
    print(f"     last socket               {dist([r['last_ms'] for r in ceiling])}")
    ratio = median_of(rounds, "last_ms") / median_of(ceiling, "last_ms")
    print(f"   ratio last socket p50 / ceiling p50: {ratio:.1f}×")
    cpu.report("announcement (warm-up round included)", len(rounds) + 1, client_cpu)


async def part_big(bench: Bench, school: School) -> None:
    """2. A big school's announcement, part of it connected; COPY of the same rows as ceiling."""
    client, sizes = bench.client, bench.sizes
    tokens = school.guardian_tokens[: sizes.big_connected]
    connected = (await client.ask("open", group="web", url=bench.servers.ws_url, tokens=tokens))["total"]
    rounds, cpu, client_cpu = await bench.announce("2-big-announcement", school, connected, sizes.big_rounds)
    await client.ask("close", group="web")
    await settle(bench.pool)
    copies, members = await copy_ceiling(bench.pool, school.id, sizes.big_rounds)
    print(
        f"\n2. Announcement to a whole school: {school.guardians} guardians ({members} thread members), "
        f"{connected} connected, {len(rounds)} rounds"
    )
    print_rounds(rounds, connected)
    print(f"   ceiling: COPY of {members} + {2 * members} rows (thread_members, event_recipients ×2)")
    print(f"     one transaction           {dist(copies)}")
    copy = statistics.median(copies)
    print(
        f"   ratio POST p50 / ceiling p50: {median_of(rounds, 'post_ms') / copy:.1f}×, "
        f"last socket p50 / ceiling p50: {median_of(rounds, 'last_ms') / copy:.1f}×"
    )
    cpu.report("announcement (warm-up round included)", len(rounds) + 1, client_cpu)


async def part_direct(bench: Bench, school: School) -> None:
    """3. Direct messages from concurrent senders; bare INSERT round trips as ceiling."""
    client, sizes = bench.client, bench.sizes
    print(
        f"\n3. Direct messages: {len(school.senders)} concurrent senders (one keep-alive connection each)"
        f" × {sizes.per_sender} messages"
    )
    rate = 0.0
    for sockets in (True, False):
        label = f"{len(school.guardian_tokens)} guardians connected" if sockets else "no socket connected"
        if sockets:
            await client.ask("open", group="web", url=bench.servers.ws_url, tokens=school.guardian_tokens)
        await settle(bench.pool)
        await asyncio.sleep(1)
        await bench.profiler.start("3-direct-" + ("sockets" if sockets else "no-socket"))
        with Cpu(bench.web_pid, bench.database) as cpu:
            result = await client.ask(
                "direct", http=bench.servers.base, senders=school.senders, per_sender=sizes.per_sender
            )
        await bench.profiler.stop()
        if sockets:
            await client.ask("close", group="web")
        count = len(result["latencies_ms"])
        rate = count / result["seconds"]
        errors = f"  {result['errors']} ERRORS" if result["errors"] else ""
        print(f"   {label:<27} {rate:6.0f} messages/s  {dist(result['latencies_ms'])}{errors}")
        cpu.report("message (thread creation included)", count, result["client_cpu"], " " * 6)
    await settle(bench.pool)
    latencies, seconds = await insert_ceiling(
        bench.dsn, len(school.senders), sizes.per_sender, sizes.pool_size
    )
    ceiling = len(latencies) / seconds
    print(f"   ceiling: INSERT RETURNING   {ceiling:6.0f} rows/s      {dist(latencies)}")
    print(f"     ({len(school.senders)} tasks, asyncpg pool of {sizes.pool_size} like the service's)")
    print(f"   ratio ceiling / service (no socket): {ceiling / rate:.1f}×", flush=True)


async def part_memory(bench: Bench, tokens: list[str]) -> None:
    """4. Memory per idle authenticated socket, in fresh processes."""
    await bench.servers.stop()
    await settle(bench.pool)
    await bench.servers.start()
    client, servers, count = bench.client, bench.servers, len(tokens)
    figures = {}
    for label, url, process in (
        ("web", servers.ws_url, servers.web),
        ("bare", servers.bare_url, servers.bare),
    ):
        assert process is not None
        await client.ask("open", group="warm", url=url, tokens=tokens[:20])
        await client.ask("close", group="warm")
        await asyncio.sleep(1)
        before = rss_kib(process.pid)
        opened = await client.ask("open", group=label, url=url, tokens=tokens)
        await asyncio.sleep(2)
        figures[label] = (before, rss_kib(process.pid), opened["seconds"])
        await client.ask("close", group=label)
    print(f"\n4. Memory per idle authenticated socket ({count} sockets, VmRSS of the server process)")
    per = {}
    for label, name in (("web", "liaison web         "), ("bare", "ceiling: bare server")):
        before, after, seconds = figures[label]
        per[label] = (after - before) / count
        print(
            f"   {name} {before / 1024:6.1f} -> {after / 1024:6.1f} MiB: {per[label]:5.1f} KiB per socket"
            f"  (opened in {seconds:.1f} s)"
        )
    print(f"   ratio: {per['web'] / per['bare']:.1f}×", flush=True)


# -- the run ---------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    sizes = QUICK if args.quick else FULL
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = args.dsn.rsplit("/", 1)[0] + "/" + name
    workdir = Path(tempfile.mkdtemp(prefix="liaison-bench-"))
    servers = Servers(dsn, args.redis, workdir)
    client: ClientProcess | None = None
    pool: asyncpg.Pool | None = None
    try:
        version = await admin.fetchval("SHOW server_version")
        print(
            f"Liaison real-time benchmark ({'quick' if args.quick else 'full'}): {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, PostgreSQL {version.split()[0]}, code {args.code}; "
            f"load average {os.getloadavg()[0]:.2f} at start",
            flush=True,
        )
        started = time.perf_counter()
        pool = await create_pool(dsn)
        async with pool.acquire() as conn:
            await migrate(conn)
            small = await build_school(conn, "A", sizes.small_classes, 10**6, sizes.senders)
            big = await build_school(
                conn, "B", sizes.big_classes, max(sizes.big_connected, sizes.idle_sockets), 0
            )
        print(
            f"setup in {time.perf_counter() - started:.1f} s: school A {small.guardians} guardians "
            f"({small.classes} classes), school B {big.guardians} guardians ({big.classes} classes), "
            f"{len(small.guardian_tokens) + len(big.guardian_tokens) + 2} sessions",
            flush=True,
        )
        await servers.start()
        client = await ClientProcess.start()
        assert servers.web is not None
        bench = Bench(sizes, pool, dsn, name, servers, client, Profiler(args.profile, servers.web.pid))
        await part_school(bench, small)
        await part_big(bench, big)
        await part_direct(bench, small)
        await part_memory(bench, big.guardian_tokens[: sizes.idle_sockets])
    finally:
        if client is not None:
            await client.stop()
        await servers.stop()
        if pool is not None:
            await pool.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(workdir, ignore_errors=True)


def code_version() -> str:
    """The commit under test, "+changes" when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--profile", metavar="DIR", help="record each part with py-spy into DIR")
    args = parser.parse_args()
    args.code = code_version()
    if args.profile:
        args.profile = Path(args.profile).resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
