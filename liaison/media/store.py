"""The SQL of photos, and what other capabilities use to attach them.

`attachable`, `tags_of`, `tag_views`, `by_ids` and `media_to_api` are the
interface of the blog and the cahier de réalisations: they keep their own
tables linking a post or page to media ids, and ask `liaison.media.access`
to let their readers see the files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from liaison.core.errors import invalid
from liaison.core.people import User
from liaison.media import access, policy
from liaison.storage.db import Conn, Connection

MAX_ATTACHED = 20  # photos on one post or page

_FAMILY_PHOTO = "Cette photo est celle d'une famille : elle reste dans le cahier de son enfant."

_COLUMNS = """id, school_id, uploader_id, storage_key, content_type, width, height,
              thumb_width, thumb_height, bytes, client_id, created_at"""


def media_to_api(
    row: asyncpg.Record | Mapping[str, Any], children: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """`{"id", "url", "thumb_url", "width", "height"}`, and `"children":
    [{"id", "display_name"}]` when given (the staff see who is tagged)."""
    key = row["storage_key"]
    view: dict[str, Any] = {
        "id": str(row["id"]),
        "url": f"/media/{key}/web",
        "thumb_url": f"/media/{key}/thumb",
        "width": row["width"],
        "height": row["height"],
    }
    if children is not None:
        view["children"] = [{"id": str(c["id"]), "display_name": c["display_name"]} for c in children]
    return view


async def insert(
    conn: Conn,
    *,
    school_id: UUID,
    uploader_id: UUID,
    storage_key: str,
    content_type: str,
    width: int,
    height: int,
    thumb_width: int,
    thumb_height: int,
    size: int,
    client_id: str | None,
) -> asyncpg.Record | None:
    """The new row; None when this uploader already sent this client_id."""
    return await conn.fetchrow(
        f"""INSERT INTO media (school_id, uploader_id, storage_key, content_type, width, height,
                               thumb_width, thumb_height, bytes, client_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (uploader_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
            RETURNING {_COLUMNS}""",
        school_id, uploader_id, storage_key, content_type, width, height, thumb_width, thumb_height,
        size, client_id,
    )  # fmt: skip


async def by_client_id(conn: Conn, uploader_id: UUID, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM media WHERE uploader_id = $1 AND client_id = $2", uploader_id, client_id
    )


async def get(conn: Conn, media_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM media WHERE id = $1", media_id)


async def by_key(conn: Conn, storage_key: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM media WHERE storage_key = $1", storage_key)


async def by_ids(conn: Conn, media_ids: Iterable[UUID]) -> dict[UUID, asyncpg.Record]:
    """The rows of these ids (unknown ids are absent), for building views."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM media WHERE id = ANY($1::uuid[])", list(media_ids))
    return {row["id"]: row for row in rows}


def _ids(values: Sequence[UUID | str]) -> list[UUID]:
    parsed = []
    for value in values:
        if isinstance(value, UUID):
            parsed.append(value)
            continue
        try:
            parsed.append(UUID(str(value)))
        except ValueError:
            raise invalid({"media_ids": "Photo inconnue."}) from None
    return parsed


async def attachable(
    conn: Conn, user: User, media_ids: Sequence[UUID | str], *, school_id: UUID, child_id: UUID | None
) -> list[asyncpg.Record]:
    """The media rows, in the order given, that this user may attach to a
    post or page of school `school_id`: a child's own cahier page
    (`child_id`), or a class page or blog post (None). A photo stays in its
    school: one of another school, even the user's other one, is unknown.
    The user must see the photo (`access.may_see`; families and pupils
    attach only their own), and a family photo stays in its
    family's pages (`policy.attach_decision`). A photo not seen, a duplicate
    or more than 20 photos: 422 on `media_ids` (nothing tells another
    school's photo from one that does not exist); a family photo elsewhere:
    422 saying so."""
    ids = _ids(media_ids)
    if len(ids) > MAX_ATTACHED:
        raise invalid({"media_ids": f"{MAX_ATTACHED} photos au plus."})
    if len(set(ids)) != len(ids):
        raise invalid({"media_ids": "La même photo est en double."})
    if not ids:
        return []
    if user.role_at(school_id) is None:
        raise invalid({"media_ids": "Photo inconnue."})
    found = await by_ids(conn, ids)
    rows = []
    for media_id in ids:
        row = found.get(media_id)
        if row is None or row["school_id"] != school_id:
            raise invalid({"media_ids": "Photo inconnue."})
        decision = policy.attach_decision(user, await _attach_facts(conn, user, row), child_id, school_id)
        if decision is policy.Decision.FORBID:
            raise invalid({"media_ids": _FAMILY_PHOTO})
        if decision is not policy.Decision.ALLOW:
            raise invalid({"media_ids": "Photo inconnue."})
        rows.append(row)
    return rows


async def _attach_facts(conn: Conn, user: User, row: asyncpg.Record) -> policy.AttachFacts:
    uploader = await conn.fetchrow(
        """SELECT u.role, array(SELECT g.child_id FROM guardianships g WHERE g.user_id = u.id) AS children
           FROM users u WHERE u.id = $1""",
        row["uploader_id"],
    )
    guardian = uploader is not None and uploader["role"] == "parent"
    return policy.AttachFacts(
        may_see=await access.may_see(conn, user, row),
        own=row["uploader_id"] == user.id,
        sent_by_guardian=guardian,
        uploader_children=frozenset(uploader["children"]) if guardian and uploader else frozenset(),
        in_cahiers=await access.in_family_pages(conn, row["id"]),
    )


async def tags_of(conn: Conn, media_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
    """The children tagged on each photo (every id asked is a key)."""
    ids = list(media_ids)
    tags: dict[UUID, list[UUID]] = {media_id: [] for media_id in ids}
    rows = await conn.fetch(
        """SELECT media_id, child_id FROM media_children WHERE media_id = ANY($1::uuid[])
           ORDER BY tagged_at, child_id""",
        ids,
    )
    for row in rows:
        tags[row["media_id"]].append(row["child_id"])
    return tags


async def tag_views(conn: Conn, media_ids: Iterable[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """The children tagged on each photo as `{"id", "display_name"}`, by name,
    ready for `media_to_api(row, children=...)` (every id asked is a key)."""
    ids = list(media_ids)
    views: dict[UUID, list[dict[str, Any]]] = {media_id: [] for media_id in ids}
    rows = await conn.fetch(
        """SELECT mc.media_id, c.id, c.first_name || ' ' || c.last_name AS display_name
           FROM media_children mc JOIN children c ON c.id = mc.child_id
           WHERE mc.media_id = ANY($1::uuid[])
           ORDER BY c.first_name, c.last_name, c.id""",
        ids,
    )
    for row in rows:
        views[row["media_id"]].append({"id": str(row["id"]), "display_name": row["display_name"]})
    return views


async def school_children(conn: Conn, school_id: UUID, child_ids: list[UUID]) -> set[UUID]:
    """Those of these children who are pupils of the school."""
    rows = await conn.fetch(
        "SELECT id FROM children WHERE school_id = $1 AND id = ANY($2::uuid[])", school_id, child_ids
    )
    return {row["id"] for row in rows}


async def replace_tags(conn: Connection, media_id: UUID, child_ids: list[UUID], by: UUID) -> None:
    """The photo shows exactly these children (tags kept keep their date).
    Call inside a transaction."""
    await conn.execute(
        "DELETE FROM media_children WHERE media_id = $1 AND NOT (child_id = ANY($2::uuid[]))",
        media_id,
        child_ids,
    )
    await conn.executemany(
        """INSERT INTO media_children (media_id, child_id, tagged_by) VALUES ($1, $2, $3)
           ON CONFLICT (media_id, child_id) DO NOTHING""",
        [(media_id, child_id, by) for child_id in child_ids],
    )
