"""The SQL of the cahier de réalisations: pages, their photos, and the facts
the policy needs (how a user is linked to a child, to a class, to a page)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import asyncpg

from liaison.realisations.policy import Ties
from liaison.storage.db import Conn, Connection, fetch_one

PAGE_COLUMNS = "p.id, p.school_id, p.kind, p.child_id, p.class_id, p.author_id, p.title, p.body, p.created_at"


def _ties(row: asyncpg.Record) -> Ties:
    return Ties(row["school_id"], guardian=row["guardian"], teacher=row["teacher"], pupil=row["pupil"])


# -- how the user is linked --------------------------------------------------------


async def child_ties(conn: Conn, user_id: UUID, child_id: UUID) -> tuple[asyncpg.Record, Ties] | None:
    """The child (with its class's name) and the user's ties to it."""
    row = await conn.fetchrow(
        """SELECT c.id, c.school_id, c.class_id, c.first_name, c.last_name, c.user_id,
                  k.name AS class_name,
                  EXISTS (SELECT 1 FROM guardianships g WHERE g.child_id = c.id AND g.user_id = $2)
                    AS guardian,
                  EXISTS (SELECT 1 FROM class_staff s WHERE s.class_id = c.class_id AND s.user_id = $2)
                    AS teacher,
                  coalesce(c.user_id = $2, false) AS pupil
           FROM children c JOIN classes k ON k.id = c.class_id
           WHERE c.id = $1""",
        child_id,
        user_id,
    )
    return (row, _ties(row)) if row else None


async def class_ties(conn: Conn, user_id: UUID, class_id: UUID) -> tuple[asyncpg.Record, Ties] | None:
    row = await conn.fetchrow(
        """SELECT k.id, k.school_id, k.name,
                  EXISTS (SELECT 1 FROM guardianships g JOIN children c ON c.id = g.child_id
                          WHERE c.class_id = k.id AND g.user_id = $2) AS guardian,
                  EXISTS (SELECT 1 FROM class_staff s WHERE s.class_id = k.id AND s.user_id = $2) AS teacher,
                  EXISTS (SELECT 1 FROM children c WHERE c.class_id = k.id AND c.user_id = $2) AS pupil
           FROM classes k WHERE k.id = $1""",
        class_id,
        user_id,
    )
    return (row, _ties(row)) if row else None


# A page's ties: to its child (through the child's class of today) or, for a
# class page, to its class.
_PAGE_TIES = """
    CASE WHEN p.child_id IS NOT NULL
         THEN EXISTS (SELECT 1 FROM guardianships g WHERE g.child_id = p.child_id AND g.user_id = $2)
         ELSE EXISTS (SELECT 1 FROM guardianships g JOIN children k ON k.id = g.child_id
                      WHERE k.class_id = p.class_id AND g.user_id = $2) END AS guardian,
    EXISTS (SELECT 1 FROM class_staff s
            WHERE s.class_id = coalesce(c.class_id, p.class_id) AND s.user_id = $2) AS teacher,
    CASE WHEN p.child_id IS NOT NULL
         THEN coalesce(c.user_id = $2, false)
         ELSE EXISTS (SELECT 1 FROM children k WHERE k.class_id = p.class_id AND k.user_id = $2)
    END AS pupil"""


async def page_with_ties(conn: Conn, user_id: UUID, page_id: UUID) -> tuple[asyncpg.Record, Ties] | None:
    row = await conn.fetchrow(
        f"""SELECT {PAGE_COLUMNS}, {_PAGE_TIES}
            FROM realisation_pages p LEFT JOIN children c ON c.id = p.child_id
            WHERE p.id = $1""",
        page_id,
        user_id,
    )
    return (row, _ties(row)) if row else None


async def pages_holding(conn: Conn, user_id: UUID, media_id: UUID) -> list[tuple[asyncpg.Record, Ties]]:
    """The pages that show this photo, each with the user's ties to it."""
    rows = await conn.fetch(
        f"""SELECT {PAGE_COLUMNS}, {_PAGE_TIES}
            FROM realisation_media m JOIN realisation_pages p ON p.id = m.page_id
            LEFT JOIN children c ON c.id = p.child_id
            WHERE m.media_id = $1""",
        media_id,
        user_id,
    )
    return [(row, _ties(row)) for row in rows]


async def children_showing(conn: Conn, media_id: UUID) -> set[UUID]:
    """The children whose own cahier pages show this photo (a family photo)."""
    rows = await conn.fetch(
        """SELECT DISTINCT p.child_id FROM realisation_media m JOIN realisation_pages p ON p.id = m.page_id
           WHERE m.media_id = $1 AND p.child_id IS NOT NULL""",
        media_id,
    )
    return {row["child_id"] for row in rows}


# -- who hears of a page -----------------------------------------------------------


async def audience(conn: Conn, school_id: UUID, class_id: UUID, child_id: UUID | None) -> list[UUID]:
    """Who sees the page: the child's (or, for a class page, every child of the
    class's) guardians and pupil account, the class's teachers, the directors."""
    rows = await conn.fetch(
        """SELECT s.user_id FROM class_staff s WHERE s.class_id = $2
           UNION SELECT d.user_id FROM school_staff d WHERE d.school_id = $1 AND d.role = 'director'
           UNION SELECT g.user_id FROM guardianships g JOIN children c ON c.id = g.child_id
                 WHERE CASE WHEN $3::uuid IS NULL THEN c.class_id = $2 ELSE c.id = $3 END
           UNION SELECT c.user_id FROM children c
                 WHERE c.user_id IS NOT NULL
                   AND CASE WHEN $3::uuid IS NULL THEN c.class_id = $2 ELSE c.id = $3 END""",
        school_id,
        class_id,
        child_id,
    )
    return sorted(r["user_id"] for r in rows)


async def children_with_guardians(conn: Conn, child_ids: list[UUID]) -> list[asyncpg.Record]:
    """`(id, first_name, guardians)` of these children: whom to notify of a page."""
    return await conn.fetch(
        """SELECT c.id, c.first_name,
                  coalesce(array_agg(g.user_id ORDER BY g.user_id) FILTER (WHERE g.user_id IS NOT NULL), '{}')
                    AS guardians
           FROM children c LEFT JOIN guardianships g ON g.child_id = c.id
           WHERE c.id = ANY($1::uuid[])
           GROUP BY c.id ORDER BY c.id""",
        child_ids,
    )


async def class_children(conn: Conn, class_id: UUID) -> list[UUID]:
    rows = await conn.fetch("SELECT id FROM children WHERE class_id = $1 ORDER BY id", class_id)
    return [r["id"] for r in rows]


# -- pages -----------------------------------------------------------------------


async def insert_page(
    conn: Connection,
    *,
    school_id: UUID,
    kind: str,
    child_id: UUID | None,
    class_id: UUID,
    author_id: UUID,
    title: str,
    body: str,
    client_id: str | None,
    media_ids: list[UUID],
) -> asyncpg.Record:
    row = await fetch_one(conn,
        """INSERT INTO realisation_pages
               (school_id, kind, child_id, class_id, author_id, title, body, client_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING id, school_id, kind, child_id, class_id, author_id, title, body, created_at""",
        school_id, kind, child_id, class_id, author_id, title, body, client_id,
    )  # fmt: skip
    if media_ids:
        await conn.execute(
            """INSERT INTO realisation_media (page_id, media_id, position)
               SELECT $1, m, p - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(m, p)""",
            row["id"],
            media_ids,
        )
    return row


async def by_client_id(conn: Conn, author_id: UUID, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {PAGE_COLUMNS} FROM realisation_pages p WHERE p.author_id = $1 AND p.client_id = $2""",
        author_id,
        client_id,
    )


async def cahier(
    conn: Conn, child_id: UUID, class_id: UUID, limit: int, before: tuple[dt.datetime, UUID] | None
) -> list[asyncpg.Record]:
    """The child's pages and its class's pages, newest first, from `before` on."""
    moment, page_id = before if before else (None, None)
    return await conn.fetch(
        f"""SELECT {PAGE_COLUMNS} FROM realisation_pages p
            WHERE (p.child_id = $1 OR (p.kind = 'class' AND p.class_id = $2))
              AND ($3::timestamptz IS NULL OR (p.created_at, p.id) < ($3, $4::uuid))
            ORDER BY p.created_at DESC, p.id DESC LIMIT $5""",
        child_id,
        class_id,
        moment,
        page_id,
        limit,
    )


async def cahier_between(
    conn: Conn, child_id: UUID, class_id: UUID, start: dt.datetime, end: dt.datetime
) -> list[asyncpg.Record]:
    """The pages of a school year, in the order they were written (the export)."""
    return await conn.fetch(
        f"""SELECT {PAGE_COLUMNS} FROM realisation_pages p
            WHERE (p.child_id = $1 OR (p.kind = 'class' AND p.class_id = $2))
              AND p.created_at >= $3 AND p.created_at < $4
            ORDER BY p.created_at, p.id""",
        child_id,
        class_id,
        start,
        end,
    )


async def media_of_pages(conn: Conn, page_ids: list[UUID]) -> list[asyncpg.Record]:
    """The photos of these pages, in each page's order: the media row and `page_id`."""
    return await conn.fetch(
        """SELECT m.*, r.page_id FROM realisation_media r JOIN media m ON m.id = r.media_id
           WHERE r.page_id = ANY($1::uuid[]) ORDER BY r.page_id, r.position""",
        page_ids,
    )


async def delete_page(conn: Connection, page_id: UUID) -> bool:
    return await conn.fetchval("DELETE FROM realisation_pages WHERE id = $1 RETURNING true", page_id) or False
