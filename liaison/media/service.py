"""Keeping a processed photo: its files and its row, always both or neither."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from liaison.core.errors import ApiError, ErrorCode, forbidden
from liaison.core.people import User
from liaison.media import files, images, store


async def save(
    pool: asyncpg.Pool, root: Path, user: User, processed: images.Processed, client_id: str | None
) -> asyncpg.Record:
    """Files first, then the row: a row never points to missing files, and a
    failed insert removes the files."""
    if user.school_id is None:  # as the upload route answers before reading the file
        raise forbidden("Seuls les membres d'une école envoient des photos.")
    key = files.new_key()
    await asyncio.to_thread(files.write, root, key, processed)
    try:
        row = await store.insert(
            pool, school_id=user.school_id, uploader_id=user.id, storage_key=key,
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
