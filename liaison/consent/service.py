"""A child's image consent: seeing and giving it, the class's overview, and
the check before children's photos are shown outside their own cahier; for
the class's staff, reminding the families who have not answered, the paper
forms to print, and recording a signed one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from liaison.activity import service as activity
from liaison.activity.policy import CONSENT
from liaison.consent import policy, store
from liaison.core import french
from liaison.core.clock import iso, paris_today
from liaison.core.context import Context
from liaison.core.decisions import enforce
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.realtime.writer import change
from liaison.storage.db import Conn


def consent_missing(children: list[asyncpg.Record]) -> ApiError:
    """409 `consent_missing` naming the children, with `children: [{"id", "display_name"}]`."""
    names = [c["display_name"] for c in children]
    if len(names) == 1:
        message = f"Photo {french.de(names[0])} : il manque l'accord de ses responsables pour publier."
    else:
        message = f"Photos {french.de_each(names)} : il manque l'accord de leurs responsables pour publier."
    return ApiError(
        409,
        ErrorCode.CONSENT_MISSING,
        message,
        extra={"children": [{"id": str(c["id"]), "display_name": c["display_name"]} for c in children]},
    )


async def require_consent(conn: Conn, child_ids: Iterable[UUID]) -> None:
    """Raise 409 `consent_missing` unless every one of these children has consent."""
    missing = await store.children_without_consent(conn, list(child_ids))
    if missing:
        raise consent_missing(missing)


# -- a child's consent, and a class's overview ---------------------------------------


@dataclass(frozen=True)
class ChildConsent:
    child: asyncpg.Record
    guardians: list[UUID]


async def open_child(ctx: Context, user: User, child_id: UUID, deciding: bool) -> ChildConsent:
    """The child, if the policy lets the user see (or decide) its consent."""
    child = await directory.get_child(ctx.pool, child_id)
    if child is None:
        raise not_found()
    guardians = (await directory.guardians_of(ctx.pool, [child["id"]]))[child["id"]]
    decide = policy.decide_for_child if deciding else policy.view_child
    enforce(decide(user, child["school_id"], user.id in guardians))
    return ChildConsent(child, guardians)


async def child_view(ctx: Context, user: User, opened: ChildConsent) -> dict[str, Any]:
    if user.id in opened.guardians:  # the reminder waiting for this guardian is read here
        await activity.seen(ctx.pool, user.id, CONSENT, opened.child["id"])
    return store.child_view(opened.child, await store.decisions(ctx.pool, opened.child["id"]))


async def decide(ctx: Context, user: User, opened: ChildConsent, granted: bool) -> dict[str, Any]:
    """Record the user's own decision, and tell the child's guardians and staff."""
    return await _record(ctx, opened, user.id, granted, recorded_by=None)


async def record_paper(
    ctx: Context, user: User, child_id: UUID, guardian_id: UUID, granted: bool
) -> dict[str, Any]:
    """A guardian's signed paper form, recorded by the class's teacher or a
    director: it counts as that guardian's own decision (until they change it)."""
    child = await directory.get_child(ctx.pool, child_id)
    if child is None:
        raise not_found()
    teaches = await directory.teaches_class(ctx.pool, user.id, child["class_id"])
    guardians = (await directory.guardians_of(ctx.pool, [child["id"]]))[child["id"]]
    enforce(policy.record_paper(user, child["school_id"], user.id in guardians, teaches))
    if guardian_id not in guardians:
        raise invalid({"guardian_id": "Ce n'est pas un responsable de cet élève."})
    return await _record(ctx, ChildConsent(child, guardians), guardian_id, granted, recorded_by=user.id)


async def _record(
    ctx: Context, opened: ChildConsent, guardian_id: UUID, granted: bool, recorded_by: UUID | None
) -> dict[str, Any]:
    child = opened.child
    async with change(ctx.pool, ctx.bus, child["school_id"]) as current:
        await store.decide(current.conn, child["id"], guardian_id, granted, recorded_by)
        await activity.seen(current.conn, guardian_id, CONSENT, child["id"])  # answered: no reminder
        view = store.child_view(child, await store.decisions(current.conn, child["id"]))
        staff = await directory.staff_of_classes(current.conn, [child["class_id"]])
        directors = await directory.directors_of(current.conn, child["school_id"])
        told = list({*opened.guardians, *staff, *directors})
        current.events.append(NewEvent(EventType.CONSENT_UPDATED, view, told))
    return view


