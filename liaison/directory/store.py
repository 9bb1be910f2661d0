"""The SQL of the directory: schools, classes, staff, children, guardians."""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.core.people import User
from liaison.directory.csv_import import (
    ChildKey,
    GuardianKey,
    RosterRow,
    child_key,
    class_key,
    guardian_key,
)
from liaison.storage.db import Conn, Connection


class DuplicateSchool(Exception):
    pass


def _key_text(key: ChildKey | GuardianKey) -> str:
    return "|".join("" if part is None else str(part) for part in key)


def school_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "city": row["city"], "uai": row["uai"]}


def class_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "school_id": str(row["school_id"])}


def child_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "display_name": f"{row['first_name']} {row['last_name']}",
        "class_id": str(row["class_id"]),
    }


# -- schools and classes -----------------------------------------------------


async def create_school(conn: Connection, name: str, city: str, uai: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        """INSERT INTO schools (name, city, uai) VALUES ($1, $2, $3)
           ON CONFLICT (uai) DO NOTHING RETURNING id, name, city, uai""",
        name,
        city,
        uai,
    )
    if row is None:
        raise DuplicateSchool(uai)
    return row


async def get_school(conn: Conn, school_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, name, city, uai FROM schools WHERE id = $1", school_id)


async def get_class(conn: Conn, class_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, school_id, name FROM classes WHERE id = $1", class_id)


async def ensure_classes(
    conn: Connection, school_id: UUID, names: list[str]
) -> tuple[dict[str, asyncpg.Record], int]:
    """Classes by their key, created on first use; and how many were created."""
    by_key = {class_key(name): name for name in names}
    created = await conn.fetch(
        """INSERT INTO classes (school_id, name, name_key)
           SELECT $1, n, k FROM unnest($2::text[], $3::text[]) AS t(n, k)
           ON CONFLICT (school_id, name_key) DO NOTHING RETURNING id""",
        school_id,
        list(by_key.values()),
        list(by_key.keys()),
    )
    rows = await conn.fetch(
        "SELECT id, school_id, name, name_key FROM classes WHERE school_id = $1 AND name_key = ANY($2)",
        school_id,
        list(by_key.keys()),
    )
    return {row["name_key"]: row for row in rows}, len(created)


async def lock_school(conn: Connection, school_id: UUID) -> None:
    """Serialise the writers of one school's directory (imports, staff)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", 0x4449, zlib.crc32(school_id.bytes) - 2**31)


# -- staff -------------------------------------------------------------------


async def add_staff(
    conn: Connection,
    school_id: UUID,
    *,
    role: str,
    display_name: str,
    email: str | None,
    class_names: list[str],
    first_name: str = "",
    last_name: str = "",
    login: str | None = None,
    password_hash: str | None = None,
) -> tuple[User, list[asyncpg.Record]]:
    await lock_school(conn, school_id)
    user = await accounts.create_user(
        conn,
        role=role,
        school_id=school_id,
        display_name=display_name,
        first_name=first_name or display_name,
        last_name=last_name,
        email=email,
        login=login,
        password_hash=password_hash,
    )
    await conn.execute(
        "INSERT INTO school_staff (user_id, school_id, role) VALUES ($1, $2, $3)", user.id, school_id, role
    )
    classes: list[asyncpg.Record] = []
    if class_names:
        by_key, _ = await ensure_classes(conn, school_id, class_names)
        classes = list(by_key.values())
        await conn.execute(
            """INSERT INTO class_staff (class_id, user_id)
               SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING""",
            [c["id"] for c in classes],
            user.id,
        )
    return user, classes


# -- the roster import -------------------------------------------------------


@dataclass
class ImportResult:
    classes_created: int = 0
    children_created: int = 0
    guardians_created: int = 0
    guardians: list[dict[str, Any]] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {
            "classes_created": self.classes_created,
            "children_created": self.children_created,
            "guardians_created": self.guardians_created,
            "guardians": self.guardians,
        }


async def import_roster(
    conn: Connection, school_id: UUID, rows: list[RosterRow], activation_days: int
) -> ImportResult:
    """Write a parsed roster; the caller holds the transaction, so a failure
    anywhere writes nothing. Running it twice creates nothing the second time."""
    await lock_school(conn, school_id)
    result = ImportResult()
    classes, result.classes_created = await ensure_classes(conn, school_id, [row.class_name for row in rows])
    children, result.children_created = await _ensure_children(conn, school_id, rows, classes)
    guardians, result.guardians_created = await _ensure_guardians(conn, school_id, rows)

    links: dict[tuple[UUID, UUID], str | None] = {}
    children_of: dict[UUID, list[UUID]] = defaultdict(list)
    for row in rows:
        child_id = children[_key_text(child_key(row))]
        guardian = guardians[_guardian_identity(row)]
        if (child_id, guardian.id) not in links:
            links[(child_id, guardian.id)] = row.relationship
            children_of[guardian.id].append(child_id)
    await conn.execute(
        """INSERT INTO guardianships (child_id, user_id, relationship)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])
           ON CONFLICT (child_id, user_id) DO UPDATE SET relationship = EXCLUDED.relationship
           WHERE guardianships.relationship IS DISTINCT FROM EXCLUDED.relationship""",
        [c for c, _ in links],
        [g for _, g in links],
        list(links.values()),
    )
    ordered = list(dict.fromkeys(guardians[_guardian_identity(row)] for row in rows))
    codes = await accounts.issue_activation_codes(conn, [g.id for g in ordered], activation_days)
    result.guardians = [
        {
            "user_id": str(g.id),
            "display_name": g.display_name,
            "login": g.login,
            "activation_code": codes.get(g.id),
            "children": [str(c) for c in children_of[g.id]],
        }
        for g in ordered
    ]
    return result


async def _ensure_children(
    conn: Connection,
    school_id: UUID,
    rows: list[RosterRow],
    classes: dict[str, asyncpg.Record],
) -> tuple[dict[str, UUID], int]:
    unique: dict[str, RosterRow] = {}
    for row in rows:
        unique.setdefault(_key_text(child_key(row)), row)
    keys = list(unique)
    created = await conn.fetch(
        """INSERT INTO children (school_id, class_id, first_name, last_name, birth_date, identity_key)
           SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::date[], $6::text[])
           ON CONFLICT (school_id, identity_key) DO NOTHING RETURNING id""",
        school_id,
        [classes[class_key(unique[k].class_name)]["id"] for k in keys],
        [unique[k].child_first_name for k in keys],
        [unique[k].child_last_name for k in keys],
        [unique[k].birth_date for k in keys],
        keys,
    )
    # A pupil already known follows the file: a new school year moves classes.
    rows_by_key = await conn.fetch(
        """UPDATE children c SET class_id = t.class_id
           FROM unnest($2::text[], $3::uuid[]) AS t(identity_key, class_id)
           WHERE c.school_id = $1 AND c.identity_key = t.identity_key
           RETURNING c.id, c.identity_key""",
        school_id,
        keys,
        [classes[class_key(unique[k].class_name)]["id"] for k in keys],
    )
    return {r["identity_key"]: r["id"] for r in rows_by_key}, len(created)


def guardian_identity_key(first_name: str, last_name: str, email: str | None) -> str:
    return _key_text(guardian_key(first_name, last_name, email))


def _guardian_identity(row: RosterRow) -> str:
    return guardian_identity_key(row.guardian_first_name, row.guardian_last_name, row.guardian_email)


async def _ensure_guardians(
    conn: Connection, school_id: UUID, rows: list[RosterRow]
) -> tuple[dict[str, User], int]:
    unique: dict[str, RosterRow] = {}
    for row in rows:
        unique.setdefault(_guardian_identity(row), row)
    known = await conn.fetch(
        """SELECT g.identity_key, u.id, u.login, u.role, u.school_id, u.display_name,
                  u.first_name, u.last_name, u.email
           FROM guardian_identities g JOIN users u ON u.id = g.user_id
           WHERE g.school_id = $1 AND g.identity_key = ANY($2::text[])""",
        school_id,
        list(unique),
    )
    guardians = {r["identity_key"]: User.from_row(r) for r in known}
    new_keys = [key for key in unique if key not in guardians]
    created = await accounts.create_users(
        conn,
        [
            accounts.NewUser(
                role="parent",
                school_id=school_id,
                first_name=unique[key].guardian_first_name,
                last_name=unique[key].guardian_last_name,
                display_name=f"{unique[key].guardian_first_name} {unique[key].guardian_last_name}",
                email=unique[key].guardian_email,
            )
            for key in new_keys
        ],
    )
    await conn.execute(
        """INSERT INTO guardian_identities (school_id, identity_key, user_id)
           SELECT $1, * FROM unnest($2::text[], $3::uuid[])""",
        school_id,
        new_keys,
        [user.id for user in created],
    )
    guardians.update(zip(new_keys, created, strict=True))
    return guardians, len(created)


# -- reading the directory ---------------------------------------------------


async def class_members(conn: Conn, klass: asyncpg.Record) -> dict[str, Any]:
    teachers = await conn.fetch(
        """SELECT u.id, u.display_name, u.role, u.school_id, u.email
           FROM class_staff s JOIN users u ON u.id = s.user_id
           WHERE s.class_id = $1 ORDER BY u.display_name""",
        klass["id"],
    )
    children = await conn.fetch(
        """SELECT c.id, c.first_name, c.last_name, c.class_id, c.birth_date, c.user_id,
                  coalesce(json_agg(json_build_object(
                      'user_id', u.id, 'display_name', u.display_name, 'relationship', g.relationship,
                      'email', u.email, 'login', u.login, 'activated', u.activated_at IS NOT NULL)
                    ORDER BY u.last_name, u.first_name) FILTER (WHERE u.id IS NOT NULL), '[]') AS guardians
           FROM children c
           LEFT JOIN guardianships g ON g.child_id = c.id
           LEFT JOIN users u ON u.id = g.user_id
           WHERE c.class_id = $1
           GROUP BY c.id ORDER BY c.last_name, c.first_name""",
        klass["id"],
    )
    return {
        "class": class_to_api(klass),
        "teachers": [
            {
                "id": str(t["id"]),
                "display_name": t["display_name"],
                "role": t["role"],
                "school_id": str(t["school_id"]),
                "email": t["email"],
            }
            for t in teachers
        ],
        "children": [
            {
                **child_to_api(c),
                "birth_date": c["birth_date"].isoformat() if c["birth_date"] else None,
                "has_account": c["user_id"] is not None,
                "guardians": c["guardians"],
            }
            for c in children
        ],
    }


async def profile(conn: Conn, user: User) -> dict[str, Any]:
    """What /api/me shows beside the user: school, classes, children."""
    school = await get_school(conn, user.school_id) if user.school_id else None
    if user.role == "director":
        classes = await conn.fetch(
            "SELECT id, name, school_id FROM classes WHERE school_id = $1 ORDER BY level_rank, name, id",
            user.school_id,
        )
    elif user.role == "teacher":
        classes = await conn.fetch(
            """SELECT c.id, c.name, c.school_id FROM classes c
               JOIN class_staff s ON s.class_id = c.id WHERE s.user_id = $1
               ORDER BY c.level_rank, c.name, c.id""",
            user.id,
        )
    elif user.role == "student":
        classes = await conn.fetch(
            """SELECT k.id, k.name, k.school_id FROM children c JOIN classes k ON k.id = c.class_id
               WHERE c.user_id = $1""",
            user.id,
        )
    elif user.role == "parent":
        # The classes of their children: the app names each child's class.
        classes = await conn.fetch(
            """SELECT DISTINCT k.id, k.name, k.school_id, k.level_rank FROM guardianships g
               JOIN children c ON c.id = g.child_id JOIN classes k ON k.id = c.class_id
               WHERE g.user_id = $1 ORDER BY k.level_rank, k.name, k.id""",
            user.id,
        )
    else:
        classes = []
    children = []
    if user.role == "parent":
        children = await conn.fetch(
            """SELECT c.id, c.first_name, c.last_name, c.class_id FROM guardianships g
               JOIN children c ON c.id = g.child_id WHERE g.user_id = $1
               ORDER BY c.birth_date NULLS LAST, c.first_name""",
            user.id,
        )
    extra: dict[str, Any] = {}
    if user.role == "student":
        # A pupil's own self as a child: the web app opens its cahier with it.
        own = await conn.fetchrow(
            "SELECT id, first_name, last_name, class_id FROM children WHERE user_id = $1", user.id
        )
        extra["child"] = child_to_api(own) if own else None
    return {
        "school": school_to_api(school) if school else None,
        "classes": [class_to_api(c) for c in classes],
        "children": [child_to_api(c) for c in children],
        **extra,
    }


# -- activation letters and pupil accounts -----------------------------------


async def letters(
    conn: Connection, school_id: UUID, activation_days: int, only: list[UUID] | None = None
) -> list[dict[str, Any]]:
    """Each guardian not yet activated, with their children and a fresh code;
    with `only`, just those guardians' letters (one family's, reprinted)."""
    rows = await conn.fetch(
        """SELECT u.id, u.display_name, u.login, u.email,
                  array_agg(c.first_name || ' ' || c.last_name || ' (' || k.name || ')'
                            ORDER BY c.first_name) AS children
           FROM users u
           JOIN guardianships g ON g.user_id = u.id
           JOIN children c ON c.id = g.child_id
           JOIN classes k ON k.id = c.class_id
           WHERE c.school_id = $1 AND u.role = 'parent' AND u.activated_at IS NULL
             AND ($2::uuid[] IS NULL OR u.id = ANY($2::uuid[]))
           GROUP BY u.id ORDER BY min(k.level_rank), min(k.name), u.last_name, u.first_name""",
        school_id,
        only,
    )
    staff = await conn.fetch(
        """SELECT u.id, u.display_name, u.login, u.email, w.role,
                  array_agg(k.name ORDER BY k.level_rank, k.name) FILTER (WHERE k.id IS NOT NULL) AS classes
           FROM school_staff w JOIN users u ON u.id = w.user_id
           LEFT JOIN class_staff s ON s.user_id = u.id
           LEFT JOIN classes k ON k.id = s.class_id AND k.school_id = w.school_id
           WHERE w.school_id = $1 AND u.activated_at IS NULL
             AND $2::uuid[] IS NULL  -- a family's letters only: no staff
           GROUP BY u.id, w.role ORDER BY u.display_name""",
        school_id,
        only,
    )
    everyone = [*rows, *staff]
    codes = await accounts.issue_activation_codes(conn, [r["id"] for r in everyone], activation_days)
    expires = dt.date.today() + dt.timedelta(days=activation_days)
    return [
        {
            "display_name": r["display_name"],
            "login": r["login"],
            "code": codes[r["id"]],
            "children": list(r["children"]) if "children" in r.keys() else [],
            "classes": list(r["classes"] or []) if "classes" in r.keys() else [],
            "staff": "role" in r.keys(),
            "expires": expires,
        }
        for r in everyone
        if r["id"] in codes
    ]


async def get_child(conn: Conn, child_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, school_id, class_id, first_name, last_name, user_id FROM children WHERE id = $1",
        child_id,
    )


async def teaches_class(conn: Conn, user_id: UUID, class_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM class_staff WHERE user_id = $1 AND class_id = $2", user_id, class_id
        )
    )


async def ensure_pupil_account(
    conn: Connection, child: asyncpg.Record, activation_days: int
) -> tuple[User, str | None, bool]:
    """The pupil's own account (created once) and a fresh code if not activated."""
    # Locked so that two teachers clicking at once create one account.
    user_id = await conn.fetchval("SELECT user_id FROM children WHERE id = $1 FOR UPDATE", child["id"])
    created = user_id is None
    if created:
        user = await accounts.create_user(
            conn,
            role="student",
            school_id=child["school_id"],
            first_name=child["first_name"],
            last_name=child["last_name"],
            display_name=child["first_name"],
        )
        await conn.execute("UPDATE children SET user_id = $2 WHERE id = $1", child["id"], user.id)
    else:
        existing = await accounts.get_user(conn, user_id)
        assert existing is not None  # children.user_id references users(id)
        user = existing
    codes = await accounts.issue_activation_codes(conn, [user.id], activation_days)
    return user, codes.get(user.id), created


