"""The SQL of the class blog: posts, their photos, comments, and the class's audience."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import asyncpg

from liaison.storage.db import Conn, Connection, fetch_one

POST_COLUMNS = """p.id, p.school_id, p.class_id, p.author_id, p.title, p.body, p.status, p.review_comment,
    p.client_id, p.created_at, p.updated_at, p.activity_at, p.published_at"""
COMMENT_COLUMNS = "c.id, c.post_id, c.author_id, c.body, c.client_id, c.created_at"


# -- the class and its audience ----------------------------------------------------


async def class_facts(conn: Conn, user_id: UUID, class_id: UUID) -> asyncpg.Record | None:
    """The class, and how the user stands with it (teacher, guardian, pupil)."""
    return await conn.fetchrow(
        """SELECT k.id, k.school_id, k.name,
                  EXISTS (SELECT 1 FROM class_staff s WHERE s.class_id = k.id AND s.user_id = $2) AS teaches,
                  EXISTS (SELECT 1 FROM guardianships g JOIN children c ON c.id = g.child_id
                          WHERE c.class_id = k.id AND g.user_id = $2) AS guardian,
                  EXISTS (SELECT 1 FROM children c WHERE c.class_id = k.id AND c.user_id = $2) AS pupil
           FROM classes k WHERE k.id = $1""",
        class_id,
        user_id,
    )


async def class_staff(conn: Conn, class_id: UUID, school_id: UUID) -> list[UUID]:
    """The class's teachers and the school's directors."""
    rows = await conn.fetch(
        """SELECT user_id FROM class_staff WHERE class_id = $1
           UNION SELECT user_id FROM school_staff WHERE school_id = $2 AND role = 'director'""",
        class_id,
        school_id,
    )
    return [r["user_id"] for r in rows]


async def class_guardians(conn: Conn, class_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        """SELECT DISTINCT g.user_id FROM guardianships g JOIN children c ON c.id = g.child_id
           WHERE c.class_id = $1""",
        class_id,
    )
    return [r["user_id"] for r in rows]


async def class_pupils(conn: Conn, class_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT user_id FROM children WHERE class_id = $1 AND user_id IS NOT NULL", class_id
    )
    return [r["user_id"] for r in rows]


# -- posts -----------------------------------------------------------------------


async def insert_post(
    conn: Connection,
    *,
    school_id: UUID,
    class_id: UUID,
    author_id: UUID,
    title: str,
    body: str,
    status: str,
    client_id: str | None,
) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""INSERT INTO posts AS p (school_id, class_id, author_id, title, body, status, client_id,
                                    published_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'published' THEN now() END)
            RETURNING {POST_COLUMNS}""",
        school_id,
        class_id,
        author_id,
        title,
        body,
        status,
        client_id,
    )


async def get_post(conn: Conn, post_id: UUID, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {POST_COLUMNS} FROM posts p WHERE p.id = $1{' FOR UPDATE' if lock else ''}", post_id
    )


async def post_by_client_id(conn: Conn, author_id: UUID, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {POST_COLUMNS} FROM posts p WHERE p.author_id = $1 AND p.client_id = $2",
        author_id,
        client_id,
    )


async def update_post(
    conn: Connection, post_id: UUID, *, title: str, body: str, resubmit: bool
) -> asyncpg.Record:
    """New text; `resubmit`: the pupil sends it back for review (submitted again)."""
    return await fetch_one(
        conn,
        f"""UPDATE posts p SET title = $2, body = $3, updated_at = now(),
                   status = CASE WHEN $4 THEN 'submitted' ELSE status END,
                   activity_at = CASE WHEN $4 THEN now() ELSE activity_at END
            WHERE p.id = $1 RETURNING {POST_COLUMNS}""",
        post_id,
        title,
        body,
        resubmit,
    )


async def publish(conn: Connection, post_id: UUID) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""UPDATE posts p SET status = 'published', published_at = now(), activity_at = now(),
                   updated_at = now()
            WHERE p.id = $1 RETURNING {POST_COLUMNS}""",
        post_id,
    )


async def reject(conn: Connection, post_id: UUID, comment: str) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""UPDATE posts p SET status = 'rejected', review_comment = $2, updated_at = now()
            WHERE p.id = $1 RETURNING {POST_COLUMNS}""",
        post_id,
        comment,
    )


