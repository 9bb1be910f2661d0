"""The agenda: who sees which events, and the private iCalendar feed.

Gather the facts, ask `policy.py`, read or write: the routes call these."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any
from uuid import UUID

import asyncpg
from icalendar import Calendar, Event

from liaison.accounts import store as accounts
from liaison.agenda import policy, store
from liaison.agenda.policy import AgendaAction
from liaison.core.clock import aware, iso
from liaison.core.context import Context
from liaison.core.errors import invalid, not_found
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.messaging import service as messaging
from liaison.messaging import store as threads
from liaison.messaging.policy import ThreadAction


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
        "thread_id": str(row["thread_id"]) if row["thread_id"] else None,
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


# -- reading and writing ---------------------------------------------------------


async def open_class(ctx: Context, user: User, class_id: UUID, action: AgendaAction) -> asyncpg.Record:
    """The class, if the policy lets the user read (or write) its agenda."""
    klass = await directory.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    follows = klass["id"] in await classes_of(ctx.pool, user)
    taught = await directory.classes_taught(ctx.pool, user.id) if action is AgendaAction.WRITE else set()
    policy.enforce(
        policy.class_agenda(user, klass["school_id"], follows, klass["id"] in taught, action),
        "Seuls les enseignants de la classe et la direction écrivent dans son agenda.",
    )
    return klass


def open_school(user: User, school_id: UUID, action: AgendaAction) -> None:
    """Go on only if the policy lets the user read (or write) the school's agenda."""
    policy.enforce(policy.school_agenda(user, school_id, action))


async def events(ctx: Context, school_id: UUID, class_ids: list[UUID]) -> list[dict[str, Any]]:
    """The events of these classes and of the whole school."""
    return [event_to_api(r) for r in await store.for_classes(ctx.pool, school_id, class_ids)]


async def add_event(
    ctx: Context,
    user: User,
    *,
    school_id: UUID,
    class_id: UUID | None,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str,
    description: str,
    signup_thread_id: UUID | None,
) -> dict[str, Any]:
    if signup_thread_id is not None:
        await _check_signup(ctx, user, signup_thread_id)
    row = await store.create(
        ctx.pool, school_id=school_id, class_id=class_id, title=title, starts_at=starts_at, ends_at=ends_at,
        location=location, description=description, signup_thread_id=signup_thread_id, created_by=user.id,
    )  # fmt: skip
    return event_to_api(row)


async def _check_signup(ctx: Context, user: User, thread_id: UUID) -> None:
    thread = await threads.get_thread(ctx.pool, thread_id)
    member = await threads.get_member(ctx.pool, thread_id, user.id)
    decision = policy.link_signup(thread["kind"] if thread else None, member is not None)
    if decision is not policy.ALLOW:
        raise invalid({"signup_thread_id": "Inscription inconnue."})  # a field of the body: 422


# -- a message's date ---------------------------------------------------------------


async def _open_thread_date(ctx: Context, user: User, thread_id: UUID) -> asyncpg.Record:
    """The announcement or sign-up, once the user may set its date: a staff member
    of it (else 404 or 403, as its board) who writes in every agenda it reaches."""
    visible = await messaging.open_thread(ctx, user, thread_id, ThreadAction.RECEIPTS)
    thread = visible.thread
    if thread["whole_school"]:
        writes = policy.school_agenda(user, thread["school_id"], AgendaAction.WRITE) is policy.ALLOW
    else:
        taught = await directory.classes_taught(ctx.pool, user.id)
        decisions = [
            policy.class_agenda(user, thread["school_id"], True, c in taught, AgendaAction.WRITE)
            for c in thread["class_ids"]
        ]
        writes = all(d is policy.ALLOW for d in decisions)
    policy.enforce(
        policy.date_of_thread(thread["kind"], writes),
        "Seuls les enseignants des classes concernées et la direction mettent cette date à l'agenda.",
    )
    return thread


async def set_thread_date(
    ctx: Context,
    user: User,
    thread_id: UUID,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str,
    description: str,
) -> list[dict[str, Any]]:
    """Put (or move) the date of an announcement or a sign-up in the agenda: one
    event per class it addresses, or one school-wide event, titled with its
    subject and pointing back to it; its former date is replaced."""
    thread = await _open_thread_date(ctx, user, thread_id)
    targets: list[UUID | None] = [None] if thread["whole_school"] else list(thread["class_ids"])
    async with ctx.pool.acquire() as conn, conn.transaction():
        rows = await store.set_thread_date(
            conn, thread_id, targets, school_id=thread["school_id"], title=thread["subject"],
            starts_at=starts_at, ends_at=ends_at, location=location, description=description,
            signup_thread_id=thread_id if thread["kind"] == "signup" else None, created_by=user.id,
        )  # fmt: skip
    return [event_to_api(r) for r in rows]


async def clear_thread_date(ctx: Context, user: User, thread_id: UUID) -> None:
    await _open_thread_date(ctx, user, thread_id)
    await store.clear_thread_date(ctx.pool, thread_id)


# -- the calendar feed ---------------------------------------------------------------


async def feed_address(ctx: Context, user: User, reset: bool) -> str:
    """The user's private calendar address; `reset` makes the former one stop working."""
    if reset:
        version = await store.reset_feed(ctx.pool, user.id)
    else:
        version = await store.feed_version(ctx.pool, user.id)
    token = feed_token(ctx.settings.secret_key, user.id, version)
    return f"{ctx.settings.public_url}/calendar/{token}.ics"


async def feed(ctx: Context, token: str) -> bytes:
    """The calendar a secret address shows: the events of the user's classes
    and school, from 60 days ago; 404 for any address not (or no longer) valid."""
    user_id = feed_user(token)
    user = await accounts.get_user(ctx.pool, user_id) if user_id else None
    if user is None or user.school_id is None:
        raise not_found()
    version = await store.feed_version(ctx.pool, user.id)
    if not feed_token_valid(ctx.settings.secret_key, token, user.id, version):
        raise not_found()
    classes = await classes_of(ctx.pool, user)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    rows = await store.for_classes(ctx.pool, user.school_id, classes, since)
    school = await directory.get_school(ctx.pool, user.school_id)
    return ics(rows, ctx.settings.public_url, school["name"] if school else "")


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
    shown: set[UUID] = set()
    for row in rows:
        if row["thread_id"] in shown:
            continue  # a message's date, once for the user however many of its classes they follow
        if row["thread_id"]:
            shown.add(row["thread_id"])
        event = Event()
        event.add("uid", f"{row['id']}@liaison")
        event.add("dtstamp", stamp)
        event.add("dtstart", aware(row["starts_at"]))  # aware: ±infinity of rows written before 2000–2100
        event.add("dtend", aware(row["ends_at"]))
        event.add("summary", row["title"])
        if row["location"]:
            event.add("location", row["location"])
        if row["description"]:
            event.add("description", row["description"])
        linked = row["thread_id"] or row["signup_thread_id"]
        if linked:
            event.add("url", f"{public_url}/#/threads/{linked}")
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return ical
