"""The SQL of image consent.

`children_without_consent` is what the blog and the cahier ask before a photo
of children is shown to other families; `own_children` (and `whose_own`, for
many readers at once) says whose children they are not (`policy.photo_visible`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from liaison.core.clock import iso
from liaison.storage.db import Conn

# A child lacks consent when it has no guardian at all, or one guardian
# (activated or not) has not said yes.
_LACKS_CONSENT = """(NOT EXISTS (SELECT 1 FROM guardianships g WHERE g.child_id = c.id)
        OR EXISTS (SELECT 1 FROM guardianships g
                   LEFT JOIN image_consents i ON i.child_id = g.child_id AND i.guardian_id = g.user_id
                   WHERE g.child_id = c.id AND i.granted IS NOT TRUE))"""


async def children_without_consent(conn: Conn, child_ids: list[UUID]) -> list[asyncpg.Record]:
    """Those of `child_ids` whose photo may not be shown outside their own
    cahier: `(id, display_name)`, by name. Unknown ids are ignored."""
    if not child_ids:
        return []
    return await conn.fetch(
        f"""SELECT c.id, c.first_name || ' ' || c.last_name AS display_name
            FROM children c
            WHERE c.id = ANY($1::uuid[]) AND {_LACKS_CONSENT}
            ORDER BY c.last_name, c.first_name, c.id""",
        list(set(child_ids)),
    )


async def own_children(conn: Conn, user_id: UUID, role: str) -> set[UUID]:
    """The user's own children for `policy.photo_visible`: a guardian's
    children; a pupil's own self (as a child); nobody's for anyone else."""
    if role == "parent":
        rows = await conn.fetch("SELECT child_id AS id FROM guardianships WHERE user_id = $1", user_id)
    elif role == "student":
        rows = await conn.fetch("SELECT id FROM children WHERE user_id = $1", user_id)
    else:
        return set()
    return {r["id"] for r in rows}


async def whose_own(conn: Conn, child_ids: list[UUID]) -> dict[UUID, set[UUID]]:
    """`own_children` the other way round, for many readers at once: each user
    some of these children are the own children of (their guardians, their
    pupil accounts) -> which of them."""
    if not child_ids:
        return {}
    rows = await conn.fetch(
        """SELECT g.user_id, g.child_id FROM guardianships g JOIN users u ON u.id = g.user_id
           WHERE g.child_id = ANY($1::uuid[]) AND u.role = 'parent'
           UNION SELECT c.user_id, c.id FROM children c JOIN users u ON u.id = c.user_id
           WHERE c.id = ANY($1::uuid[]) AND u.role = 'student'""",
        list(set(child_ids)),
    )
    found: dict[UUID, set[UUID]] = {}
    for row in rows:
        found.setdefault(row["user_id"], set()).add(row["child_id"])
    return found


async def decisions(conn: Conn, child_id: UUID) -> list[asyncpg.Record]:
    """Every guardian of the child and their decision (null: not asked yet)."""
    return await conn.fetch(
        """SELECT u.id AS user_id, u.display_name, i.granted, i.decided_at
           FROM guardianships g JOIN users u ON u.id = g.user_id
           LEFT JOIN image_consents i ON i.child_id = g.child_id AND i.guardian_id = g.user_id
           WHERE g.child_id = $1 ORDER BY u.last_name, u.first_name, u.id""",
        child_id,
    )


async def decide(conn: Conn, child_id: UUID, guardian_id: UUID, granted: bool) -> None:
    await conn.execute(
        """INSERT INTO image_consents (child_id, guardian_id, granted) VALUES ($1, $2, $3)
           ON CONFLICT (child_id, guardian_id) DO UPDATE SET granted = $3, decided_at = now()""",
        child_id,
        guardian_id,
        granted,
    )


async def of_class(conn: Conn, class_id: UUID) -> list[asyncpg.Record]:
    """Each child of the class with the names of the guardians who have not
    said yes (`missing`) and of those who said no (`refused`)."""
    return await conn.fetch(
        """SELECT c.id, c.first_name || ' ' || c.last_name AS display_name,
                  count(g.user_id) AS guardians,
                  coalesce(array_agg(u.display_name ORDER BY u.last_name, u.first_name)
                           FILTER (WHERE g.user_id IS NOT NULL AND i.granted IS NOT TRUE), '{}') AS missing,
                  coalesce(array_agg(u.display_name ORDER BY u.last_name, u.first_name)
                           FILTER (WHERE i.granted = false), '{}') AS refused
           FROM children c
           LEFT JOIN guardianships g ON g.child_id = c.id
           LEFT JOIN users u ON u.id = g.user_id
           LEFT JOIN image_consents i ON i.child_id = c.id AND i.guardian_id = g.user_id
           WHERE c.class_id = $1
           GROUP BY c.id ORDER BY c.last_name, c.first_name, c.id""",
        class_id,
    )


def child_view(child: asyncpg.Record, rows: list[asyncpg.Record]) -> dict[str, Any]:
    return {
        "child": {"id": str(child["id"]), "display_name": f"{child['first_name']} {child['last_name']}"},
        "consented": bool(rows) and all(r["granted"] is True for r in rows),
        "guardians": [
            {
                "user_id": str(r["user_id"]),
                "display_name": r["display_name"],
                "granted": r["granted"],
                "decided_at": iso(r["decided_at"]),
            }
            for r in rows
        ],
    }


def class_row_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "display_name": row["display_name"],
        "consented": row["guardians"] > 0 and not row["missing"],
        "missing": list(row["missing"]),
        "refused": list(row["refused"]),
    }
