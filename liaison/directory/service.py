"""What the directory does for the routes: gather the facts, ask `policy.py`,
read or write. Other capabilities read the directory through `store.py`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.people import User
from liaison.directory import policy, store
from liaison.directory.csv_import import RosterRow
from liaison.directory.policy import ClassAction, SchoolAction
from liaison.messaging import store as messaging
from liaison.storage.db import Conn, Connection


async def profile(ctx: Context, user: User) -> dict[str, Any]:
    """What `/api/me` shows of the user's school, classes and children."""
    return await store.profile(ctx.pool, user)


# -- schools -----------------------------------------------------------------------


def check_creates_schools(user: User) -> None:
    """Go on only if the user may create schools (asked before the body is read)."""
    policy.enforce(policy.may_create_school(user))


async def create_school(
    ctx: Context, name: str, city: str, uai: str, circonscription_id: UUID | None = None
) -> dict[str, Any]:
    async with ctx.pool.acquire() as conn, conn.transaction():
        try:
            school = await store.create_school(conn, name, city, uai)
            if circonscription_id is not None:
                moved = await store.move_school(conn, school["id"], circonscription_id)
                assert moved is not None  # created just above
                school = moved
        except store.DuplicateSchool:
            raise ApiError(
                409,
                ErrorCode.UAI_TAKEN,
                "Une école avec ce numéro UAI existe déjà.",
                fields={"uai": "Déjà utilisé."},
            ) from None
        except store.UnknownCirconscription:
            raise _unknown_circonscription() from None
    return store.school_to_api(school)


def _unknown_circonscription() -> ApiError:
    return invalid({"circonscription_id": "Circonscription inconnue."})


async def open_school(ctx: Context, user: User, school_id: UUID, action: SchoolAction) -> asyncpg.Record:
    """The school, once the policy lets the user act on it."""
    policy.enforce(policy.school_decision(user, school_id, action))
    school = await store.get_school(ctx.pool, school_id)
    if school is None:
        raise not_found()
    return school


