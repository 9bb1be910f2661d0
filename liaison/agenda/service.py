"""The agenda: who sees which events, and the private iCalendar feed."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any
from uuid import UUID

import asyncpg
from icalendar import Calendar, Event

from liaison.core.clock import iso
from liaison.core.people import User
from liaison.directory import store as directory


def event_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "school_id": str(row["school_id"]),
        "class_id": str(row["class_id"]) if row["class_id"] else None,
        "title": row["title"],
        "starts_at": iso(row["starts_at"]),
        "ends_at": iso(row["ends_at"]),
        "location": row["location"],
        "description": row["description"],
        "signup_thread_id": str(row["signup_thread_id"]) if row["signup_thread_id"] else None,
    }


async def classes_of(pool: asyncpg.Pool, user: User) -> list[UUID]:
    """The classes whose agenda the user follows."""
    if user.school_id is None:
        return []
    if user.role == "director":
        return await directory.school_classes(pool, user.school_id)
    if user.role == "teacher":
        return sorted(await directory.classes_taught(pool, user.id))
    if user.role == "parent":
        return sorted({c["class_id"] for c in await directory.children_of_guardian(pool, user.id)})
    profile = await directory.profile(pool, user)
    return [UUID(c["id"]) for c in profile["classes"]]


# -- the feed's secret address -----------------------------------------------------


def _signature(secret_key: str, user_id: UUID, version: int) -> str:
    mac = hmac.new(secret_key.encode(), f"calendar:{user_id}:{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def feed_token(secret_key: str, user_id: UUID, version: int) -> str:
    user = base64.urlsafe_b64encode(user_id.bytes).decode().rstrip("=")
    return f"{user}.{_signature(secret_key, user_id, version)}"


def feed_user(token: str) -> UUID | None:
    try:
        user, _ = token.split(".", 1)
        return UUID(bytes=base64.urlsafe_b64decode(user + "=" * (-len(user) % 4)))
    except ValueError:
        return None


def feed_token_valid(secret_key: str, token: str, user_id: UUID, version: int) -> bool:
    return hmac.compare_digest(token.encode(), feed_token(secret_key, user_id, version).encode())


def ics(rows: list[asyncpg.Record], public_url: str, school_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Liaison//Agenda de l'école//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Agenda – {school_name}")
    stamp = dt.datetime.now(dt.UTC)
    for row in rows:
        event = Event()
        event.add("uid", f"{row['id']}@liaison")
        event.add("dtstamp", stamp)
        event.add("dtstart", row["starts_at"])
        event.add("dtend", row["ends_at"])
        event.add("summary", row["title"])
        if row["location"]:
            event.add("location", row["location"])
        if row["description"]:
            event.add("description", row["description"])
        if row["signup_thread_id"]:
            event.add("url", f"{public_url}/#/threads/{row['signup_thread_id']}")
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return ical