async def _open_class(ctx: Context, user: User, class_id: UUID) -> asyncpg.Record:
    """The class, if the user may see its consents (the school's staff, the admin)."""
    klass = await directory.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    enforce(policy.view_class(user, klass["school_id"]))
    return klass


async def class_overview(ctx: Context, user: User, class_id: UUID) -> dict[str, Any]:
    """Each child of the class and whether it has consent, for the school's staff,
    with when its families were last reminded."""
    klass = await _open_class(ctx, user, class_id)
    children = [store.class_row_to_api(r) for r in await store.of_class(ctx.pool, klass["id"])]
    last = await store.last_reminder(ctx.pool, klass["id"])
    return {"children": children, "reminded_at": iso(last), "next_reminder_at": iso(_next_reminder(last))}


REMIND_EVERY = dt.timedelta(days=1)  # as claim_reminder's SQL says


def _next_reminder(last: dt.datetime | None) -> dt.datetime | None:
    return last + REMIND_EVERY if last is not None else None


async def remind(ctx: Context, user: User, class_id: UUID) -> dict[str, Any]:
    """Ask again, at most once a day per class, the guardians who have not
    answered for a child without consent (none of whose guardians refused: a
    "no" is an answer, not to be pressed). Each gets a notice about each such
    child (push, else email; quiet hours held: the activity notices). Those
    without an account yet are counted: their form is printed."""
    klass = await _open_class(ctx, user, class_id)
    teaches = await directory.teaches_class(ctx.pool, user.id, klass["id"])
    enforce(policy.act_for_class(user, klass["school_id"], teaches))
    async with ctx.pool.acquire() as conn, conn.transaction():
        reminded_at = await store.claim_reminder(conn, klass["id"], user.id)
        if reminded_at is None:
            last = await store.last_reminder(conn, klass["id"])
            raise ApiError(
                409,
                ErrorCode.ALREADY_REMINDED,
                "Les familles ont déjà été relancées il y a moins d'un jour.",
                extra={"reminded_at": iso(last), "next_reminder_at": iso(_next_reminder(last))},
            )
        rows = await store.unanswered(conn, klass["id"])
        topics: dict[UUID, activity.Topic] = {}
        for row in rows:
            if row["activated"]:
                topic = topics.setdefault(
                    row["child_id"], activity.Topic(row["child_id"], row["first_name"], "/#/consent", [])
                )
                topic.recipients.append(row["user_id"])
        await activity.record_each(conn, list(topics.values()), school_id=klass["school_id"], kind=CONSENT)
    told = {r["user_id"] for r in rows if r["activated"]}
    return {
        "reminded_at": iso(reminded_at),
        "next_reminder_at": iso(_next_reminder(reminded_at)),
        "guardians": len(told),
        "children": len({r["child_id"] for r in rows}),
        "without_account": len({r["user_id"] for r in rows if not r["activated"]}),
    }


@dataclass(frozen=True)
class Forms:
    school: str
    class_name: str
    year: str  # "2026-2027"
    children: list[dict[str, Any]]  # class_row_to_api, those to print


async def forms(ctx: Context, user: User, class_id: UUID, child_id: UUID | None) -> Forms:
    """The paper forms to print: one child's (any child of the class), or by
    default those of every child still waiting for an answer (without consent,
    not refused)."""
    klass = await _open_class(ctx, user, class_id)
    school = await directory.get_school(ctx.pool, klass["school_id"])
    children = [store.class_row_to_api(r) for r in await store.of_class(ctx.pool, klass["id"])]
    if child_id is not None:
        chosen = [c for c in children if c["id"] == str(child_id)]
        if not chosen:
            raise not_found()
    else:
        chosen = [c for c in children if not c["consented"] and not c["refused"]]
    today = paris_today()
    start = today.year if today.month >= 8 else today.year - 1  # the school year turns in the summer
    return Forms(school["name"] if school else "", klass["name"], f"{start}-{start + 1}", chosen)
