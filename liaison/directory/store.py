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
from liaison.directory import policy
from liaison.directory.csv_import import (
    ChildKey,
    GuardianKey,
    RosterRow,
    child_key,
    class_key,
    guardian_key,
    identity_text,
)
from liaison.storage.db import Conn, Connection


class DuplicateSchool(Exception):
    pass


class UnknownCirconscription(Exception):
    pass


class DuplicateName(Exception):
    """A circonscription of that name (without case or accents) exists."""


class UnknownSchools(Exception):
    """Some schools named do not exist."""


class SchoolInAnotherRpi(Exception):
    """A school named already belongs to an RPI."""


def _key_text(key: ChildKey | GuardianKey) -> str:
    return "|".join("" if part is None else str(part) for part in key)


def _id(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def school_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "city": row["city"],
        "uai": row["uai"],
        "circonscription_id": _id(row["circonscription_id"]),
        "rpi_id": _id(row["rpi_id"]),
    }


def class_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "school_id": str(row["school_id"])}


def child_to_api(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "display_name": f"{row['first_name']} {row['last_name']}",
        "class_id": str(row["class_id"]),
        "school_id": str(row["school_id"]),
    }


# -- schools and classes -----------------------------------------------------


# A school with its circonscription and its RPI (null when none).
_SCHOOL_COLUMNS = (
    "s.id, s.name, s.city, s.uai, s.circonscription_id,"
    " (SELECT r.rpi_id FROM rpi_schools r WHERE r.school_id = s.id) AS rpi_id"
)


async def create_school(conn: Connection, name: str, city: str, uai: str) -> asyncpg.Record:
    """In no circonscription (`move_school` puts it in one). Raises DuplicateSchool."""
    row = await conn.fetchrow(
        f"""WITH s AS (INSERT INTO schools (name, city, uai) VALUES ($1, $2, $3)
                       ON CONFLICT (uai) DO NOTHING RETURNING *)
            SELECT {_SCHOOL_COLUMNS} FROM s""",
        name,
        city,
        uai,
    )
    if row is None:
        raise DuplicateSchool(uai)
    return row


async def get_school(conn: Conn, school_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_SCHOOL_COLUMNS} FROM schools s WHERE s.id = $1", school_id)


async def schools_by_id(conn: Conn, school_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {_SCHOOL_COLUMNS} FROM schools s WHERE s.id = ANY($1::uuid[])", school_ids
    )
    return {r["id"]: r for r in rows}


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
    """A new account, staff of the school, with these classes."""
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
    return await add_staff_role(conn, school_id, user.id, role, class_names)


async def accounts_with_email(conn: Conn, email: str) -> list[asyncpg.Record]:
    """The accounts holding this address (without case), oldest first."""
    return await conn.fetch(
        "SELECT id, role FROM users WHERE lower(email) = lower($1) ORDER BY created_at, id", email
    )


