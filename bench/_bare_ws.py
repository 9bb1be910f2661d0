"""The ceiling for the real-time benchmark: a minimal `websockets` server.

    python bench/_bare_ws.py PORT

Started by `bench_realtime.py` in a process of its own, like the service.
It does the least a push server can do: a client sends `{"type": "auth", ...}`
and gets `{"type": "ready", "pos": 0}` (no database, no session check); a
control client sends `{"type": "control"}`, then `{"type": "broadcast",
"texts": [...]}` frames: each text is handed to every authenticated socket
with `websockets.broadcast` (compression off, like the service), and the
control client is answered with the time that took, in ms (the equivalent
of the service's 201).
Prints `ready` on stdout once it listens.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

CLIENTS: set[ServerConnection] = set()


async def handler(websocket: ServerConnection) -> None:
    try:
        first = json.loads(await websocket.recv())
    except (ConnectionClosed, ValueError):
        return
    if first.get("type") == "control":
        async for raw in websocket:
            frame = json.loads(raw)
            if frame.get("type") == "broadcast":
                started = time.perf_counter()
                for text in frame["texts"]:
                    broadcast(CLIENTS, text)
                await websocket.send(str((time.perf_counter() - started) * 1000))
        return
    CLIENTS.add(websocket)
    try:
        await websocket.send(json.dumps({"type": "ready", "pos": 0}))
        async for _ in websocket:
            pass
    except ConnectionClosed:
        pass
    finally:
        CLIENTS.discard(websocket)


async def main(port: int) -> None:
    async with serve(
        handler, "127.0.0.1", port, compression=None, max_size=65536, ping_interval=None, backlog=4096
    ):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    try:
        asyncio.run(main(int(sys.argv[1])))
    except KeyboardInterrupt:
        pass
