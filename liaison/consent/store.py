"""The SQL of image consent.

`children_without_consent` is what the blog and the cahier ask before a photo
of children is shown to other families; `own_children` (and `whose_own`, for
many readers at once) says whose children they are not (`policy.photo_visible`).
"""

from __future__ import annotations

import datetime as dt
import json
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
        """SELECT u.id AS user_id, u.display_name, i.granted, i.decided_at,
                  i.recorded_by IS NOT NULL AS on_paper
           FROM guardianships g JOIN users u ON u.id = g.user_id
           LEFT JOIN image_consents i ON i.child_id = g.child_id AND i.guardian_id = g.user_id
           WHERE g.child_id = $1 ORDER BY u.last_name, u.first_name, u.id""",
        child_id,
    )


async def decide(
    conn: Conn, child_id: UUID, guardian_id: UUID, granted: bool, recorded_by: UUID | None = None
) -> None:
    """The guardian's decision (`recorded_by`: the staff member who recorded
    their signed paper form; None when they answered themselves)."""
    await conn.execute(
        """INSERT INTO image_consents (child_id, guardian_id, granted, recorded_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (child_id, guardian_id)
           DO UPDATE SET granted = $3, decided_at = now(), recorded_by = $4""",
        child_id,
        guardian_id,
        granted,
        recorded_by,
    )


async def of_class(conn: Conn, class_id: UUID) -> list[asyncpg.Record]:
    """Each child of the class with the names of the guardians who have not
    said yes (`missing`), of those who said no (`refused`), and each guardian
    (`people`: id, name, decision, on paper, activated), by name."""
    return await conn.fetch(
        """SELECT c.id, c.first_name, c.first_name || ' ' || c.last_name AS display_name,
                  count(g.user_id) AS guardians,
                  coalesce(array_agg(u.display_name ORDER BY u.last_name, u.first_name, u.id)
                           FILTER (WHERE g.user_id IS NOT NULL AND i.granted IS NOT TRUE), '{}') AS missing,
                  coalesce(array_agg(u.display_name ORDER BY u.last_name, u.first_name, u.id)
                           FILTER (WHERE i.granted = false), '{}') AS refused,
                  coalesce(jsonb_agg(jsonb_build_object(
                               'user_id', u.id, 'display_name', u.display_name, 'granted', i.granted,
                               'decided_at', i.decided_at, 'on_paper', i.recorded_by IS NOT NULL,
                               'activated', u.activated_at IS NOT NULL)
                           ORDER BY u.last_name, u.first_name, u.id)
                           FILTER (WHERE g.user_id IS NOT NULL), '[]') AS people
           FROM children c
           LEFT JOIN guardianships g ON g.child_id = c.id
           LEFT JOIN users u ON u.id = g.user_id
           LEFT JOIN image_consents i ON i.child_id = c.id AND i.guardian_id = g.user_id
           WHERE c.class_id = $1
           GROUP BY c.id ORDER BY c.last_name, c.first_name, c.id""",
        class_id,
    )


# -- reminding the families who have not answered --------------------------------------


async def last_reminder(conn: Conn, class_id: UUID) -> dt.datetime | None:
    reminded_at: dt.datetime | None = await conn.fetchval(
        "SELECT reminded_at FROM consent_reminders WHERE class_id = $1", class_id
    )
    return reminded_at


async def claim_reminder(conn: Conn, class_id: UUID, by: UUID) -> dt.datetime | None:
    """Take the class's reminder; None when one was sent less than a day ago
    (two teachers clicking at once: one of them gets it)."""
    reminded_at: dt.datetime | None = await conn.fetchval(
        """INSERT INTO consent_reminders (class_id, reminded_at, reminded_by) VALUES ($1, now(), $2)
           ON CONFLICT (class_id) DO UPDATE SET reminded_at = now(), reminded_by = $2
           WHERE consent_reminders.reminded_at < now() - interval '1 day'
           RETURNING reminded_at""",
        class_id,
        by,
    )
    return reminded_at


async def unanswered(conn: Conn, class_id: UUID) -> list[asyncpg.Record]:
    """The guardians to remind: of each child of the class without consent
    that no guardian refused, those who have not answered at all.
    `(child_id, first_name, user_id, activated)`, by child."""
    return await conn.fetch(
        """SELECT c.id AS child_id, c.first_name, g.user_id, u.activated_at IS NOT NULL AS activated
           FROM children c
           JOIN guardianships g ON g.child_id = c.id
           JOIN users u ON u.id = g.user_id
           WHERE c.class_id = $1
             AND NOT EXISTS (SELECT 1 FROM image_consents i
                             WHERE i.child_id = c.id AND i.guardian_id = g.user_id)
             AND NOT EXISTS (SELECT 1 FROM image_consents i WHERE i.child_id = c.id AND NOT i.granted)
           ORDER BY c.last_name, c.first_name, c.id, g.user_id""",
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
                "on_paper": bool(r["on_paper"]),
            }
            for r in rows
        ],
    }


def class_row_to_api(row: asyncpg.Record) -> dict[str, Any]:
    people = json.loads(row["people"]) if isinstance(row["people"], str) else row["people"]
    return {
        "id": str(row["id"]),
        "first_name": row["first_name"],
        "display_name": row["display_name"],
        "consented": row["guardians"] > 0 and not row["missing"],
        "missing": list(row["missing"]),
        "refused": list(row["refused"]),
        "guardians": [
            {
                "user_id": p["user_id"],
                "display_name": p["display_name"],
                "granted": p["granted"],
                "decided_at": _iso_text(p["decided_at"]),
                "on_paper": p["on_paper"],
                "activated": p["activated"],
            }
            for p in people
        ],
    }


def _iso_text(value: str | None) -> str | None:
    """A timestamptz as jsonb wrote it, in the API's one format."""
    return iso(dt.datetime.fromisoformat(value)) if value else None
