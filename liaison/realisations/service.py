"""The cahier de réalisations: writing a page (photos checked for consent,
once per client id, live to its audience, a grouped notice to the families),
reading a cahier (each viewer's photos), the printable export."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import chain
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.activity import service as activity
from liaison.consent import policy as consent_policy
from liaison.consent import service as consent_check
from liaison.consent import store as consent
from liaison.core import replay as replays
from liaison.core.clock import PARIS, iso
from liaison.core.context import Context
from liaison.core.errors import not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.paging import Cursor, encode_cursor
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.media import store as media_store
from liaison.realisations import policy, store
from liaison.realisations.policy import Action, PageFacts, Ties
from liaison.realtime.writer import change
from liaison.storage.db import Conn, Connection

CLIENT_ID_INDEX = "realisation_pages_client_id"


def page_to_api(row: asyncpg.Record, author: User | None, media: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "kind": row["kind"],
        "child_id": str(row["child_id"]) if row["child_id"] else None,
        "class_id": str(row["class_id"]),
        "author": author.to_api() if author else None,
        "title": row["title"],
        "body": row["body"],
        "media": media,
        "created_at": iso(row["created_at"]),
    }


async def pages_view(conn: Conn, user: User, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """The pages as this user sees them: a photo showing a child without image
    consent who is not the user's own is left out (`consent_policy.photo_visible`).
    The staff see every photo, who is tagged on it, and `withheld`: whether
    families or pupils reading the page do not see it (`consent_policy.withheld`:
    on a child's page, a child lacking consent other than that child)."""
    if not rows:
        return []
    photos = await store.media_of_pages(conn, [r["id"] for r in rows])
    tags = await media_store.tag_views(conn, list({m["id"] for m in photos})) if photos else {}
    shown = {UUID(c["id"]) for children in tags.values() for c in children}
    lacking = {c["id"] for c in await consent.children_without_consent(conn, list(shown))}
    mine = await consent.own_children(conn, user.id, user.role) if lacking else set()
    child_of = {r["id"]: r["child_id"] for r in rows}
    by_page: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for photo in photos:
        children = tags.get(photo["id"], [])
        tagged = {UUID(c["id"]) for c in children}
        if not consent_policy.photo_visible(user.is_staff, tagged, lacking, mine):
            continue
        if user.is_staff:
            withheld = consent_policy.withheld(tagged, lacking, {child_of[photo["page_id"]]} - {None})
            view = {**media_store.media_to_api(photo, children), "withheld": withheld}
        else:
            view = media_store.media_to_api(photo)
        by_page[photo["page_id"]].append(view)
    authors = await accounts.users_by_id(conn, list({r["author_id"] for r in rows}))
    return [page_to_api(r, authors.get(r["author_id"]), by_page[r["id"]]) for r in rows]


# -- opening a cahier, a class, a page -------------------------------------------------


async def open_cahier(pool: asyncpg.Pool, user: User, child_id: UUID, action: Action) -> asyncpg.Record:
    """The child (with `class_name`) if the user may do `action` on its cahier."""
    found = await store.child_ties(pool, user.id, child_id)
    if found is None:
        raise not_found()
    child, ties = found
    policy.enforce(policy.cahier_decision(user, ties, action))
    return child


async def open_class(pool: asyncpg.Pool, user: User, class_id: UUID) -> asyncpg.Record:
    found = await store.class_ties(pool, user.id, class_id)
    if found is None:
        raise not_found()
    klass, ties = found
    policy.enforce(policy.class_page_decision(user, ties))
    return klass


def _facts(user: User, page: asyncpg.Record, ties: Ties) -> PageFacts:
    return PageFacts(page["kind"], ties, page["author_id"] == user.id)


async def open_page(pool: asyncpg.Pool, user: User, page_id: UUID, action: Action) -> asyncpg.Record:
    found = await store.page_with_ties(pool, user.id, page_id)
    if found is None:
        raise not_found()
    page, ties = found
    policy.enforce(policy.page_decision(user, _facts(user, page, ties), action))
    return page


async def may_see_photo(conn: Conn, user: User, media_id: UUID) -> bool:
    """Does a page the user reads show this photo to them?"""
    pages = await store.pages_holding(conn, user.id, media_id)
    readable = [
        page
        for page, ties in pages
        if policy.page_decision(user, _facts(user, page, ties), Action.READ) is policy.ALLOW
    ]
    if not readable:
        return False
    tagged = set((await media_store.tags_of(conn, [media_id])).get(media_id, []))
    lacking = {c["id"] for c in await consent.children_without_consent(conn, list(tagged))}
    mine = await consent.own_children(conn, user.id, user.role) if lacking else set()
    return consent_policy.photo_visible(user.is_staff, tagged, lacking, mine)


# -- writing -----------------------------------------------------------------------


async def create_page(
    ctx: Context,
    user: User,
    *,
    school_id: UUID,
    kind: str,
    class_id: UUID,
    child: asyncpg.Record | None,
    title: str,
    body: str,
    media_ids: list[UUID],
    client_id: str | None,
) -> dict[str, Any]:
    """A new page (the first one again when `client_id` was already used by
    this user for the same cahier). Nothing is written when a photo is not the
    user's to attach (422) or shows another child without consent (409)."""
    child_id = child["id"] if child else None

    async def earlier(client_id: str) -> asyncpg.Record | None:
        return await store.by_client_id(ctx.pool, user.id, client_id)

    async def replay(earlier: asyncpg.Record) -> dict[str, Any]:
        if (earlier["kind"], earlier["child_id"], earlier["class_id"]) != (kind, child_id, class_id):
            raise replays.reused("une autre page")
        return (await pages_view(ctx.pool, user, [earlier]))[0]

    async def create() -> dict[str, Any]:
        async with change(ctx.pool, ctx.bus, school_id) as current:
            conn = current.conn
            photos = await media_store.attachable(
                conn, user, media_ids, school_id=school_id, child_id=child_id
            )
            ids = [p["id"] for p in photos]
            # A child's own cahier is not affected by its consent; every other child shown is.
            tags = await media_store.tags_of(conn, ids) if ids else {}
            await consent_check.require_consent(conn, set(chain.from_iterable(tags.values())) - {child_id})
            row = await store.insert_page(
                conn, school_id=school_id, kind=kind, child_id=child_id, class_id=class_id,
                author_id=user.id, title=title, body=body, client_id=client_id, media_ids=ids,
            )  # fmt: skip
            view = (await pages_view(conn, user, [row]))[0]
            recipients = await store.audience(conn, school_id, class_id, child_id)
            current.events.append(
                NewEvent(EventType.REALISATION_CREATED, {"page": _event_view(view)}, recipients)
            )
            await _notify(conn, user, school_id, class_id, child_id)
        return view

    return await replays.once(
        client_id, earlier=earlier, create=create, replay=replay, unique_index=CLIENT_ID_INDEX
    )


def _event_view(view: dict[str, Any]) -> dict[str, Any]:
    """Live events go to the whole audience at once: without the photos, which
    depend on who looks (`GET /api/realisations/{id}` gives them)."""
    return {k: v for k, v in view.items() if k != "media"}


async def _notify(
    conn: Connection, user: User, school_id: UUID, class_id: UUID, child_id: UUID | None
) -> None:
    """A grouped notice per child to its guardians (a class page: every child of
    the class), not to the author."""
    child_ids = [child_id] if child_id else await store.class_children(conn, class_id)
    topics = [
        activity.Topic(child["id"], child["first_name"], f"/#/cahier/{child['id']}",
                       [g for g in child["guardians"] if g != user.id])
        for child in await store.children_with_guardians(conn, child_ids)
    ]  # fmt: skip
    await activity.record_each(conn, topics, school_id=school_id, kind="cahier")


async def delete_page(ctx: Context, user: User, page_id: UUID) -> None:
    page = await open_page(ctx.pool, user, page_id, Action.DELETE)
    async with change(ctx.pool, ctx.bus, page["school_id"]) as current:
        recipients = await store.audience(current.conn, page["school_id"], page["class_id"], page["child_id"])
        if await store.delete_page(current.conn, page_id):
            current.events.append(
                NewEvent(
                    EventType.REALISATION_DELETED,
                    {
                        "id": str(page_id),
                        "kind": page["kind"],
                        "child_id": str(page["child_id"]) if page["child_id"] else None,
                        "class_id": str(page["class_id"]),
                    },
                    recipients,
                )
            )


# -- the school year of the export ------------------------------------------------------


def school_year_of(day: dt.date) -> int:
    """The year the school year began (on 1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 9, 1, tzinfo=PARIS), dt.datetime(year + 1, 9, 1, tzinfo=PARIS)


def today() -> dt.date:
    return dt.datetime.now(PARIS).date()


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip


def french_date(moment: dt.datetime) -> str:
    """`3 mars 2026`, on the Paris calendar."""
    day = moment.astimezone(PARIS).date()
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


async def cahier_page(
    pool: asyncpg.Pool, user: User, child: asyncpg.Record, limit: int, before: Cursor | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the child's cahier, most recent first, and the next cursor. A
    parent opening its first page has seen what the waiting notice told of."""
    if before is None and user.role == "parent":
        await activity.seen(pool, user.id, "cahier", child["id"])
    rows = await store.cahier(pool, child["id"], child["class_id"], limit + 1, before)
    shown = rows[:limit]
    following = encode_cursor(shown[-1]["created_at"], shown[-1]["id"]) if len(rows) > limit else None
    return await pages_view(pool, user, shown), following


async def school_year(pool: asyncpg.Pool, user: User, child: asyncpg.Record, year: int) -> dict[str, Any]:
    """The child's school and every page of its cahier in that school year, each
    with its date in words: what the printable export shows."""
    start, end = school_year_bounds(year)
    rows = await store.cahier_between(pool, child["id"], child["class_id"], start, end)
    views = await pages_view(pool, user, rows)
    return {
        "school": await directory.get_school(pool, child["school_id"]),
        "school_year": f"{year}-{year + 1}",
        "pages": [(view, french_date(row["created_at"])) for view, row in zip(views, rows, strict=True)],
    }