# -- what other capabilities ask of the directory --------------------------------


async def guardians_of(conn: Conn, child_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    rows = await conn.fetch(
        "SELECT child_id, user_id FROM guardianships WHERE child_id = ANY($1::uuid[]) ORDER BY user_id",
        child_ids,
    )
    found: dict[UUID, list[UUID]] = {c: [] for c in child_ids}
    for row in rows:
        found[row["child_id"]].append(row["user_id"])
    return found


async def children_of_guardian(conn: Conn, user_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT c.id, c.school_id, c.class_id, c.first_name, c.last_name
           FROM guardianships g JOIN children c ON c.id = g.child_id
           WHERE g.user_id = $1 ORDER BY c.birth_date NULLS LAST, c.id""",
        user_id,
    )


async def staff_of_classes(conn: Conn, class_ids: list[UUID]) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT DISTINCT user_id FROM class_staff WHERE class_id = ANY($1::uuid[])", class_ids
    )
    return [r["user_id"] for r in rows]


async def directors_of(conn: Conn, school_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT user_id FROM school_staff WHERE school_id = $1 AND role = 'director' ORDER BY user_id",
        school_id,
    )
    return [r["user_id"] for r in rows]


async def classes_taught(conn: Conn, user_id: UUID) -> set[UUID]:
    rows = await conn.fetch("SELECT class_id FROM class_staff WHERE user_id = $1", user_id)
    return {r["class_id"] for r in rows}


async def school_classes(conn: Conn, school_id: UUID, class_ids: list[UUID] | None = None) -> list[UUID]:
    """The classes of the school (all, or those of `class_ids` that belong to it)."""
    rows = await conn.fetch(
        """SELECT id FROM classes WHERE school_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
           ORDER BY level_rank, name, id""",
        school_id,
        class_ids,
    )
    return [r["id"] for r in rows]


async def children_of_classes(conn: Conn, class_ids: list[UUID]) -> list[UUID]:
    rows = await conn.fetch("SELECT id FROM children WHERE class_id = ANY($1::uuid[]) ORDER BY id", class_ids)
    return [r["id"] for r in rows]


async def children_by_id(conn: Conn, child_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
    """These children with their class's name and rank in school order (a sign-up's
    list of families; which child a family's reply is filed under)."""
    rows = await conn.fetch(
        """SELECT c.id, c.first_name, c.last_name, c.class_id, k.name AS class_name,
                  k.level_rank AS class_rank
           FROM children c JOIN classes k ON k.id = c.class_id WHERE c.id = ANY($1::uuid[])""",
        child_ids,
    )
    return {r["id"]: r for r in rows}


async def children_in_school_order(conn: Conn, child_ids: list[UUID]) -> list[asyncpg.Record]:
    """These children with their class (`class_id`, `class_name`), class by class
    in school order (PS, MS… CM2, then the others), then by first and last name."""
    return await conn.fetch(
        """SELECT c.id, c.first_name, c.last_name, k.id AS class_id, k.name AS class_name
           FROM children c LEFT JOIN classes k ON k.id = c.class_id
           WHERE c.id = ANY($1::uuid[])
           ORDER BY k.level_rank, k.name, k.id, c.first_name, c.last_name, c.id""",
        child_ids,
    )


async def child_names(conn: Conn, child_ids: list[UUID]) -> dict[UUID, str]:
    rows = await conn.fetch(
        "SELECT id, first_name || ' ' || last_name AS name FROM children WHERE id = ANY($1::uuid[])",
        child_ids,
    )
    return {r["id"]: r["name"] for r in rows}
