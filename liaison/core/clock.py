"""Time: the UTC clock the service runs on, the Paris day people live in,
and the one way times are written in the API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def paris_today(now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(PARIS).date()


def aware(moment: dt.datetime) -> dt.datetime:
    """A time read from PostgreSQL, in UTC. asyncpg reads `-infinity` and
    `infinity` (what a year-1 or year-9999 time became when written) as naive
    `datetime.min` and `datetime.max`: those are taken as UTC, and a time too
    close to them to be moved to UTC is clamped, so that reading never fails."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        edge = dt.datetime.min if moment.year < 5000 else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


def iso(moment: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds: `2026-11-28T07:42:10.000Z`."""
    if moment is None:
        return None
    return aware(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")
