"""Seed the demo school on the first start of `liaison run` (an empty database).

The demo goes through the same code as a real school: staff are added with
`add_staff` and families come from the roster CSV through the importer; only
the passwords are set directly, so every demo account can sign in at once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from liaison.accounts import passwords
from liaison.calendar import store as calendar
from liaison.calendar.days import DEFAULT_WEEK
from liaison.demo import school as demo
from liaison.demo import territory
from liaison.directory import store as directory
from liaison.directory.csv_import import parse_roster
from liaison.storage.db import Connection


@dataclass(frozen=True)
class DemoLogin:
    who: str
    login: str


async def needs_seed(conn: Connection) -> bool:
    return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM schools)")


async def seed(conn: Connection, activation_days: int = 60) -> list[DemoLogin]:
    password_hash = passwords.hash_password_sync(demo.DEMO_PASSWORD)  # one hash for all demo accounts
    async with conn.transaction():
        school = await directory.create_school(conn, **demo.DEMO_SCHOOL)
        await _staff_and_calendar(conn, school["id"], demo.demo_staff(), password_hash)
        rows = parse_roster(demo.demo_roster_csv())
        result = await directory.import_roster(conn, school["id"], rows, activation_days)
        # Families without an email stay to be activated from their paper
        # letter, as in a real school: the letters page has something to show.
        with_email = await conn.fetch(
            "SELECT id FROM users WHERE id = ANY($1::uuid[]) AND email IS NOT NULL",
            [g["user_id"] for g in result.guardians],
        )
        guardian_ids = [r["id"] for r in with_email]
        await conn.execute(
            """UPDATE users SET password_hash = $2, activated_at = now()
               WHERE id = ANY($1::uuid[])""",
            guardian_ids,
            password_hash,
        )
        await conn.execute("DELETE FROM activation_codes WHERE user_id = ANY($1::uuid[])", guardian_ids)
        await _seed_territory(conn, school["id"], password_hash, activation_days)
    return await demo_logins(conn)


async def _staff_and_calendar(
    conn: Connection, school_id: UUID, staff: Sequence[demo.DemoStaff], password_hash: str
) -> None:
    """A demo school's staff, each with their fixed login, and its calendar:
    the Lyon area is in holiday zone A, with the common four-day week."""
    for member in staff:
        await directory.add_staff(
            conn,
            school_id,
            role=member.role,
            display_name=member.display_name,
            first_name=member.first_name,
            last_name=member.last_name,
            email=None,
            class_names=list(member.class_names),
            login=member.login,
            password_hash=password_hash,
        )
    await calendar.save_calendar(conn, school_id, zone="A", week=DEFAULT_WEEK, closures=[], by=None)


async def _seed_territory(
    conn: Connection, school_id: UUID, password_hash: str, activation_days: int
) -> None:
    """Jules-Ferry's circonscription, and a second one with the RPI of three
    village schools, each imported from its own roster; the team account."""
    circonscriptions = [
        (await directory.create_circonscription(conn, name))["id"] for name in territory.CIRCONSCRIPTIONS
    ]
    await directory.move_school(conn, school_id, circonscriptions[0])
    rng = random.Random(territory.SEED)
    village_ids = []
    for village in territory.VILLAGE_SCHOOLS:
        created = await directory.create_school(conn, village.name, village.city, village.uai)
        village_ids.append(created["id"])
        await directory.move_school(conn, created["id"], circonscriptions[1])
        await _staff_and_calendar(conn, created["id"], village.staff, password_hash)
        result = await directory.import_roster(
            conn, created["id"], parse_roster(territory.rpi_roster_csv(village)), activation_days
        )
        # Villages adopt at their own pace: some families with an email have
        # not activated yet (their letter waits in the school bag).
        pending = [g["user_id"] for g in result.guardians if g["activation_code"] is not None]
        with_email = await conn.fetch(
            "SELECT id FROM users WHERE id = ANY($1::uuid[]) AND email IS NOT NULL ORDER BY login", pending
        )
        featured = territory.featured_family()[2]
        chosen = [r["id"] for r in with_email if rng.random() < village.activation]
        chosen += [r["id"] for r in await conn.fetch("SELECT id FROM users WHERE email = $1", featured)]
        await conn.execute(
            "UPDATE users SET password_hash = $2, activated_at = now() WHERE id = ANY($1::uuid[])",
            chosen,
            password_hash,
        )
        await conn.execute("DELETE FROM activation_codes WHERE user_id = ANY($1::uuid[])", chosen)
    await directory.create_rpi(conn, territory.RPI_NAME, village_ids)
    for team_member in territory.TEAM:
        await directory.add_circonscription_staff(
            conn,
            circonscriptions[team_member.circonscription],
            display_name=team_member.display_name,
            email=None,
            login=team_member.login,
            password_hash=password_hash,
        )


async def demo_logins(conn: Connection) -> list[DemoLogin]:
    """A few accounts to try, when the demo school is in this database."""
    school_id = await conn.fetchval("SELECT id FROM schools WHERE uai = $1", demo.DEMO_SCHOOL["uai"])
    if school_id is None:
        return []
    staff = [m for m in demo.demo_staff()]
    shown = [m for m in staff if m.role == "director"] + [m for m in staff if m.role == "teacher"][:2]
    logins = [
        DemoLogin(
            f"{'directrice' if m.role == 'director' else 'enseignant·e'} ({', '.join(m.class_names)})",
            m.login,
        )
        for m in shown
    ]
    first, last, email = demo.demo_featured_parent()
    parent = await conn.fetchval(
        """SELECT u.login FROM guardian_identities g JOIN users u ON u.id = g.user_id
           WHERE g.school_id = $1 AND g.identity_key = $2""",
        school_id,
        directory.guardian_identity_key(first, last, email),
    )
    if parent:
        logins.append(DemoLogin("parent de deux enfants (deux classes)", parent))
    village_parent = await conn.fetchval(
        "SELECT login FROM users WHERE email = $1 AND role = 'parent'", territory.featured_family()[2]
    )
    if village_parent:
        logins.append(DemoLogin("parent à la maternelle et à l'élémentaire (RPI)", village_parent))
    village_director = territory.VILLAGE_SCHOOLS[0].staff[0]
    logins.append(DemoLogin("directrice de la maternelle du RPI", village_director.login))
    for team_member in territory.TEAM:
        logins.append(DemoLogin(f"équipe de circonscription ({team_member.display_name})", team_member.login))
    return logins


def directors() -> list[str]:
    """The login of each demo school's director (the activity writes as them)."""
    first = next(m.login for m in demo.demo_staff() if m.role == "director")
    return [first, *(school.staff[0].login for school in territory.VILLAGE_SCHOOLS)]


__all__ = ["DemoLogin", "needs_seed", "seed"]
