"""A child's image consent: seeing and giving it, the class's overview, and
the check before children's photos are shown outside their own cahier."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from liaison.consent import policy, store
from liaison.core.context import Context
from liaison.core.decisions import enforce
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.realtime.writer import change
from liaison.storage.db import Conn


def consent_missing(children: list[asyncpg.Record]) -> ApiError:
    """409 `consent_missing` naming the children, with `children: [{"id", "display_name"}]`."""
    names = [c["display_name"] for c in children]
    if len(names) == 1:
        message = f"Photo de {names[0]} : il manque l'accord de ses responsables pour publier."
    else:
        listed = ", ".join(names[:-1]) + " et " + names[-1]
        message = f"Photos de {listed} : il manque l'accord de leurs responsables pour publier."
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


async def child_view(ctx: Context, opened: ChildConsent) -> dict[str, Any]:
    return store.child_view(opened.child, await store.decisions(ctx.pool, opened.child["id"]))


async def decide(ctx: Context, user: User, opened: ChildConsent, granted: bool) -> dict[str, Any]:
    """Record the user's own decision, and tell the child's guardians and staff."""
    child = opened.child
    async with change(ctx.pool, ctx.bus, child["school_id"]) as current:
        await store.decide(current.conn, child["id"], user.id, granted)
        view = store.child_view(child, await store.decisions(current.conn, child["id"]))
        staff = await directory.staff_of_classes(current.conn, [child["class_id"]])
        directors = await directory.directors_of(current.conn, child["school_id"])
        told = list({*opened.guardians, *staff, *directors})
        current.events.append(NewEvent(EventType.CONSENT_UPDATED, view, told))
    return view


async def class_overview(ctx: Context, user: User, class_id: UUID) -> list[dict[str, Any]]:
    """Each child of the class and whether it has consent, for the school's staff."""
    klass = await directory.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    enforce(policy.view_class(user, klass["school_id"]))
    return [store.class_row_to_api(r) for r in await store.of_class(ctx.pool, klass["id"])]
