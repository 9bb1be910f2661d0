"""What the directory does for the routes: gather the facts, ask `policy.py`,
read or write. Other capabilities read the directory through `store.py`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.core.people import User
from liaison.directory import policy, store
from liaison.directory.csv_import import RosterRow
from liaison.directory.policy import ClassAction, SchoolAction


async def profile(ctx: Context, user: User) -> dict[str, Any]:
    """What `/api/me` shows of the user's school, classes and children."""
    return await store.profile(ctx.pool, user)


# -- schools -----------------------------------------------------------------------


def check_creates_schools(user: User) -> None:
    """Go on only if the user may create schools (asked before the body is read)."""
    policy.enforce(policy.may_create_school(user))


async def create_school(ctx: Context, name: str, city: str, uai: str) -> dict[str, Any]:
    async with ctx.pool.acquire() as conn:
        try:
            school = await store.create_school(conn, name, city, uai)
        except store.DuplicateSchool:
            raise ApiError(
                409,
                ErrorCode.UAI_TAKEN,
                "Une école avec ce numéro UAI existe déjà.",
                fields={"uai": "Déjà utilisé."},
            ) from None
    return store.school_to_api(school)


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
) -> tuple[User, str]:
    """The new staff member and their activation code."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        user, _ = await store.add_staff(
            conn, school["id"], role=role, display_name=display_name, email=email, class_names=class_names
        )
        codes = await accounts.issue_activation_codes(conn, [user.id], ctx.settings.activation_days)
    return user, codes[user.id]


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