async def add_staff(
    ctx: Context,
    school: asyncpg.Record,
    *,
    role: str,
    display_name: str,
    email: str | None,
    class_names: list[str],
) -> tuple[User, str | None, bool]:
    """The staff member, their activation code, and whether the account
    already existed: the address of a director or teacher of another school
    gives that person the role here too (one account, no new letter); the
    address of any other account is refused (409)."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.lock_school(conn, school["id"])
        known = await store.accounts_with_email(conn, email) if email else []
        match = policy.staff_email_match([r["role"] for r in known])
        if match is policy.StaffMatch.REFUSED:
            raise ApiError(
                409,
                ErrorCode.CONFLICT,
                "Cette adresse est celle d'un compte qui n'est pas celui d'un membre d'une équipe "
                "d'école (une famille, une circonscription) : donnez une autre adresse.",
                fields={"email": "Adresse déjà utilisée par un autre compte."},
            )
        if match is policy.StaffMatch.SAME_ACCOUNT:
            staff_id = next(r["id"] for r in known if r["role"] in ("director", "teacher"))
            user, _ = await store.add_staff_role(conn, school["id"], staff_id, role, class_names)
            return user, None, True
        user, _ = await store.add_staff(
            conn, school["id"], role=role, display_name=display_name, email=email, class_names=class_names
        )
        codes = await accounts.issue_activation_codes(conn, [user.id], ctx.settings.activation_days)
    return user, codes[user.id], False


async def import_roster(ctx: Context, school: asyncpg.Record, rows: list[RosterRow]) -> dict[str, Any]:
    async with ctx.pool.acquire() as conn, conn.transaction():
        result = await store.import_roster(conn, school["id"], rows, ctx.settings.activation_days)
    return result.to_api()


async def activation_letters(
    ctx: Context, school: asyncpg.Record, *, guardian_id: UUID | None = None, child_id: UUID | None = None
) -> list[dict[str, Any]]:
    """Each guardian not activated yet, with their children and a fresh code; or
    only one family's: that guardian's letter, or those of the child's guardians
    (a letter lost in a schoolbag). Codes are kept as hashes, so a letter always
    carries a fresh code; the earlier ones stay valid until they expire."""
    only = None
    if guardian_id is not None:
        children = await store.children_of_guardian(ctx.pool, guardian_id)
        if not any(c["school_id"] == school["id"] for c in children):
            raise not_found()
        only = [guardian_id]
    elif child_id is not None:
        child = await store.get_child(ctx.pool, child_id)
        if child is None or child["school_id"] != school["id"]:
            raise not_found()
        only = (await store.guardians_of(ctx.pool, [child_id])).get(child_id, [])
    async with ctx.pool.acquire() as conn, conn.transaction():
        return await store.letters(conn, school["id"], ctx.settings.activation_days, only)


# -- classes and children --------------------------------------------------------------


async def class_members(ctx: Context, user: User, class_id: UUID) -> dict[str, Any]:
    klass = await store.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    policy.enforce(policy.class_decision(user, klass["school_id"], ClassAction.VIEW_MEMBERS))
    return await store.class_members(ctx.pool, klass)


async def pupil_account(ctx: Context, user: User, child_id: UUID) -> tuple[User, str | None, bool]:
    """The pupil's own account, a fresh code unless it is activated, and
    whether it was created now."""
    child = await store.get_child(ctx.pool, child_id)
    if child is None:
        raise not_found()
    teaches = await store.teaches_class(ctx.pool, user.id, child["class_id"])
    policy.enforce(policy.child_account_decision(user, child["school_id"], teaches))
    async with ctx.pool.acquire() as conn, conn.transaction():
        return await store.ensure_pupil_account(conn, child, ctx.settings.activation_days)


# -- the territory ------------------------------------------------------------------------
# The functions taking `conn` (a pool or a connection) serve the routes and the
# demo's seeding alike; the routes ask `check_manages_territory` first.


def check_manages_territory(user: User) -> None:
    policy.enforce(policy.may_manage_territory(user))


@contextlib.asynccontextmanager
async def _transaction(conn: Conn) -> AsyncIterator[Connection]:
    """A transaction on this connection, or on one of this pool."""
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as held, held.transaction():
            yield held
    else:
        async with conn.transaction():
            yield conn


async def create_circonscription(conn: Conn, name: str) -> dict[str, Any]:
    """`{"id", "name"}`; 409 when one of that name exists (without case or accents)."""
    try:
        row = await store.create_circonscription(conn, name)
    except store.DuplicateName:
        raise ApiError(
            409,
            ErrorCode.CONFLICT,
            "Une circonscription de ce nom existe déjà.",
            fields={"name": "Déjà utilisé."},
        ) from None
    return {"id": str(row["id"]), "name": row["name"]}


async def circonscriptions(ctx: Context, user: User) -> list[dict[str, Any]]:
    scope = policy.circonscriptions_scope(user)
    if isinstance(scope, policy.Decision):
        policy.enforce(scope)
        return []
    return await store.circonscriptions(ctx.pool, None if scope.everything else sorted(scope.ids))


async def open_circonscription(conn: Conn, circonscription_id: UUID) -> asyncpg.Record:
    found = await store.get_circonscription(conn, circonscription_id)
    if found is None:
        raise not_found()
    return found


async def add_circonscription_staff(
    conn: Conn, circonscription_id: UUID, display_name: str, email: str | None, activation_days: int
) -> tuple[User, str]:
    """A member of the circonscription's team (role `circonscription`) and
    their activation code; 404 for an unknown circonscription."""
    async with _transaction(conn) as held:
        await open_circonscription(held, circonscription_id)
        user = await store.add_circonscription_staff(
            held, circonscription_id, display_name=display_name, email=email
        )
        codes = await accounts.issue_activation_codes(held, [user.id], activation_days)
    return user, codes[user.id]


async def circonscription_letters(
    ctx: Context, circonscription_id: UUID
) -> tuple[asyncpg.Record, list[dict[str, Any]]]:
    async with ctx.pool.acquire() as conn, conn.transaction():
        found = await open_circonscription(conn, circonscription_id)
        return found, await store.circonscription_letters(
            conn, circonscription_id, ctx.settings.activation_days
        )


async def move_school(conn: Conn, school_id: UUID, circonscription_id: UUID | None) -> dict[str, Any]:
    """The school in that circonscription (None: in none); 404 unknown school,
    422 unknown circonscription."""
    try:
        row = await store.move_school(conn, school_id, circonscription_id)
    except store.UnknownCirconscription:
        raise _unknown_circonscription() from None
    if row is None:
        raise not_found()
    return store.school_to_api(row)


async def schools(ctx: Context, user: User) -> list[dict[str, Any]]:
    """Every school for the admin, a circonscription's for its team."""
    scope = policy.circonscriptions_scope(user)
    if isinstance(scope, policy.Decision):
        policy.enforce(scope)
        return []
    return await store.schools(ctx.pool, None if scope.everything else sorted(scope.ids))