async def add_staff_role(
    conn: Connection, school_id: UUID, user_id: UUID, role: str, class_names: list[str]
) -> tuple[User, list[asyncpg.Record]]:
    """The person is staff of the school, with these classes (their role in a
    school where they already were stays as it was)."""
    await conn.execute(
        """INSERT INTO school_staff (user_id, school_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, school_id) DO NOTHING""",
        user_id,
        school_id,
        role,
    )
    classes: list[asyncpg.Record] = []
    if class_names:
        by_key, _ = await ensure_classes(conn, school_id, class_names)
        classes = list(by_key.values())
        await conn.execute(
            """INSERT INTO class_staff (class_id, user_id)
               SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING""",
            [c["id"] for c in classes],
            user_id,
        )
    user = await accounts.get_user(conn, user_id)
    assert user is not None
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
    # An account of another school (one person, one account) gets no letter
    # here: the school that opened it gave one.
    codes = await accounts.issue_activation_codes(
        conn, [g.id for g in ordered if g.school_id == school_id], activation_days
    )
    result.guardians = [
        {
            "user_id": str(g.id),
            "display_name": g.display_name,
            "login": g.login,
            "activation_code": codes.get(g.id),
            "existing_account": g.school_id != school_id,
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
    elsewhere = await _known_elsewhere(
        conn, school_id, {k: row for k, row in unique.items() if k not in guardians}
    )
    guardians.update(elsewhere)
    matched = list(elsewhere)
    if matched:
        await conn.execute(
            """INSERT INTO guardian_identities (school_id, identity_key, user_id)
               SELECT $1, * FROM unnest($2::text[], $3::uuid[])""",
            school_id,
            matched,
            [guardians[key].id for key in matched],
        )
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


async def _known_elsewhere(conn: Connection, school_id: UUID, rows: dict[str, RosterRow]) -> dict[str, User]:
    """The guardians of these rows (by identity key) who already have a family
    account through another school: same address, without case, and the
    names `policy.guardian_match` asks for."""
    emails = sorted({row.guardian_email.lower() for row in rows.values() if row.guardian_email})
    if not emails:
        return {}
    found = await conn.fetch(
        """SELECT id, login, role, school_id, display_name, first_name, last_name, email,
                  circonscription_id, stream_id, lower(email) AS email_key
           FROM users u
           WHERE lower(email) = ANY($2::text[]) AND role = 'parent'
             AND NOT EXISTS (SELECT 1 FROM guardian_identities g WHERE g.user_id = u.id AND g.school_id = $1)
             AND EXISTS (SELECT 1 FROM guardian_identities g WHERE g.user_id = u.id)""",
        school_id,
        emails,
    )
    by_email: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for record in found:
        by_email[record["email_key"]].append(record)
    matches: dict[str, User] = {}
    for key, row in rows.items():
        candidates = by_email.get((row.guardian_email or "").lower(), [])
        known = [
            policy.KnownGuardian(c["id"], identity_text(c["first_name"]), identity_text(c["last_name"]))
            for c in candidates
        ]
        chosen = policy.guardian_match(
            identity_text(row.guardian_first_name), identity_text(row.guardian_last_name), known
        )
        if chosen is not None:
            matches[key] = next(User.from_row(c) for c in candidates if c["id"] == chosen)
    return matches


# -- reading the directory ---------------------------------------------------


async def class_members(conn: Conn, klass: asyncpg.Record) -> dict[str, Any]:
    teachers = await conn.fetch(
        """SELECT u.id, u.display_name, u.role, u.school_id, u.email
           FROM class_staff s JOIN users u ON u.id = s.user_id
           WHERE s.class_id = $1 ORDER BY u.display_name""",
        klass["id"],
    )
    children = await conn.fetch(
        """SELECT c.id, c.first_name, c.last_name, c.class_id, c.school_id, c.birth_date, c.user_id,
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
    """What /api/me shows beside the user: their first school and every school
    where they have a role or a child, the classes of each (every class of a
    school they direct, those they teach, their children's), every child."""
    school_ids = list(user.school_ids)
    schools = await schools_by_id(conn, school_ids) if school_ids else {}
    directed = [school for school, role in user.schools if role == "director"]
    classes = await conn.fetch(
        """SELECT DISTINCT k.id, k.name, k.school_id, k.level_rank FROM classes k
           WHERE k.school_id = ANY($2::uuid[])
              OR k.id IN (SELECT class_id FROM class_staff WHERE user_id = $1)
              OR k.id IN (SELECT c.class_id FROM guardianships g JOIN children c ON c.id = g.child_id
                          WHERE g.user_id = $1)
              OR k.id IN (SELECT class_id FROM children WHERE user_id = $1)""",
        user.id,
        directed,
    )
    order = {school: rank for rank, school in enumerate(school_ids)}
    classes = sorted(
        classes, key=lambda k: (order.get(k["school_id"], len(order)), k["level_rank"], k["name"], k["id"])
    )
    children = await conn.fetch(
        """SELECT c.id, c.first_name, c.last_name, c.class_id, c.school_id FROM guardianships g
           JOIN children c ON c.id = g.child_id WHERE g.user_id = $1
           ORDER BY c.birth_date NULLS LAST, c.first_name, c.id""",
        user.id,
    )
    extra: dict[str, Any] = {}
    if user.role == "student":
        # A pupil's own self as a child: the web app opens its cahier with it.
        own = await conn.fetchrow(
            "SELECT id, first_name, last_name, class_id, school_id FROM children WHERE user_id = $1", user.id
        )
        extra["child"] = child_to_api(own) if own else None
    first = schools.get(user.school_id) if user.school_id else None
    return {
        "school": school_to_api(first) if first else None,
        "schools": [school_to_api(schools[s]) for s in school_ids if s in schools],
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
             AND u.school_id = $1  -- a family of another school first got its letter there
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
           WHERE w.school_id = $1 AND u.activated_at IS NULL AND u.school_id = $1
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


# -- the territory: circonscriptions, RPIs, schools moved between them ------------------


async def create_circonscription(conn: Conn, name: str) -> asyncpg.Record:
    """Raises DuplicateName when one of that name exists (without case or accents)."""
    row = await conn.fetchrow(
        """INSERT INTO circonscriptions (name, name_key) VALUES ($1, $2)
           ON CONFLICT (name_key) DO NOTHING RETURNING id, name""",
        name,
        identity_text(name),
    )
    if row is None:
        raise DuplicateName(name)
    return row


async def get_circonscription(conn: Conn, circonscription_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, name FROM circonscriptions WHERE id = $1", circonscription_id)


async def circonscriptions(conn: Conn, ids: list[UUID] | None) -> list[dict[str, Any]]:
    """Every circonscription (`ids` None) or these, by name, with their schools."""
    rows = await conn.fetch(
        """SELECT c.id, c.name,
                  coalesce(array_agg(s.id ORDER BY s.name, s.id) FILTER (WHERE s.id IS NOT NULL), '{}')
                      AS school_ids
           FROM circonscriptions c LEFT JOIN schools s ON s.circonscription_id = c.id
           WHERE $1::uuid[] IS NULL OR c.id = ANY($1::uuid[])
           GROUP BY c.id ORDER BY c.name, c.id""",
        ids,
    )
    return [
        {"id": str(r["id"]), "name": r["name"], "school_ids": [str(s) for s in r["school_ids"]]} for r in rows
    ]


async def add_circonscription_staff(
    conn: Connection,
    circonscription_id: UUID,
    *,
    display_name: str,
    email: str | None,
    login: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A member of the circonscription's team (a login derived from the name
    unless given; a password only for the demo, the others get a letter)."""
    return await accounts.create_user(
        conn,
        role="circonscription",
        school_id=None,
        display_name=display_name,
        first_name=display_name,
        email=email,
        login=login,
        password_hash=password_hash,
        circonscription_id=circonscription_id,
    )


async def circonscription_letters(
    conn: Connection, circonscription_id: UUID, activation_days: int
) -> list[dict[str, Any]]:
    """A letter with a fresh code for each of the team not activated yet."""
    rows = await conn.fetch(
        """SELECT id, display_name, login FROM users
           WHERE role = 'circonscription' AND circonscription_id = $1 AND activated_at IS NULL
           ORDER BY display_name, id""",
        circonscription_id,
    )
    codes = await accounts.issue_activation_codes(conn, [r["id"] for r in rows], activation_days)
    expires = dt.date.today() + dt.timedelta(days=activation_days)
    return [
        {"display_name": r["display_name"], "login": r["login"], "code": codes[r["id"]], "children": [],
         "classes": [], "staff": True, "team": True, "expires": expires}
        for r in rows
        if r["id"] in codes
    ]  # fmt: skip


async def move_school(conn: Conn, school_id: UUID, circonscription_id: UUID | None) -> asyncpg.Record | None:
    """The school, now in that circonscription (None: in none); None for an
    unknown school. Raises UnknownCirconscription."""
    try:
        row = await conn.fetchrow(
            f"""WITH s AS (UPDATE schools SET circonscription_id = $2 WHERE id = $1 RETURNING *)
                SELECT {_SCHOOL_COLUMNS} FROM s""",
            school_id,
            circonscription_id,
        )
    except asyncpg.ForeignKeyViolationError:
        raise UnknownCirconscription(circonscription_id) from None
    return row


async def schools(conn: Conn, circonscription_ids: list[UUID] | None) -> list[dict[str, Any]]:
    """Every school (None) or those of these circonscriptions, by name."""
    rows = await conn.fetch(
        f"""SELECT {_SCHOOL_COLUMNS} FROM schools s
            WHERE $1::uuid[] IS NULL OR s.circonscription_id = ANY($1::uuid[])
            ORDER BY s.name, s.id""",
        circonscription_ids,
    )
    return [school_to_api(r) for r in rows]


async def school_overview(conn: Conn, school_id: UUID) -> list[dict[str, Any]]:
    """The school's classes with counts only: children, families (a child with
    at least one guardian), families with an activated guardian, teachers."""
    rows = await conn.fetch(
        """SELECT k.id, k.name, k.school_id,
                  (SELECT count(*) FROM children c WHERE c.class_id = k.id) AS children,
                  (SELECT count(*) FROM children c WHERE c.class_id = k.id
                     AND EXISTS (SELECT 1 FROM guardianships g WHERE g.child_id = c.id)) AS families,
                  (SELECT count(*) FROM children c WHERE c.class_id = k.id
                     AND EXISTS (SELECT 1 FROM guardianships g JOIN users u ON u.id = g.user_id
                                 WHERE g.child_id = c.id AND u.activated_at IS NOT NULL))
                      AS families_activated,
                  (SELECT count(*) FROM class_staff s WHERE s.class_id = k.id) AS teachers
           FROM classes k WHERE k.school_id = $1 ORDER BY k.level_rank, k.name, k.id""",
        school_id,
    )
    return [
        {**class_to_api(r), "children": r["children"], "families": r["families"],
         "families_activated": r["families_activated"], "teachers": r["teachers"]}
        for r in rows
    ]  # fmt: skip


async def create_rpi(conn: Connection, name: str, school_ids: list[UUID]) -> dict[str, Any]:
    """Raises UnknownSchools, SchoolInAnotherRpi (nothing written: the caller's
    transaction rolls back)."""
    known = await conn.fetch("SELECT id FROM schools WHERE id = ANY($1::uuid[]) FOR UPDATE", school_ids)
    if len(known) != len(set(school_ids)):
        raise UnknownSchools()
    rpi_id = await conn.fetchval("INSERT INTO rpis (name) VALUES ($1) RETURNING id", name)
    taken = await conn.fetch(
        """INSERT INTO rpi_schools (rpi_id, school_id) SELECT $1, unnest($2::uuid[])
           ON CONFLICT (school_id) DO NOTHING RETURNING school_id""",
        rpi_id,
        school_ids,
    )
    if len(taken) != len(set(school_ids)):
        raise SchoolInAnotherRpi()
    return {"id": str(rpi_id), "name": name, "school_ids": [str(s) for s in dict.fromkeys(school_ids)]}


async def rpis(conn: Conn, of_schools: list[UUID] | None) -> list[dict[str, Any]]:
    """Every RPI (None) or those with one of these schools, by name."""
    rows = await conn.fetch(
        """SELECT r.id, r.name, array_agg(x.school_id ORDER BY s.name, s.id) AS school_ids
           FROM rpis r JOIN rpi_schools x ON x.rpi_id = r.id JOIN schools s ON s.id = x.school_id
           WHERE $1::uuid[] IS NULL
              OR r.id IN (SELECT rpi_id FROM rpi_schools WHERE school_id = ANY($1::uuid[]))
           GROUP BY r.id ORDER BY r.name, r.id""",
        of_schools,
    )
    return [
        {"id": str(r["id"]), "name": r["name"], "school_ids": [str(s) for s in r["school_ids"]]} for r in rows
    ]


# -- one person, one account: a letter of another school joined to an account -----------


async def shares_a_child(conn: Conn, user_id: UUID, other_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT 1 FROM guardianships a JOIN guardianships b ON b.child_id = a.child_id
               WHERE a.user_id = $1 AND b.user_id = $2""",
            user_id,
            other_id,
        )
    )


async def move_guardian(conn: Connection, from_id: UUID, to_id: UUID) -> list[UUID]:
    """The children (and the identities the rosters know) of one family account
    go to another; returns those children."""
    moved = await conn.fetch(
        """INSERT INTO guardianships (child_id, user_id, relationship)
           SELECT child_id, $2, relationship FROM guardianships WHERE user_id = $1
           ON CONFLICT (child_id, user_id) DO NOTHING RETURNING child_id""",
        from_id,
        to_id,
    )
    await conn.execute("DELETE FROM guardianships WHERE user_id = $1", from_id)
    await conn.execute("UPDATE guardian_identities SET user_id = $2 WHERE user_id = $1", from_id, to_id)
    return [r["child_id"] for r in moved]
