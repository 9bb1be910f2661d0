"""Serving the web app of `static/`: plain files, except the service worker,
whose cache version and shell list the server writes from the files
themselves, so a deploy always reaches every phone whole (never old and new
modules mixed) and a new screen can never be missing from the offline shell."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from pathlib import Path

from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Not in every system's MIME table; browsers want it for the web app manifest.
mimetypes.add_type("application/manifest+json", ".webmanifest")

# What the page may load and run: only its own files and its own server.
# (`connect-src 'self'` covers the same-origin WebSocket.)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

SERVICE_WORKER = "sw.js"
# Big files that the shell does without offline (the install icons).
# The chart library (210 KB) is fetched by the few who open #/stats, not cached for every phone.
NOT_IN_SHELL = re.compile(r"(^|/)\.|icon-512|maskable|\.map$|^vendor/")


class WebAppMount(Mount):
    """The web app's files, everywhere but under /api: there the router's own
    404 and 405 (with the right Allow header) must answer."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


class WebAppFiles(StaticFiles):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, html=True)
        self.root = Path(directory)
        self.worker = service_worker(self.root)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == SERVICE_WORKER:
            # Read by the browser at every visit (no-cache): a new version is seen at once.
            response: Response = Response(
                self.worker, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
            )
        else:
            response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


def shell_files(root: Path) -> list[str]:
    names = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return ["/", *sorted("/" + n for n in names if n != SERVICE_WORKER and not NOT_IN_SHELL.search(n))]


def service_worker(root: Path) -> bytes:
    """sw.js with `VERSION` set to a hash of every file and `SHELL` listing them."""
    source = (root / SERVICE_WORKER).read_text(encoding="utf-8")
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    shell = json.dumps(shell_files(root), indent=2)
    version = digest.hexdigest()[:16]
    source = re.sub(r'const VERSION = "[^"]*";', f'const VERSION = "{version}";', source, count=1)
    source = re.sub(r"const SHELL = \[[^\]]*\];", lambda _: f"const SHELL = {shell};", source, count=1)
    return source.encode()
