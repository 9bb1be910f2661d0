"""Photo uploads: a 12-megapixel phone photo through `POST /api/media`, and served back.

    python bench/bench_media.py [--uploads 20] [--uploaders 8] [--concurrent 40] [--gets 200]
                                [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

A scratch database (dropped at the end) gets a school with a class of 25
pupils (one guardian each) and its teacher, written with the directory store,
and session tokens for the teacher and one guardian. The service runs in this
process, on a real port (`tests/conftest.py`'s RunningServer;
in-memory bus, photos in a temporary folder), and is driven by httpx clients
from the same process, each on a keep-alive connection.

The photo is made once: 4000×3000, noisy content that compresses like a phone
photo (about 3.5 MB at JPEG quality 90), EXIF with a GPS position, a camera
serial and orientation 6 (a phone held upright: the service turns it).

1. `POST /api/media` one at a time (after two uploads not timed): p50/p95.
2. `--uploaders` clients uploading `--concurrent` photos at once: uploads per
   second, p50/p95 of each upload.
3. Ceilings, same photo bytes, same run, in this process (the server idle):
   the bare Pillow work (open, exif_transpose, convert, resize to 1600 and
   400 px with the service's filter, save JPEG q82 progressive), after each
   upload of part 1 (so both see the same moment of a shared machine), and
   from 2 threads right after part 2 (the service decodes 2 photos at once).
   Measured twice: with `draft` (the JPEG decoded at half scale, still above
   1600 px: what the service does, so the least the same output costs) and
   with a full decode. `images.process` alone (the service's own image code,
   no HTTP) is timed the same way, between the two.
4. `GET /media/<key>/web` by the uploader and by a guardian of the class (the
   photo is on a published blog post of the class): p50, against reading the
   same file's bytes from disk (page cache), and `GET /healthz` for what any
   HTTP round trip costs here.

Peak RSS is the VmHWM of this process (server and clients together), reset
(`/proc/self/clear_refs`) before the uploads of part 2 and before the bare
2-thread run.
CPU: this process's user+system time per upload, and what the rest of the
machine used meanwhile (from /proc/stat: PostgreSQL, and any other work; well
above 0.3 CPU means the run was disturbed). p95 is the nearest-rank
percentile: over 20 uploads it is the slowest. Linux only. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liaison.accounts import store as accounts
from liaison.config import Settings
from liaison.directory import store as directory
from liaison.directory.csv_import import parse_roster
from liaison.media import files, images
from liaison.storage.db import create_pool
from liaison.storage.migrations import migrate
from tests.conftest import RunningServer
from tests.photos import spying_exif

WIDTH, HEIGHT = 4000, 3000
ORIENTATION = 6  # rotated 90°: a phone held upright
PUPILS = 25


# -- measuring ---------------------------------------------------------------------------


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _status(field: str) -> int:
    """A line of /proc/self/status, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _machine_busy() -> float:
    """CPU-seconds the whole machine has spent not idle (nor waiting for I/O)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """Wall time, this process's CPU time and the rest of the machine's, summed over blocks."""

    def __init__(self) -> None:
        self.wall = self.cpu = self.other = 0.0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        wall, cpu, busy = time.perf_counter(), _own_cpu(), _machine_busy()
        yield
        spent = _own_cpu() - cpu
        self.wall += time.perf_counter() - wall
        self.cpu += spent
        self.other += max(0.0, _machine_busy() - busy - spent)

    def line(self, count: int, what: str) -> str:
        return (
            f"   this process: {self.cpu / count * 1000:.0f} ms CPU per {what};"
            f" rest of the machine: {self.other / self.wall:.2f} CPU"
        )


# -- the photo and the bare Pillow work ----------------------------------------------------


def make_photo() -> bytes:
    """Smooth colour fields with a grain of noise, as a phone photo compresses."""
    rng = random.Random(7)
    coarse = Image.frombytes("RGB", (WIDTH // 16, HEIGHT // 16), rng.randbytes(WIDTH * HEIGHT * 3 // 256))
    grain = Image.frombytes("RGB", (WIDTH, HEIGHT), rng.randbytes(WIDTH * HEIGHT * 3))
    picture = Image.blend(coarse.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC), grain, 0.07)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=spying_exif(ORIENTATION))
    return out.getvalue()


def bare(data: bytes, draft: bool) -> int:
    """The least Pillow work for the service's two variants; the bytes written."""
    image = Image.open(io.BytesIO(data))
    if draft:
        image.draft("RGB", images.fit(*image.size, images.WEB_SIZE))
    image = ImageOps.exif_transpose(image)
    rgb = image.convert("RGB")
    web = rgb.resize(images.fit(*rgb.size, images.WEB_SIZE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumb = web.resize(images.fit(*web.size, images.THUMB_SIZE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    written = 0
    for variant in (web, thumb):
        out = io.BytesIO()
        variant.save(out, "JPEG", quality=images.JPEG_QUALITY, progressive=True, optimize=True)
        written += len(out.getvalue())
    return written


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def threaded(work: Callable[[], object], count: int, threads: int) -> float:
    """Items per second of `work` run `count` times from `threads` threads."""
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(work) for _ in range(count)]:
            future.result()
    return count / (time.perf_counter() - started)


# -- the service ---------------------------------------------------------------------------


async def setup(dsn: str) -> dict:
    """A school, a class of 25 pupils with one guardian each, its teacher; tokens."""
    pool = await create_pool(dsn)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
            async with conn.transaction():
                school = await directory.create_school(conn, "École des photos", "Lyon", "0690001P")
                teacher, classes = await directory.add_staff(
                    conn, school["id"], role="teacher", display_name="Mme Photo", email=None, class_names=["CP"]
                )  # fmt: skip
                lines = [
                    "Classe;Nom élève;Prénom élève;Date naissance;Nom responsable;Prénom responsable;"
                    "Courriel responsable;Lien"
                ]
                lines += [f"CP;Eleve{i};Enfant;01/01/2019;Famille{i};Parent;;Mère" for i in range(PUPILS)]
                result = await directory.import_roster(
                    conn, school["id"], parse_roster("\n".join(lines).encode()), 60
                )
            teacher_token, _ = await accounts.create_session(conn, teacher.id, 1)
            guardian = uuid.UUID(result.guardians[0]["user_id"])
            guardian_token, _ = await accounts.create_session(conn, guardian, 1)
            await conn.execute("VACUUM ANALYZE")
    finally:
        await pool.close()
    return {"class_id": str(classes[0]["id"]), "teacher": teacher_token, "guardian": guardian_token}


async def upload(client: httpx.AsyncClient, photo: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    response = await client.post("/api/media", files={"file": ("IMG_2041.jpg", photo, "image/jpeg")})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 201:
        raise RuntimeError(f"upload: {response.status_code} {response.text[:300]}")
    return elapsed, response.json()


async def timed_gets(client: httpx.AsyncClient, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return timings


# -- the run ------------------------------------------------------------------------------------


def _row(figure: str, service: str, ceiling: str = "", ratio: str = "") -> str:
    return f"{figure:<44} {service:<32} {ceiling:<40} {ratio}".rstrip()


def _ms(values: list[float], p95: bool = True) -> str:
    text = f"p50 {statistics.median(values):7.1f} ms"
    return text + (f"  p95 {_p(values, 0.95):7.1f} ms" if p95 else "")


async def run(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    started = time.perf_counter()
    photo = make_photo()
    print(
        f"photo: {WIDTH}×{HEIGHT} JPEG q90, {len(photo) / 1e6:.2f} MB, EXIF with GPS, serial and"
        f" orientation {ORIENTATION} (made in {time.perf_counter() - started:.1f} s)"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )

    name = f"liaison_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = args.dsn.rsplit("/", 1)[0] + "/" + name
    folder = Path(tempfile.mkdtemp(prefix="liaison-bench-media-"))
    server: RunningServer | None = None
    clients: list[httpx.AsyncClient] = []
    try:
        plan = await setup(dsn)
        settings = Settings(
            database_url=dsn, secret_key=secrets.token_urlsafe(32), data_dir=folder, media_dir=folder / "media",
            log_level="WARNING",
        )  # fmt: skip
        server = RunningServer(settings)
        await server.start()

        def client(token: str | None) -> httpx.AsyncClient:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            made = httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120)
            clients.append(made)
            return made

        teacher = client(plan["teacher"])
        for draft in (True, False):  # warm-up: first-use costs, the connection
            await upload(teacher, photo)
            bare(photo, draft)
        images.process(photo)

        # 1. One at a time; each upload followed by its ceilings (the server
        # idle meanwhile), so that both see the same moment of the machine.
        meters = {kind: Meter() for kind in ("upload", "process", "draft", "full")}
        one: list[float] = []
        process: list[float] = []
        bare_draft: list[float] = []
        bare_full: list[float] = []
        for _ in range(args.uploads):
            with meters["upload"]():
                one.append((await upload(teacher, photo))[0])
            with meters["process"]():
                process.append(timed(lambda: images.process(photo)))
            with meters["draft"]():
                bare_draft.append(timed(lambda: bare(photo, True)))
            with meters["full"]():
                bare_full.append(timed(lambda: bare(photo, False)))

        # 2. Uploaders at once, then the bare work from 2 threads.
        uploaders = [client(plan["teacher"]) for _ in range(args.uploaders)]
        for each in uploaders:
            await each.get("/healthz")  # open the connection before the clock starts
        remaining = iter(range(args.concurrent))
        together: list[float] = []

        async def uploader(each: httpx.AsyncClient) -> None:
            for _ in remaining:
                together.append((await upload(each, photo))[0])

        peak_reset = _reset_peak()
        rss_before = _status("VmRSS")
        many_meter = Meter()
        with many_meter():
            await asyncio.gather(*(uploader(each) for each in uploaders))
        rss_peak = _status("VmHWM")
        per_second = args.concurrent / many_meter.wall
        bare_reset = _reset_peak()
        bare_rss_before = _status("VmRSS")
        threads_meter = Meter()
        with threads_meter():
            bare_draft_2 = threaded(lambda: bare(photo, True), args.concurrent, 2)
        bare_rss_peak = _status("VmHWM")
        bare_full_2 = threaded(lambda: bare(photo, False), args.concurrent, 2)

        # 4. Serving a photo back: its uploader, and a guardian through a blog post.
        _, media = await upload(teacher, photo)
        posted = await teacher.post(
            f"/api/classes/{plan['class_id']}/posts",
            json={"title": "Sortie au parc", "body": "Les photos de la sortie.", "media_ids": [media["id"]]},
        )
        if posted.status_code != 201:
            raise RuntimeError(f"blog post: {posted.status_code} {posted.text[:300]}")
        guardian = client(plan["guardian"])
        anonymous = client(None)
        for each, warm in ((teacher, media["url"]), (guardian, media["url"]), (anonymous, "/healthz")):
            await each.get(warm)
        by_uploader = await timed_gets(teacher, media["url"], args.gets)
        by_guardian = await timed_gets(guardian, media["url"], args.gets)
        healthz = await timed_gets(anonymous, "/healthz", args.gets)
        path = files.path_of(settings.media_root, media["url"].split("/")[2], "web")
        web_bytes = len(path.read_bytes())
        read_file = [timed(path.read_bytes) for _ in range(args.gets)]
    finally:
        for each in clients:
            await each.aclose()
        if server is not None:
            await server.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(folder, ignore_errors=True)

    up_p50, draft_p50, full_p50 = (statistics.median(x) for x in (one, bare_draft, bare_full))
    print()
    print(_row("figure", "service", "ceiling (same run)", "ratio"))
    print(
        _row(
            f"1. POST /api/media, one at a time (N={args.uploads})", _ms(one),
            f"bare Pillow, draft: p50 {draft_p50:.1f} ms", f"{up_p50 / draft_p50:.1f}×",
        )
    )  # fmt: skip
    print(_row("", "", f"bare Pillow, full decode: p50 {full_p50:.1f} ms", f"{up_p50 / full_p50:.1f}×"))
    print(
        _row(
            "   images.process alone, in process", _ms(process, p95=False), "(ratio to bare Pillow, draft)",
            f"{statistics.median(process) / draft_p50:.1f}×",
        )
    )  # fmt: skip
    overhead = [upload_ms - process_ms for upload_ms, process_ms in zip(one, process, strict=True)]
    print(
        _row(
            "   upload minus images.process, paired",
            _ms(overhead, p95=False),
            "(HTTP, multipart, files, row)",
        )
    )
    print(meters["upload"].line(args.uploads, "upload (server and client)"))
    print(meters["process"].line(args.uploads, "images.process"))
    print(meters["draft"].line(args.uploads, "bare photo (draft)"))
    print(
        _row(
            f"2. {args.uploaders} uploaders, {args.concurrent} uploads", f"{per_second:.2f} uploads/s",
            f"bare, draft, 2 threads: {bare_draft_2:.2f} /s", f"{per_second / bare_draft_2:.2f}",
        )
    )  # fmt: skip
    print(
        _row(
            "", _ms(together), f"bare, full decode, 2 threads: {bare_full_2:.2f} /s",
            f"{per_second / bare_full_2:.2f}",
        )
    )  # fmt: skip
    print(many_meter.line(args.concurrent, "upload (server and client)"))
    print(threads_meter.line(args.concurrent, "bare photo (draft, 2 threads)"))
    if peak_reset and bare_reset:
        print(
            _row(
                "   peak RSS, this process",
                f"{rss_peak / 1024:.0f} MiB (+{(rss_peak - rss_before) / 1024:.0f})",
                f"bare, 2 threads: {bare_rss_peak / 1024:.0f} MiB (+{(bare_rss_peak - bare_rss_before) / 1024:.0f})",
            )
        )  # fmt: skip
    else:
        print(f"   peak RSS since start (VmHWM could not be reset): {rss_peak / 1024:.0f} MiB")
    read_p50 = statistics.median(read_file)
    print(
        _row(
            f"4. GET /media/<key>/web ({web_bytes / 1024:.0f} KiB), uploader", _ms(by_uploader),
            f"read the file: p50 {read_p50:.3f} ms", f"{statistics.median(by_uploader) / read_p50:.0f}×",
        )
    )  # fmt: skip
    print(
        _row(
            "   the same, a guardian (blog post)", _ms(by_guardian), "",
            f"{statistics.median(by_guardian) / read_p50:.0f}×",
        )
    )  # fmt: skip
    print(
        _row(
            "   GET /healthz, for reference",
            _ms(healthz),
            "",
            f"{statistics.median(healthz) / read_p50:.0f}×",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--uploads", type=int, default=20, help="sequential uploads (part 1)")
    parser.add_argument("--uploaders", type=int, default=8, help="concurrent clients (part 2)")
    parser.add_argument("--concurrent", type=int, default=40, help="uploads shared by them (part 2)")
    parser.add_argument("--gets", type=int, default=200, help="GETs of the photo per viewer (part 4)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
