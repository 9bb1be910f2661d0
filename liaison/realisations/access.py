"""The cahier's say on `/media/...`: a user may see a photo held by a page they
read (and that the page shows them: `liaison.consent.policy.photo_visible`). Registered
with the media capability when the routes module imports this one."""

from __future__ import annotations

from uuid import UUID

from liaison.core.people import User
from liaison.media.access import holder
from liaison.realisations import service
from liaison.storage.db import Conn


@holder
async def realisation_pages(conn: Conn, user: User, media_id: UUID) -> bool:
    return await service.may_see_photo(conn, user, media_id)
