"""The cahier's say on `/media/...`: a user may see a photo held by a page they
read (and that the page shows them: `liaison.consent.policy.photo_visible`); and
which children's own pages show a photo (a family photo stays in them). Registered
with the media capability when the routes module imports this one."""

from __future__ import annotations

from uuid import UUID

from liaison.core.people import User
from liaison.media.access import family_holder, holder
from liaison.realisations import service, store
from liaison.storage.db import Conn


@holder
async def realisation_pages(conn: Conn, user: User, media_id: UUID) -> bool:
    return await service.may_see_photo(conn, user, media_id)


@family_holder
async def cahiers_showing(conn: Conn, media_id: UUID) -> set[UUID]:
    return await store.children_showing(conn, media_id)
