"""Reporting an absence (a guardian) and reading the day's register (staff)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

from liaison.absences import policy, rules, store
from liaison.accounts import store as accounts
from liaison.core.clock import PARIS, iso
from liaison.core.context import Context
from liaison.core.errors import invalid, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.messaging import service as messaging
from liaison.messaging import store as threads
from liaison.messaging.store import NewThread
from liaison.storage.db import Connection


def absence_to_api(
    row: asyncpg.Record, child_name: str, reporter: User | None, seen_at: Any
) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "child": {"id": str(row["child_id"]), "display_name": child_name},
        "class_id": str(row["class_id"]),
        "start": row["start_date"].isoformat(),
        "end": row["end_date"].isoformat(),
        "part": row["part"],
        "reason": row["reason"],
        "note": row["note"],
        "reported_by": reporter.to_api() if reporter else None,
        "reported_at": iso(row["reported_at"]),
        "thread_id": str(row["thread_id"]),
        "seen_at": iso(seen_at),
    }


async def report(
    ctx: Context,
    user: User,
    *,
    child_id: UUID,
    start: dt.date,
    end: dt.date,
    part: str,
    reason: str,
    note: str,
    client_id: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    child = await directory.get_child(ctx.pool, child_id)
    if child is None:
        raise not_found()
    guardians = (await directory.guardians_of(ctx.pool, [child_id]))[child_id]
    policy.enforce(
        policy.report(user, child["school_id"], user.id in guardians), "Seule la famille déclare une absence."
    )
    found = rules.problems(start, end, dt.datetime.now(PARIS).date())
    if found:
        raise invalid(found)
    staff = await directory.staff_of_classes(ctx.pool, [child["class_id"]])
    staff += await directory.directors_of(ctx.pool, child["school_id"])
    new = NewThread(
        school_id=child["school_id"],
        kind="absence",
        subject=rules.subject(child["first_name"], start, end),
        author=user,
        members={g: False for g in guardians} | {s: True for s in staff},
        child_ids=[child_id],
        child_id=child_id,
        class_ids=(child["class_id"],),
        urgent=True,  # the teacher must see it before the roll call
    )
    name = f"{child['first_name']} {child['last_name']}"

    async def within(conn: Connection, thread: asyncpg.Record) -> list[NewEvent]:
        row = await store.insert(
            conn,
            school_id=child["school_id"],
            child_id=child_id,
            class_id=child["class_id"],
            start_date=start,
            end_date=end,
            part=part,
            reason=reason,
            note=note,
            reported_by=user.id,
            thread_id=thread["id"],
        )
        data = absence_to_api(row, name, user, None)
        return [NewEvent(EventType.ABSENCE_REPORTED, data, list(dict.fromkeys([*staff, *guardians])))]

    def same(message: asyncpg.Record, thread: asyncpg.Record) -> bool:
        return bool(message["seq"] == 1 and thread["kind"] == "absence" and thread["child_id"] == child_id)

    body = rules.body(child["first_name"], start, end, part, reason, note)
    thread, _ = await messaging.start_thread(ctx, user, new, body, client_id, within, same)
    row = await store.by_thread(ctx.pool, UUID(thread["id"]))
    assert row is not None
    return absence_to_api(row, name, user, None), thread


async def register_class(ctx: Context, user: User, class_id: UUID) -> asyncpg.Record:
    """The class whose register the user asks for, once the policy allows it."""
    klass = await directory.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    policy.enforce(policy.view_register(user, klass["school_id"]))
    return klass


async def day_register(ctx: Context, class_id: UUID, day: dt.date) -> dict[str, Any]:
    rows = await store.register(ctx.pool, class_id, day)
    flags = await store.flags_of(ctx.pool, [r["id"] for r in rows], day)
    names = await directory.child_names(ctx.pool, [r["child_id"] for r in rows])
    reporters = await accounts.users_by_id(ctx.pool, list({r["reported_by"] for r in rows}))
    seen = await threads.first_staff_reads(ctx.pool, [r["thread_id"] for r in rows])
    absences = []
    for row in rows:
        shown = absence_to_api(
            row, names.get(row["child_id"], ""), reporters.get(row["reported_by"]), seen.get(row["thread_id"])
        )
        shown["flagged_at"] = iso(flags.get(row["id"]))  # unread at the check time: told to the director
        absences.append(shown)
    return {"date": day.isoformat(), "absences": absences}


# -- the school's check time ---------------------------------------------------------


async def open_settings(ctx: Context, user: User, school_id: UUID) -> None:
    """Go on only if the user may read and change the school's absence settings."""
    policy.enforce(policy.settings(user, school_id))
    if await directory.get_school(ctx.pool, school_id) is None:
        raise not_found()


async def check_time(ctx: Context, school_id: UUID) -> str:
    """`HH:MM`, the time unread absences go to the director."""
    return (await store.check_time(ctx.pool, school_id)).strftime("%H:%M")


async def set_check_time(ctx: Context, school_id: UUID, at: dt.time) -> None:
    await store.set_check_time(ctx.pool, school_id, at)
