"""The adoption figures of a scope over a range of days: who asks is checked
by the policy, then every count is read in one read-only snapshot and turned
into the API's rows (per school, the scope's total, the weeks) or its CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from liaison.core.clock import PARIS, utcnow
from liaison.core.context import Context
from liaison.core.decisions import enforce
from liaison.core.people import User
from liaison.stats import policy, store
from liaison.stats.policy import ScopeFacts, ScopeKind

# The counts of a row, in the API's order (the CSV's columns too).
COUNT_FIELDS = ("families", "families_activated", "announcements", "announcements_read_24h_pct",
                "signatures_pct", "messages", "absences_online", "blog_posts", "cahier_pages",
                "push_enabled_pct")  # fmt: skip

CSV_HEADERS = {
    "name": "École",
    "families": "Familles",
    "families_activated": "Familles activées",
    "announcements": "Annonces",
    "announcements_read_24h_pct": "Annonces lues sous 24 h (%)",
    "signatures_pct": "Signatures (%)",
    "messages": "Messages",
    "absences_online": "Absences signalées en ligne",
    "blog_posts": "Articles de blog",
    "cahier_pages": "Pages du cahier",
    "push_enabled_pct": "Notifications activées (%)",
}


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    id: UUID | None = None

    def __str__(self) -> str:
        return self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"


def school_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The school year `today` is in: 1 September to 31 August."""
    first = today.year if today.month >= 9 else today.year - 1
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=PARIS)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    """The Monday of every ISO week from the one of `first` to the one of `last`."""
    monday = first - dt.timedelta(days=first.weekday())
    found = []
    while monday <= last:
        found.append(monday)
        monday += dt.timedelta(days=7)
    return found


def percent(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, None when there is nothing to measure."""
    return round(100 * part / whole, 1) if whole else None


def row_of(counts: store.Counts) -> dict[str, Any]:
    def count(name: str) -> int:
        return counts.get(name, 0)

    return {
        "families": count("families"),
        "families_activated": count("families_activated"),
        "announcements": count("announcements"),
        "announcements_read_24h_pct": percent(count("read_24h"), count("addressed")),
        "signatures_pct": percent(count("signed"), count("to_sign")),
        "messages": count("messages"),
        "absences_online": count("absences_online"),
        "blog_posts": count("blog_posts"),
        "cahier_pages": count("cahier_pages"),
        "push_enabled_pct": percent(count("guardians_push"), count("guardians_activated")),
    }


async def figures(
    ctx: Context, user: User, scope: Scope | None, first: dt.date | None, last: dt.date | None, today: dt.date
) -> dict[str, Any]:
    """The figures of `scope` (None: the user's own, `policy.default_scope`)
    from day `first` to day `last` included (None: the current school year's
    bounds). The weeks run from `first` to `last` or today, whichever comes
    first. The dates are already checked (`first <= last`)."""
    if scope is None:
        scope = Scope(*policy.default_scope(user))
    year_start, year_end = school_year(today)
    first, last = first or year_start, last or year_end
    async with ctx.pool.acquire() as conn:
        facts = await _facts(conn, scope)
        enforce(
            policy.view(user, facts),
            "Les chiffres sont réservés aux directeurs, aux circonscriptions et à l'administration.",
        )
        await catch_up(conn)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            schools = await store.schools_of_scope(
                conn,
                school_id=scope.id if scope.kind is ScopeKind.SCHOOL else None,
                circonscription_id=scope.id if scope.kind is ScopeKind.CIRCONSCRIPTION else None,
            )
            weeks = mondays(first, last)
            await store.snapshot_settings(conn)
            found = await store.figures(
                conn,
                [school["id"] for school in schools],
                paris_midnight(first),
                paris_midnight(last + dt.timedelta(days=1)),
                [paris_midnight(monday) for monday in weeks],
            )
    # The weeks up to today's: the rest of the year has nothing yet.
    shown = [(index, monday) for index, monday in enumerate(weeks, start=1) if monday <= today]
    return {
        "scope": str(scope),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "schools": [
            {
                "school_id": str(school["id"]),
                "name": school["name"],
                **row_of(found.by_school.get(school["id"], {})),
            }
            for school in schools
        ],
        "total": row_of(found.by_school.get(None, {})),
        "weeks": [
            {
                "week": iso_week(monday),
                "active_families": found.weeks.get(index, {}).get("active_families", 0),
                "messages": found.weeks.get(index, {}).get("messages", 0),
            }
            for index, monday in shown
        ],
    }


# A request catches the rollups up when the worker (`rollup_loop`) is this
# far behind (a fresh install, the tests, the demo): the live part stays small.
CATCH_UP_SLACK = dt.timedelta(hours=1)
ROLLUP_INTERVAL = 600.0


async def catch_up(conn: Any, now: dt.datetime | None = None) -> store.RollupResult | None:
    """Roll up what is settled if the rollups are behind (or not at all: None).
    The figures are right either way, what is not rolled up being counted live."""
    now = now or utcnow()
    if not store.behind(await store.rolled(conn), now, CATCH_UP_SLACK):
        return None
    return await store.rollup(conn, now)


async def rollup_loop(pool: Any) -> None:
    """The worker's loop: roll up what is settled every 10 minutes."""
    while True:
        async with pool.acquire() as conn:
            await store.rollup(conn, utcnow())
        await asyncio.sleep(ROLLUP_INTERVAL)


async def _facts(conn: Any, scope: Scope) -> ScopeFacts:
    if scope.kind is ScopeKind.PLATFORM or scope.id is None:
        return ScopeFacts(ScopeKind.PLATFORM)
    if scope.kind is ScopeKind.CIRCONSCRIPTION:
        exists = await store.circonscription_exists(conn, scope.id)
        return ScopeFacts(scope.kind, scope.id, exists, scope.id if exists else None)
    school = await store.school_facts(conn, scope.id)
    if school is None:
        return ScopeFacts(scope.kind, scope.id, exists=False)
    return ScopeFacts(scope.kind, scope.id, True, school["circonscription_id"])


# -- CSV -----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A cell as a French spreadsheet reads it: decimal comma, nothing for a
    share that cannot be measured, and no text a spreadsheet would run as a
    formula (a name starting with =, +, - or @)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(answer: dict[str, Any]) -> bytes:
    """One row per school and a total row; `;`, UTF-8 with a BOM (what a
    French spreadsheet opens as it is), French headers."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    columns = list(CSV_HEADERS)
    writer.writerow(CSV_HEADERS[name] for name in columns)
    for school in answer["schools"]:
        writer.writerow(_cell(school[name]) for name in columns)
    writer.writerow(_cell(answer["total"].get(name, "Total")) for name in columns)
    return ("\ufeff" + out.getvalue()).encode()


def csv_filename(answer: dict[str, Any]) -> str:
    kind = answer["scope"].split(":", 1)[0]
    return f"bilan-{kind}-{answer['from']}-{answer['to']}.csv"