async def school_overview(ctx: Context, user: User, school_id: UUID) -> dict[str, Any]:
    """A school and its classes with counts, never a name of a child or family."""
    school = await store.get_school(ctx.pool, school_id)
    circonscription_id = school["circonscription_id"] if school else None
    policy.enforce(policy.school_overview_decision(user, school_id, circonscription_id))
    if school is None:
        raise not_found()
    return {
        "school": store.school_to_api(school),
        "classes": await store.school_overview(ctx.pool, school_id),
    }


async def create_rpi(conn: Conn, name: str, school_ids: list[UUID]) -> dict[str, Any]:
    """`{"id", "name", "school_ids"}`; 422 an unknown school, 409 a school
    already in another RPI; nothing written then."""
    try:
        async with _transaction(conn) as held:
            return await store.create_rpi(held, name, school_ids)
    except store.UnknownSchools:
        raise invalid({"school_ids": "École inconnue."}) from None
    except store.SchoolInAnotherRpi:
        raise ApiError(
            409,
            ErrorCode.CONFLICT,
            "Une de ces écoles fait déjà partie d'un autre RPI.",
            fields={"school_ids": "École déjà dans un RPI."},
        ) from None


async def rpis(ctx: Context, user: User) -> list[dict[str, Any]]:
    scope = policy.rpis_scope(user)
    if isinstance(scope, policy.Decision):
        policy.enforce(scope)
        return []
    return await store.rpis(ctx.pool, None if scope.everything else sorted(scope.ids))


# -- one person, one account --------------------------------------------------------------

UNKNOWN_CODE_MESSAGE = "Ce code d'activation est inconnu, expiré ou déjà utilisé."


async def link_letter(ctx: Context, user: User, code: str) -> list[dict[str, Any]]:
    """Join another school's letter to the user's family account: the letter's
    children become theirs, the letter's account (never activated) goes and its
    codes with it. 404 `unknown_code` for a code unknown, used or expired; 422
    for a staff member's, one's own, or a co-parent's; nothing written then.
    Returns every child of the user."""
    policy.enforce(policy.link_decision(user))
    async with ctx.pool.acquire() as conn, conn.transaction():
        target = await accounts.consume_activation_code(conn, code)
        if target is None:
            raise ApiError(404, ErrorCode.UNKNOWN_CODE, UNKNOWN_CODE_MESSAGE)
        shares = await store.shares_a_child(conn, user.id, target.id)
        problem = policy.link_problem(user, target.id, target.role, shares)
        if problem is not None:
            raise invalid({"code": problem}, problem)
        await store.move_guardian(conn, target.id, user.id)
        await messaging.hand_over_memberships(conn, target.id, user.id)
        await accounts.close_account(conn, target.id)
        children: list[dict[str, Any]] = (await store.profile(conn, user))["children"]
    return children
