"""What accounts do for the routes: sessions, activation, preferences.

Reading credentials on each request is `auth.py`'s; the routes keep the HTTP
(the cookie, the rate limits) and call these.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from liaison.accounts import passwords, store
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User


class UnknownCode(Exception):
    """An activation code unknown, expired or already used: nothing was written."""


async def open_session(ctx: Context, user: User) -> str:
    """A new session's token."""
    token, _ = await store.create_session(ctx.pool, user.id, ctx.settings.session_days)
    return token


async def close_session(ctx: Context, token_hash: bytes) -> None:
    await store.delete_session(ctx.pool, token_hash)


async def check_password(ctx: Context, login: str, password: str) -> User | None:
    """The user this login and password are of, else None. The password is
    checked even for an unknown login, so the time taken does not tell."""
    found = await store.credentials_for_login(ctx.pool, login)
    user, password_hash = found if found else (None, None)
    if not await passwords.verify_password(password_hash, password) or user is None:
        return None
    return user


async def activate(ctx: Context, code: str, password: str) -> User:
    """Use the code and set the password, both or neither: a weak password
    (422) leaves the code usable. Raises UnknownCode."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        user = await store.consume_activation_code(conn, code)
        if user is None:
            raise UnknownCode()
        problem = passwords.password_problem(password, login=user.login)
        if problem:
            # Raising rolls the transaction back: the code stays usable.
            raise ApiError(422, ErrorCode.WEAK_PASSWORD, problem, fields={"password": problem})
        await store.set_password(conn, user.id, await passwords.hash_password(password))
    return user


# -- preferences ---------------------------------------------------------------


class Keep(enum.Enum):
    KEEP = "keep"


KEEP = Keep.KEEP  # a preference left as it is


def preferences_to_api(prefs: dict[str, Any]) -> dict[str, Any]:
    quiet = None
    if prefs["quiet_start"] is not None:
        quiet = {
            "start": prefs["quiet_start"].strftime("%H:%M"),
            "end": prefs["quiet_end"].strftime("%H:%M"),
        }
    return {"email": prefs["email"], "push": prefs["push"], "quiet_hours": quiet}


async def preferences(ctx: Context, user: User) -> dict[str, Any]:
    return preferences_to_api(await store.get_preferences(ctx.pool, user.id))


async def change_preferences(
    ctx: Context,
    user: User,
    *,
    email: str | None = None,
    push: bool | None = None,
    quiet_hours: tuple[dt.time, dt.time] | Keep | None = KEEP,
) -> dict[str, Any]:
    """Change what is given: `email` and `push` unless None; `quiet_hours`
    a (start, end), or None for none at all."""
    prefs = await store.get_preferences(ctx.pool, user.id)
    if email is not None:
        prefs["email"] = email
    if push is not None:
        prefs["push"] = push
    if quiet_hours is None:
        prefs["quiet_start"] = prefs["quiet_end"] = None
    elif quiet_hours is not KEEP:
        prefs["quiet_start"], prefs["quiet_end"] = quiet_hours
    await store.save_preferences(ctx.pool, user.id, prefs)
    return preferences_to_api(prefs)
