"""Directory reads for audiences beyond one school: the territory's tables
(RPIs, circonscriptions, who is staff where) and a school's families read
for several schools at once. Reads only; messaging asks them."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from liaison.storage.db import Conn


async def rpi_schools(conn: Conn, rpi_id: UUID) -> list[UUID]:
    """The schools of an RPI, in a stable order (none: no such RPI)."""
    rows = await conn.fetch(
        """SELECT r.school_id FROM rpi_schools r JOIN schools s ON s.id = r.school_id
           WHERE r.rpi_id = $1 ORDER BY s.name, s.id""",
        rpi_id,
    )
    return [r["school_id"] for r in rows]


async def rpi_of_school(conn: Conn, school_id: UUID) -> UUID | None:
    rpi_id: UUID | None = await conn.fetchval(
        "SELECT rpi_id FROM rpi_schools WHERE school_id = $1", school_id
    )
    return rpi_id


async def circonscription_exists(conn: Conn, circonscription_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM circonscriptions WHERE id = $1", circonscription_id))


async def circonscription_schools(conn: Conn, circonscription_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT id FROM schools WHERE circonscription_id = $1 ORDER BY name, id", circonscription_id
    )
    return [r["id"] for r in rows]


async def schools_circonscriptions(conn: Conn, school_ids: list[UUID]) -> dict[UUID, UUID | None]:
    """The circonscription of each of these schools that exists (unknown ids are absent)."""
    rows = await conn.fetch(
        "SELECT id, circonscription_id FROM schools WHERE id = ANY($1::uuid[])", school_ids
    )
    return {r["id"]: r["circonscription_id"] for r in rows}


async def staff_of_schools(conn: Conn, school_ids: list[UUID]) -> dict[UUID, list[tuple[UUID, str]]]:
    """The directors and teachers of each school: user id -> [(school id, role)],
    a person working in two of them once with both."""
    rows = await conn.fetch(
        """SELECT user_id, school_id, role FROM school_staff WHERE school_id = ANY($1::uuid[])
           ORDER BY user_id, array_position($1::uuid[], school_id)""",
        school_ids,
    )
    found: dict[UUID, list[tuple[UUID, str]]] = {}
    for r in rows:
        found.setdefault(r["user_id"], []).append((r["school_id"], r["role"]))
    return found


async def classes_of_schools(conn: Conn, school_ids: list[UUID]) -> list[UUID]:
    """Every class of these schools, school by school (in the order given), then in school order."""
    rows = await conn.fetch(
        """SELECT id FROM classes WHERE school_id = ANY($1::uuid[])
           ORDER BY array_position($1::uuid[], school_id), level_rank, name, id""",
        school_ids,
    )
    return [r["id"] for r in rows]


async def schools_of_classes(conn: Conn, class_ids: list[UUID]) -> dict[UUID, UUID]:
    """The school of each of these classes that exists (unknown ids are absent)."""
    rows = await conn.fetch("SELECT id, school_id FROM classes WHERE id = ANY($1::uuid[])", class_ids)
    return {r["id"]: r["school_id"] for r in rows}


async def children_in_schools_order(
    conn: Conn, child_ids: list[UUID], school_ids: list[UUID]
) -> list[asyncpg.Record]:
    """These children with their class (`class_id`, `class_name`) and its
    `school_id`: school by school in the order of `school_ids`, then class by
    class in school order, then by first and last name."""
    return await conn.fetch(
        """SELECT c.id, c.first_name, c.last_name, k.id AS class_id, k.name AS class_name,
                  coalesce(k.school_id, c.school_id) AS school_id
           FROM children c LEFT JOIN classes k ON k.id = c.class_id
           WHERE c.id = ANY($1::uuid[])
           ORDER BY array_position($2::uuid[], coalesce(k.school_id, c.school_id)), k.level_rank, k.name,
                    k.id, c.first_name, c.last_name, c.id""",
        child_ids,
        school_ids,
    )
