"""docs/api.md describes exactly what the code serves.

Every (method, path) the application routes has a heading ``### `METHOD /path` ``
in docs/api.md and every such heading is a route; every `ErrorCode` is a row
of the errors table and every `EventType` a heading of the events section,
and nothing else is; the status the table gives a code is the one the code
answers with it. A route, an event or an error code added without its
documentation (or documented and gone) fails here.

The app is built without starting it: `create_app` only assembles the routes
(the database pool is made by the lifespan, which never runs here).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Set
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from liaison.app import create_app
from liaison.config import Settings
from liaison.core.errors import ErrorCode
from liaison.core.events import EventType

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"

ROUTE_HEADING = re.compile(r"^### `([A-Z]+) (/\S*)`$", re.MULTILINE)
EVENT_HEADING = re.compile(r"^### `([a-z_]+\.[a-z_]+)`$", re.MULTILINE)
ERROR_ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]+) \|", re.MULTILINE)
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
# Where the code gives an error code its status: `ApiError(409, ErrorCode.TOO_LATE, …)`,
# and the framework's errors mapped in liaison/web/errors.py (`405: (ErrorCode.…, …)`).
RAISED = re.compile(r"ApiError\(\s*(\d{3}),\s*ErrorCode\.([A-Z_]+)|(\d{3}): \(ErrorCode\.([A-Z_]+)")

Endpoint = tuple[str, str]


def normalised(path: str) -> str:
    """`/api/threads/{thread_id:uuid}` → `/api/threads/{thread_id}`: the
    converter is the code's business, the parameter's name is documented."""
    return PARAMETER.sub(r"{\1}", path)


def served(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[Endpoint]:
    """(method, path) of every route; a WebSocket is its opening GET. HEAD is
    left out (it follows GET). The web app's static files are not API."""
    for route in routes:
        if isinstance(route, WebSocketRoute):
            yield "GET", normalised(prefix + route.path)
        elif isinstance(route, Route):
            assert route.methods, f"{route.path} accepts any method: declare them"
            for method in sorted(route.methods - {"HEAD"}):
                yield method, normalised(prefix + route.path)
        elif isinstance(route, Mount):
            if isinstance(route.app, StaticFiles):
                continue
            yield from served(route.routes, prefix + route.path)
        else:
            raise AssertionError(f"a kind of route this test does not know: {route!r}")


def section(text: str, title: str) -> str:
    """The text under `## <title>`, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/api.md has no '## {title}' section"
    return match.group(1)


def once(items: list[str], what: str) -> set[str]:
    repeated = sorted(item for item, count in Counter(items).items() if count > 1)
    assert not repeated, f"documented twice in docs/api.md ({what}): {repeated}"
    return set(items)


def difference_report(code: Set[object], documented: Set[object]) -> str:
    lines = []
    if code - documented:
        lines.append("in the code, not in docs/api.md: " + ", ".join(sorted(map(str, code - documented))))
    if documented - code:
        lines.append("in docs/api.md, not in the code: " + ", ".join(sorted(map(str, documented - code))))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def doc() -> str:
    return API_DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def endpoints() -> set[Endpoint]:
    app = create_app(Settings(database_url="postgresql://docs.invalid/liaison"))
    found = list(served(app.routes))
    assert found, "the app serves no route"
    return set(found)


def test_every_route_is_documented_and_every_documented_route_exists(
    doc: str, endpoints: set[Endpoint]
) -> None:
    headings = [f"{method} {path}" for method, path in ROUTE_HEADING.findall(doc)]
    documented = {(method, path) for method, path in (h.split(" ", 1) for h in once(headings, "routes"))}
    assert endpoints == documented, difference_report(endpoints, documented)


def test_every_error_code_is_in_the_errors_table(doc: str) -> None:
    rows = ERROR_ROW.findall(section(doc, "Errors"))
    documented = once([code for code, _ in rows], "error codes")
    assert {code.value for code in ErrorCode} == documented, difference_report(
        {code.value for code in ErrorCode}, documented
    )
    for code, status in rows:
        status = status.strip()
        assert re.fullmatch(r"[1-5]\d\d", status) or status.startswith("—"), (
            f"`{code}`: the status column says {status!r}, not an HTTP status"
        )


def test_every_event_type_is_in_the_events_section(doc: str) -> None:
    documented = once(EVENT_HEADING.findall(section(doc, "Events")), "events")
    types = {event.value for event in EventType}
    assert types == documented, difference_report(types, documented)


def test_route_headings_are_not_mistaken_for_events_or_the_reverse(doc: str) -> None:
    """Events live in their section only, and routes outside it."""
    events = section(doc, "Events")
    assert not ROUTE_HEADING.search(events), "a route heading inside the events section"
    outside = doc.replace(events, "")
    assert not EVENT_HEADING.search(outside), "an event heading outside the events section"


def test_the_documented_status_is_the_one_the_code_answers(doc: str) -> None:
    """Each `ApiError(status, ErrorCode.X, …)` written in liaison/ answers a
    status that the errors table gives for X."""
    statuses = {
        code: set(re.findall(r"\d{3}", status)) for code, status in ERROR_ROW.findall(section(doc, "Errors"))
    }
    wrong = []
    for path in sorted((ROOT / "liaison").rglob("*.py")):
        for match in RAISED.finditer(path.read_text(encoding="utf-8")):
            status = match.group(1) or match.group(3)
            code = ErrorCode[match.group(2) or match.group(4)].value
            if status not in statuses.get(code, set()):
                wrong.append(f"{path.relative_to(ROOT)}: {status} `{code}`")
    assert not wrong, "statuses the errors table of docs/api.md does not give:\n" + "\n".join(
        sorted(set(wrong))
    )
