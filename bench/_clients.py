"""The client process of the real-time benchmark (see `bench_realtime.py`).

    python bench/_clients.py

Holds real WebSocket connections (`websockets`, compression off) and HTTP
keep-alive clients (`httpx`), and runs what the orchestrator asks: one JSON
command a line on stdin, one JSON answer a line on stdout. It times
everything itself, on one clock, from the request it sends to the frame the
last socket receives. A frame counts when it holds the marker of the current
round (a substring test: parsing thousands of frames would measure this
process, not the server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import time
import uuid
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

OPEN_CONCURRENCY = 50
WAIT = 60.0  # a bound on every wait: a lost event fails the round instead of hanging


MESSAGE_CREATED = '"type":"message.created"'  # as the service writes its frames (compact JSON)


class Watch:
    """Counts the sockets that received the `message.created` frame holding
    `needle`, and keeps one copy of each frame holding it (the ceiling sends
    the same frames)."""

    def __init__(self, needle: str, expect: int) -> None:
        self.needle = needle
        self.expect = expect
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.samples: dict[str, str] = {}
        self.done = asyncio.Event()

    def seen(self, text: str) -> None:
        kind = text.split('"type":"', 1)[-1].split('"', 1)[0]
        self.samples.setdefault(kind, text)
        if MESSAGE_CREATED not in text:
            return
        now = time.perf_counter()
        self.count += 1
        if self.count == 1:
            self.first = now
        self.last = now
        if self.count >= self.expect:
            self.done.set()


class Clients:
    def __init__(self) -> None:
        self.groups: dict[str, list[tuple[ClientConnection, asyncio.Task[None]]]] = {}
        self.watch: Watch | None = None

    # -- sockets -------------------------------------------------------------------
    async def _read(self, websocket: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for text in websocket:
                watch = self.watch
                if watch is not None and watch.needle in text:
                    watch.seen(text)

    async def _open_one(self, url: str, token: str, gate: asyncio.Semaphore) -> ClientConnection:
        async with gate:
            websocket = await connect(
                url, compression=None, max_size=2**22, ping_interval=None, open_timeout=WAIT
            )
            await websocket.send(json.dumps({"type": "auth", "token": token}))
            ready = json.loads(await asyncio.wait_for(websocket.recv(), WAIT))
            if ready.get("type") != "ready":
                raise RuntimeError(f"unexpected first frame: {ready}")
            return websocket

    async def open(self, group: str, url: str, tokens: list[str]) -> dict[str, Any]:
        gate = asyncio.Semaphore(OPEN_CONCURRENCY)
        started = time.perf_counter()
        sockets = await asyncio.gather(*(self._open_one(url, t, gate) for t in tokens))
        elapsed = time.perf_counter() - started
        entries = self.groups.setdefault(group, [])
        entries.extend((ws, asyncio.create_task(self._read(ws))) for ws in sockets)
        return {"opened": len(sockets), "total": len(entries), "seconds": elapsed}

    async def close(self, group: str) -> dict[str, Any]:
        entries = self.groups.pop(group, [])
        await asyncio.gather(*(ws.close() for ws, _ in entries), return_exceptions=True)
        for _, task in entries:
            task.cancel()
        await asyncio.gather(*(task for _, task in entries), return_exceptions=True)
        return {"closed": len(entries)}

    async def _round(self, expect: int, send) -> dict[str, Any]:
        """One timed round: `send(marker)` makes the server emit frames
        holding the marker and returns when it answered (201, done)."""
        marker = f"bench-{uuid.uuid4().hex}"
        watch = self.watch = Watch(marker, expect)
        started = time.perf_counter()
        server_ms = await send(marker)
        answered = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watch.done.wait(), WAIT)
        self.watch = None
        return {
            "post_ms": (answered - started) * 1000,
            "first_ms": (watch.first - started) * 1000 if watch.count else -1.0,
            "last_ms": (watch.last - started) * 1000 if watch.count else -1.0,
            "received": watch.count,
            "samples": watch.samples,
            "server_ms": server_ms,
        }

    async def announce(self, http: str, token: str, expect: int, reps: int, body: str) -> dict[str, Any]:
        """The director writes to the whole school, `reps` times (after one
        round of warm-up, not counted)."""
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=http, headers=headers, timeout=WAIT) as client:

            async def send(marker: str) -> None:
                response = await client.post(
                    "/api/threads",
                    json={
                        "kind": "announcement",
                        "audience": {"school": True},
                        "subject": f"Fermeture exceptionnelle de l'école ({marker})",
                        "body": f"{body} ({marker})",
                        "client_id": marker,
                    },
                )
                if response.status_code != 201:
                    raise RuntimeError(f"POST /api/threads: {response.status_code} {response.text[:300]}")

            rounds = [await self._round(expect, send) for _ in range(reps + 1)]
        return {"rounds": rounds[1:]}

    async def bare_announce(self, url: str, expect: int, reps: int, frames: list[str]) -> dict[str, Any]:
        """The same rounds against the bare websockets server: `frames` are
        those the service sent in one round, their marker replaced each round."""
        old = "bench-" + frames[-1].split("(bench-", 1)[1].split(")", 1)[0]
        async with connect(url, compression=None, ping_interval=None) as control:
            await control.send(json.dumps({"type": "control"}))

            async def send(marker: str) -> float:
                texts = [frame.replace(old, marker) for frame in frames]
                await control.send(json.dumps({"type": "broadcast", "texts": texts}))
                return float(await control.recv())  # how long broadcast() took, in ms

            rounds = [await self._round(expect, send) for _ in range(reps + 1)]
        return {"rounds": rounds[1:]}

    # -- direct messages -------------------------------------------------------------
    async def direct(self, http: str, senders: list[dict[str, str]], per_sender: int) -> dict[str, Any]:
        """Each sender (one keep-alive HTTP client each) starts a direct
        thread about its child (not timed, it also opens the connection),
        then all post `per_sender` messages into their threads, at once."""
        clients = [
            httpx.AsyncClient(
                base_url=http,
                headers={"Authorization": f"Bearer {s['token']}"},
                timeout=WAIT,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
            for s in senders
        ]
        try:

            async def start(client: httpx.AsyncClient, child_id: str) -> str:
                response = await client.post(
                    "/api/threads",
                    json={
                        "kind": "direct",
                        "child_id": child_id,
                        "subject": "Sortie de jeudi",
                        "body": "Bonjour, une question sur la sortie de jeudi.",
                        "client_id": uuid.uuid4().hex,
                    },
                )
                if response.status_code != 201:
                    raise RuntimeError(f"POST /api/threads: {response.status_code} {response.text[:300]}")
                return response.json()["thread"]["id"]

            threads = await asyncio.gather(
                *(start(c, s["child_id"]) for c, s in zip(clients, senders, strict=True))
            )
            latencies: list[float] = []
            errors = 0
            go = asyncio.Event()

            async def sender(client: httpx.AsyncClient, thread_id: str) -> None:
                nonlocal errors
                await go.wait()
                for i in range(per_sender):
                    started = time.perf_counter()
                    response = await client.post(
                        f"/api/threads/{thread_id}/messages",
                        json={"body": f"Message {i} : merci de confirmer.", "client_id": uuid.uuid4().hex},
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 201:
                        errors += 1

            tasks = [asyncio.create_task(sender(c, t)) for c, t in zip(clients, threads, strict=True)]
            await asyncio.sleep(0.2)
            cpu = _cpu()
            started = time.perf_counter()
            go.set()
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - started
            return {
                "latencies_ms": latencies,
                "seconds": elapsed,
                "errors": errors,
                "client_cpu": _cpu() - cpu,
            }
        finally:
            await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    clients = Clients()
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        command = json.loads(line)
        name = command.pop("cmd")
        if name == "quit":
            for group in list(clients.groups):
                await clients.close(group)
            print(json.dumps({"ok": True}), flush=True)
            break
        cpu = _cpu()
        try:
            result = await getattr(clients, name)(**command)
            result["ok"] = True
        except Exception as error:  # reported to the orchestrator, which stops
            result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        result.setdefault("client_cpu", _cpu() - cpu)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
