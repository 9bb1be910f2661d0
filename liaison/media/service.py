"""Photos: keeping a processed one (its files and its row, always both or
neither), finding those the user may see, and tagging the children on them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.people import User
from liaison.media import access, files, images, policy, store
from liaison.media.policy import MediaAction

UPLOAD_REFUSED = "Seuls les membres d'une école envoient des photos."
TAG_REFUSED = "Seuls les enseignants et la direction indiquent les élèves d'une photo."


def check_uploader(user: User) -> None:
    """Go on only if the user may send photos (asked before the file is read)."""
    policy.enforce(policy.upload(user), UPLOAD_REFUSED)


async def earlier_upload(ctx: Context, user: User, client_id: str) -> dict[str, Any] | None:
    """The photo the user already sent with this client id (a phone retrying)."""
    first = await store.by_client_id(ctx.pool, user.id, client_id)
    return store.media_to_api(first) if first is not None else None


def upload_school(user: User, school_id: UUID | None) -> UUID:
    """The school a photo is sent for: the one asked (a school where the user
    has a role or a child, else 404), or the user's first school."""
    if school_id is None:
        check_uploader(user)
        assert user.school_id is not None
        return user.school_id
    if school_id not in user.school_ids:
        raise not_found()
    return school_id


async def keep_upload(
    ctx: Context,
    user: User,
    processed: images.Processed,
    client_id: str | None,
    school_id: UUID | None = None,
) -> dict[str, Any]:
    row = await save(ctx.pool, ctx.settings.media_root, user, processed, client_id, school_id)
    return store.media_to_api(row)


async def save(
    pool: asyncpg.Pool,
    root: Path,
    user: User,
    processed: images.Processed,
    client_id: str | None,
    school_id: UUID | None = None,
) -> asyncpg.Record:
    """Files first, then the row: a row never points to missing files, and a
    failed insert removes the files. `school_id`: the school it is sent for
    (`upload_school`), the user's first by default."""
    school = upload_school(user, school_id)  # as the upload route does before reading the file
    check_uploader(user.at(school))
    key = files.new_key()
    await asyncio.to_thread(files.write, root, key, processed)
    try:
        row = await store.insert(
            pool, school_id=school, uploader_id=user.id, storage_key=key,
            content_type=processed.content_type, width=processed.web.width, height=processed.web.height,
            thumb_width=processed.thumb.width, thumb_height=processed.thumb.height,
            size=len(processed.web.data) + len(processed.thumb.data), client_id=client_id,
        )  # fmt: skip
    except BaseException:
        await asyncio.to_thread(files.remove, root, key)
        raise
    if row is None:  # the same client_id, sent twice at once: the first one wins
        await asyncio.to_thread(files.remove, root, key)
        row = await store.by_client_id(pool, user.id, client_id or "")
        if row is None:
            raise ApiError(409, ErrorCode.CONFLICT, "Envoi en cours : réessayez dans un instant.")
    return row


# -- seeing and tagging ----------------------------------------------------------------


async def visible_file(ctx: Context, user: User, key: str) -> asyncpg.Record:
    """The photo of a storage key, if the user may see it; 404 otherwise."""
    # One connection for the whole check: a page of thumbnails asks this many times.
    async with ctx.pool.acquire() as conn:
        row = await store.by_key(conn, key)
        seen = row is not None and await access.may_see(conn, user, row)
    policy.enforce(policy.media_decision(user, seen, MediaAction.VIEW, row["school_id"] if row else None))
    assert row is not None
    return row


async def open_media(ctx: Context, user: User, media_id: UUID, action: MediaAction) -> asyncpg.Record:
    """The photo, if the policy lets the user see it (or tag it)."""
    async with ctx.pool.acquire() as conn:
        row = await store.get(conn, media_id)
        seen = row is not None and await access.may_see(conn, user, row)
    policy.enforce(policy.media_decision(user, seen, action, row["school_id"] if row else None), TAG_REFUSED)
    assert row is not None
    return row


async def media_view(ctx: Context, user: User, row: asyncpg.Record) -> dict[str, Any]:
    children = None
    if policy.shows_tags(user, row["school_id"]):
        children = (await store.tag_views(ctx.pool, [row["id"]]))[row["id"]]
    return store.media_to_api(row, children)


async def tag_children(
    ctx: Context, user: User, row: asyncpg.Record, child_ids: list[UUID]
) -> dict[str, Any]:
    """Say these children (all of the photo's school) are on it, and no others."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        if await store.school_children(conn, row["school_id"], child_ids) != set(child_ids):
            raise invalid({"child_ids": "Élève inconnu."})
        await store.replace_tags(conn, row["id"], child_ids, user.id)
        children = (await store.tag_views(conn, [row["id"]]))[row["id"]]
    return store.media_to_api(row, children)
