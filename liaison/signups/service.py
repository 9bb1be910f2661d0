"""Sign-ups: slots with a capacity, a waiting list in arrival order, withdrawals
that confirm the first family waiting. Decided under the slot's row lock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.core.clock import aware, iso
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.people import User
from liaison.delivery import outbox
from liaison.directory import store as directory
from liaison.messaging import service as messaging
from liaison.messaging import store as threads
from liaison.messaging.policy import ThreadAction
from liaison.messaging.service import Created
from liaison.realtime.writer import Change, change
from liaison.signups import store
from liaison.storage.db import Connection


async def create(
    ctx: Context,
    user: User,
    *,
    whole_school: bool,
    class_ids: list[UUID],
    subject: str,
    body: str,
    slots: list[tuple[str, int]],
    closes_at: dt.datetime | None,
    urgent: bool,
    client_id: str | None,
    school_id: UUID | None = None,
    rpi_id: UUID | None = None,
) -> Created:
    """A sign-up to families: of the whole school (`school_id`: which of the
    author's), of classes, or of every school of an RPI (`rpi_id`)."""

    async def within(conn: Connection, thread: asyncpg.Record) -> list[NewEvent]:
        await store.add_slots(conn, thread["id"], slots, closes_at)
        return []

    created = await messaging.start_announcement(
        ctx, user, whole_school=whole_school, class_ids=class_ids, subject=subject, body=body,
        require_ack=False, urgent=urgent, client_id=client_id, kind="signup", within=within,
        school_id=school_id, rpi_id=rpi_id,
    )  # fmt: skip
    thread, message = created
    thread["slots"] = await slots_view(ctx, user, UUID(thread["id"]))
    return thread, message


async def _family(ctx: Context, user: User, thread_id: UUID) -> list[UUID]:
    """The family a guardian signs up for: their children addressed by the thread,
    the one its sign-up is filed under first (as its private replies are)."""
    mine = await messaging.my_addressed_children(
        ctx, user, thread_id, "Cette proposition ne concerne pas vos enfants."
    )
    first = await messaging.family_child(ctx, mine)
    return [first, *(c for c in mine if c != first)]


async def _counts_event(current: Change, thread_id: UUID, extra: dict[str, Any]) -> None:
    """Places left, live to every member (names stay with the staff)."""
    slots = await store.slots_of(current.conn, thread_id)
    members = await threads.member_ids(current.conn, thread_id)
    current.events.append(
        NewEvent(
            EventType.SIGNUP_UPDATED,
            {"thread_id": str(thread_id), "slots": [store.slot_to_api(s, None) for s in slots], **extra},
            members,
        )
    )


async def sign_up(
    ctx: Context, user: User, thread_id: UUID, slot_id: UUID, note: str
) -> tuple[dict[str, Any], bool]:
    """The family's sign-up on the slot (a second one returns the first), and
    whether it was created now."""
    visible = await messaging.open_thread(ctx, user, thread_id, ThreadAction.SIGN_UP)
    family = await _family(ctx, user, thread_id)
    async with change(ctx.pool, ctx.bus, visible.thread["school_id"]) as current:
        slot = await store.lock_slot(current.conn, slot_id)
        if slot is None or slot["thread_id"] != thread_id:
            raise not_found()
        existing = await store.active_for_family(current.conn, slot_id, family)  # any of its children
        if existing is not None:
            return _signup_to_api(existing), False
        # aware: a closing time written before dates were bounded may read as a naive ±infinity.
        if slot["closes_at"] is not None and aware(slot["closes_at"]) <= dt.datetime.now(dt.UTC):
            raise ApiError(409, ErrorCode.CLOSED, "Les inscriptions sont closes pour ce créneau.")
        full = await store.confirmed_count(current.conn, slot_id) >= slot["capacity"]
        row = await store.insert(
            current.conn, slot_id, family[0], user.id, "waitlisted" if full else "confirmed", note
        )
        await _counts_event(current, thread_id, {"signup": _signup_to_api(row)})
    return _signup_to_api(row), True


async def withdraw(ctx: Context, user: User, thread_id: UUID, signup_id: UUID) -> None:
    visible = await messaging.open_thread(ctx, user, thread_id, ThreadAction.SIGN_UP)
    signup = await store.get(ctx.pool, signup_id)
    mine = {c["id"] for c in await directory.children_of_guardian(ctx.pool, user.id)}
    if signup is None or signup["thread_id"] != thread_id or signup["child_id"] not in mine:
        raise not_found()
    async with change(ctx.pool, ctx.bus, visible.thread["school_id"]) as current:
        await store.lock_slot(current.conn, signup["slot_id"])
        was = await store.withdraw(current.conn, signup_id)
        if was is None:
            return  # already withdrawn: nothing changes
        promoted = (
            await store.promote_first_waiting(current.conn, signup["slot_id"]) if was == "confirmed" else None
        )
        extra: dict[str, Any] = {"withdrawn": str(signup_id)}
        if promoted is not None:
            extra["promoted"] = _signup_to_api(promoted)
            await outbox.promoted(current.conn, visible.thread, promoted["child_id"], dt.datetime.now(dt.UTC))
        await _counts_event(current, thread_id, extra)


def _signup_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {"signup_id": str(row["id"]), "slot_id": str(row["slot_id"]), "status": row["status"]}


async def slots_view(ctx: Context, user: User, thread_id: UUID) -> list[dict[str, Any]]:
    slots = await store.slots_of(ctx.pool, thread_id)
    children = (
        [c["id"] for c in await directory.children_of_guardian(ctx.pool, user.id)]
        if user.role == "parent"
        else []
    )
    mine = await store.mine(ctx.pool, thread_id, children) if children else {}
    return [store.slot_to_api(s, mine.get(s["id"])) for s in slots]


@dataclass(frozen=True)
class StaffView:
    """A sign-up as its staff see it: the thread, and every slot with its families."""

    thread: asyncpg.Record
    slots: list[dict[str, Any]]
    class_names: dict[str, str]  # class id -> name, for the printed list


async def staff_view(ctx: Context, user: User, thread_id: UUID) -> StaffView:
    """Each slot with its families in arrival order (the confirmed ones, then
    the waiting list in the order it will be called), for the thread's staff."""
    visible = await messaging.open_thread(ctx, user, thread_id, ThreadAction.RECEIPTS)
    slots = await store.slots_of(ctx.pool, thread_id)
    rows = await store.names(ctx.pool, thread_id)
    children = await directory.children_by_id(ctx.pool, list({r["child_id"] for r in rows}))
    people = await accounts.users_by_id(ctx.pool, list({r["user_id"] for r in rows}))
    by_slot: dict[UUID, list[dict[str, Any]]] = {s["id"]: [] for s in slots}
    for r in sorted(rows, key=lambda r: r["status"] != "confirmed"):  # stable: arrival order within
        child = children.get(r["child_id"])
        by_slot[r["slot_id"]].append(
            {
                "signup_id": str(r["id"]),
                "status": r["status"],
                "child": {
                    "id": str(r["child_id"]),
                    "display_name": f"{child['first_name']} {child['last_name']}" if child else "",
                    "class_id": str(child["class_id"]) if child else None,
                },
                "guardian": people[r["user_id"]].to_api() if r["user_id"] in people else None,
                "note": r["note"],
                "signed_up_at": iso(r["created_at"]),
            }
        )
    return StaffView(
        thread=visible.thread,
        slots=[{**store.slot_to_api(s, None), "signups": by_slot[s["id"]]} for s in slots],
        class_names={str(c["class_id"]): c["class_name"] for c in children.values()},
    )
