"""Who may see a photo: its uploader, and whoever may see a post or page
that holds it.

The media capability does not know posts or pages: each capability that
shows photos registers a holder, a function telling whether this user may
see something of theirs that holds this photo:

    from liaison.media.access import holder

    @holder
    async def blog_post_holds(conn, user, media_id) -> bool:
        ...  # True when a post the user may read shows this photo

Registration happens when the holder's module is imported (by its routes
module, itself imported by liaison/app.py).

A family photo stays in its family's pages (`policy.attach_decision`): the
cahier registers a `family_holder` too, telling which children's own cahier
pages show a photo.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

from liaison.core.people import User
from liaison.storage.db import Conn

Holder = Callable[[Conn, User, UUID], Awaitable[bool]]

HOLDERS: list[Holder] = []

FamilyHolder = Callable[[Conn, UUID], Awaitable[set[UUID]]]

FAMILY_HOLDERS: list[FamilyHolder] = []


def holder(function: Holder) -> Holder:
    """Register `function` as a holder (once, however often imported)."""
    if function not in HOLDERS:
        HOLDERS.append(function)
    return function


def family_holder(function: FamilyHolder) -> FamilyHolder:
    """Register `function`: the children whose own pages show a photo."""
    if function not in FAMILY_HOLDERS:
        FAMILY_HOLDERS.append(function)
    return function


async def in_family_pages(conn: Conn, media_id: UUID) -> frozenset[UUID]:
    """The children whose own pages (a child's cahier) show this photo."""
    children: set[UUID] = set()
    for hold in list(FAMILY_HOLDERS):
        children |= await hold(conn, media_id)
    return frozenset(children)


async def may_see(conn: Conn, user: User, media: asyncpg.Record) -> bool:
    """True for the uploader of `media` (its row), else when a holder says the
    user may see a post or page holding the photo. Never across schools (the
    platform admin excepted, as holders decide for them)."""
    if media["uploader_id"] == user.id:
        return True
    user = user.at(media["school_id"])
    if user.role != "admin" and user.school_id != media["school_id"]:
        return False
    for hold in list(HOLDERS):
        if await hold(conn, user, media["id"]):
            return True
    return False
