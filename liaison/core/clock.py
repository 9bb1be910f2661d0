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


def iso(moment: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds: `2026-11-28T07:42:10.000Z`."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