async def delete_post(conn: Connection, post_id: UUID) -> None:
    await conn.execute("DELETE FROM posts WHERE id = $1", post_id)


async def list_posts(
    conn: Conn,
    class_id: UUID,
    *,
    every_status: bool,
    viewer_id: UUID,
    limit: int,
    after: tuple[dt.datetime, UUID] | None,
) -> list[asyncpg.Record]:
    """Newest first: the published posts, and those not published yet that the
    viewer may see (all of them for the staff; their own for a pupil)."""
    moment, post_id = after if after else (None, None)
    return await conn.fetch(
        f"""SELECT {POST_COLUMNS} FROM posts p
            WHERE p.class_id = $1
              AND (p.status = 'published' OR $2 OR p.author_id = $3)
              AND ($4::timestamptz IS NULL OR (p.activity_at, p.id) < ($4, $5::uuid))
            ORDER BY p.activity_at DESC, p.id DESC LIMIT $6""",
        class_id,
        every_status,
        viewer_id,
        moment,
        post_id,
        limit,
    )


# -- photos ------------------------------------------------------------------------


async def set_media(conn: Connection, post_id: UUID, media_ids: list[UUID]) -> None:
    await conn.execute("DELETE FROM post_media WHERE post_id = $1", post_id)
    await conn.executemany(
        "INSERT INTO post_media (post_id, media_id, position) VALUES ($1, $2, $3)",
        [(post_id, media_id, i) for i, media_id in enumerate(media_ids)],
    )


async def media_ids_of(conn: Conn, post_id: UUID) -> list[UUID]:
    rows = await conn.fetch("SELECT media_id FROM post_media WHERE post_id = $1 ORDER BY position", post_id)
    return [r["media_id"] for r in rows]


async def media_of_posts(conn: Conn, post_ids: list[UUID]) -> dict[UUID, list[asyncpg.Record]]:
    """Each post's media rows, in order."""
    rows = await conn.fetch(
        """SELECT pm.post_id, m.* FROM post_media pm JOIN media m ON m.id = pm.media_id
           WHERE pm.post_id = ANY($1::uuid[]) ORDER BY pm.post_id, pm.position""",
        post_ids,
    )
    found: dict[UUID, list[asyncpg.Record]] = {p: [] for p in post_ids}
    for row in rows:
        found[row["post_id"]].append(row)
    return found


async def posts_holding(conn: Conn, media_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT p.id, p.class_id, p.status, p.author_id FROM post_media pm JOIN posts p ON p.id = pm.post_id
           WHERE pm.media_id = $1""",
        media_id,
    )


# -- comments ------------------------------------------------------------------------


async def insert_comment(
    conn: Connection, post_id: UUID, author_id: UUID, body: str, client_id: str | None
) -> asyncpg.Record:
    return await fetch_one(
        conn,
        f"""INSERT INTO post_comments AS c (post_id, author_id, body, client_id) VALUES ($1, $2, $3, $4)
            RETURNING {COMMENT_COLUMNS}""",
        post_id,
        author_id,
        body,
        client_id,
    )


async def get_comment(conn: Conn, comment_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {COMMENT_COLUMNS} FROM post_comments c WHERE c.id = $1", comment_id)


async def comment_by_client_id(conn: Conn, author_id: UUID, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {COMMENT_COLUMNS} FROM post_comments c WHERE c.author_id = $1 AND c.client_id = $2",
        author_id,
        client_id,
    )


async def delete_comment(conn: Connection, comment_id: UUID) -> None:
    await conn.execute("DELETE FROM post_comments WHERE id = $1", comment_id)


async def comments_of(conn: Conn, post_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {COMMENT_COLUMNS} FROM post_comments c WHERE c.post_id = $1 ORDER BY c.created_at, c.id",
        post_id,
    )


async def comment_counts(conn: Conn, post_ids: list[UUID]) -> dict[UUID, int]:
    rows = await conn.fetch(
        "SELECT post_id, count(*) AS n FROM post_comments WHERE post_id = ANY($1::uuid[]) GROUP BY post_id",
        post_ids,
    )
    return {r["post_id"]: r["n"] for r in rows}
