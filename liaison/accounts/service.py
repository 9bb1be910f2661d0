"""What accounts do for the routes: sessions, activation, preferences.

Reading credentials on each request is `auth.py`'s; the routes keep the HTTP
(the cookie, the rate limits) and call these.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any
from uuid import UUID, uuid4

from liaison.accounts import passwords, policy, store, tokens, totp
from liaison.accounts.policy import LetterTarget
from liaison.core.clock import utcnow
from liaison.core.context import Context
from liaison.core.decisions import enforce
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.core.people import User
from liaison.directory import store as directory
from liaison.storage.db import Connection

# Forgotten passwords: a link lives an hour; an account gets at most 3 links an
# hour, an address may ask 10 times an hour (known logins or not).
RESET_MINUTES = 60
RESET_WINDOW_SECONDS = 3600
RESETS_PER_ACCOUNT = 3
RESET_REQUESTS_PER_ADDRESS = 10
# Between the password and the second factor.
CHALLENGE_MINUTES = 5
CHALLENGE_ATTEMPTS = 5


class UnknownCode(Exception):
    """An activation code unknown, expired or already used: nothing was written."""


async def open_session(ctx: Context, user: User, device: str = "") -> str:
    """A new session's token; `device`: the label of the device it opens on."""
    token, _ = await store.create_session(ctx.pool, user.id, ctx.settings.session_days, device)
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
        user = await _set_password_with(conn, await store.consume_activation_code(conn, code), password)
    return user


async def _set_password_with(conn: Connection, user: User | None, password: str) -> User:
    """The password of the account a single-use code or link named (None: the
    code is unknown, used or expired). Raising rolls the caller's transaction
    back, so a weak password leaves the code or link usable."""
    if user is None:
        raise UnknownCode()
    problem = passwords.password_problem(password, login=user.login)
    if problem:
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


# -- sessions ("Mes appareils") -------------------------------------------------------


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


async def sessions(ctx: Context, user: User, current: bytes) -> list[dict[str, Any]]:
    """The user's sessions; `current` (its token hash) is marked."""
    return [
        {
            "id": str(row["id"]),
            "created_at": _time(row["created_at"]),
            "last_seen_at": _time(row["last_seen_at"]),
            "device": row["device"] or "Appareil inconnu",
            "shared_device": row["shared_device"],
            "current": row["token_hash"] == current,
        }
        for row in await store.sessions_of(ctx.pool, user.id)
    ]


async def end_session(ctx: Context, user: User, session_id: UUID) -> None:
    """Only one's own sessions: another's is not found (404)."""
    if not await store.delete_session_of(ctx.pool, user.id, session_id):
        raise not_found()


# -- forgotten passwords ---------------------------------------------------------------


class TooManyRequests(Exception):
    """This address asked too often; nothing was written."""


async def forgot_password(ctx: Context, login: str, address: str) -> list[tuple[User, str]]:
    """The links to mail (account, token); empty for an unknown login, for an
    account without email, or one that already got enough links this hour. The
    caller answers the same in every case. Raises TooManyRequests.

    One transaction whatever the login: the request is counted (a write) and the
    links issued in it, so a known login costs no extra commit and the time of
    the answer does not tell (docs/accounts-and-security.md has the figures)."""
    links = []
    async with ctx.pool.acquire() as conn, conn.transaction():
        count = await store.count_reset_request(conn, tokens.digest(address), RESET_WINDOW_SECONDS)
        if count > RESET_REQUESTS_PER_ADDRESS:
            raise TooManyRequests()
        targets = await store.recovery_targets(conn, login)
        if not targets:
            # The lookups a known account costs (a lock, a count), for an id of
            # nobody; nothing is written (a ceiling of 0).
            await store.issue_password_reset(conn, uuid4(), RESET_MINUTES, 0, RESET_WINDOW_SECONDS)
        for user in targets:
            token = await store.issue_password_reset(
                conn, user.id, RESET_MINUTES, RESETS_PER_ACCOUNT, RESET_WINDOW_SECONDS
            )
            if token is not None:
                links.append((user, token))
    return links


async def reset_password(ctx: Context, token: str, password: str) -> User:
    """Use the link and set the password, both or neither (a weak password leaves
    the link usable); every session of the account ends. Raises UnknownCode."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        user = await _set_password_with(conn, await store.consume_password_reset(conn, token), password)
        await store.delete_sessions_of(conn, user.id)
        await store.drop_challenges_of(conn, user.id)
    return user


# -- a new letter --------------------------------------------------------------------------


async def new_letter(ctx: Context, user: User, target_id: UUID) -> str:
    """A new activation code for the account; its password, sessions, links and
    second factor stop working at once."""
    target = await store.get_user(ctx.pool, target_id)
    if target is None:
        raise not_found()
    teaches = False
    if user.role == "teacher" and target.role == "parent":
        for child in await directory.children_of_guardian(ctx.pool, target.id):
            if child["school_id"] == user.school_id and await directory.teaches_class(
                ctx.pool, user.id, child["class_id"]
            ):
                teaches = True
                break
    enforce(policy.new_letter_decision(user, LetterTarget(target.role, target.school_id, teaches)))
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.reset_to_letter(conn, target.id)
        codes = await store.issue_activation_codes(conn, [target.id], ctx.settings.activation_days)
    return codes[target.id]


# -- the second factor -------------------------------------------------------------------


async def second_factor(ctx: Context, user: User) -> dict[str, Any]:
    enforce(policy.second_factor_decision(user))
    _, enabled = await store.totp_state(ctx.pool, user.id)
    left = await store.recovery_codes_left(ctx.pool, user.id) if enabled else 0
    return {"enabled": enabled, "recovery_codes_left": left}


async def setup_second_factor(ctx: Context, user: User) -> dict[str, Any]:
    """A new secret to scan; the factor is on only once a code is typed back."""
    enforce(policy.second_factor_decision(user))
    _, enabled = await store.totp_state(ctx.pool, user.id)
    if enabled:
        raise ApiError(409, ErrorCode.CONFLICT, "La double authentification est déjà activée.")
    secret = totp.new_secret()
    await store.set_totp_secret(ctx.pool, user.id, secret)
    return {"secret": secret, "otpauth_uri": totp.provisioning_uri(secret, user.login)}


async def setup_uri(ctx: Context, user: User) -> str:
    enforce(policy.second_factor_decision(user))
    secret, enabled = await store.totp_state(ctx.pool, user.id)
    if secret is None or enabled:
        raise not_found()
    return totp.provisioning_uri(secret, user.login)


def _bad_code() -> ApiError:
    message = "Ce code n'est pas le bon. Vérifiez l'heure de votre téléphone et réessayez."
    return ApiError(422, ErrorCode.INVALID, message, fields={"code": message})


async def enable_second_factor(ctx: Context, user: User, code: str) -> list[str]:
    """Turn it on with a code from the app; returns the recovery codes (shown once)."""
    enforce(policy.second_factor_decision(user))
    secret, enabled = await store.totp_state(ctx.pool, user.id)
    if enabled:
        raise ApiError(409, ErrorCode.CONFLICT, "La double authentification est déjà activée.")
    if secret is None:
        raise ApiError(409, ErrorCode.CONFLICT, "Commencez par scanner le QR code.")
    step = totp.matching_step(secret, code, utcnow())
    if step is None or not await store.accept_totp_step(ctx.pool, user.id, step):
        raise _bad_code()
    codes = totp.new_recovery_codes()
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.enable_totp(conn, user.id, [tokens.digest(c) for c in codes])
    return codes


async def disable_second_factor(ctx: Context, user: User, code: str) -> None:
    """Off, with a code (or a recovery code) as proof."""
    enforce(policy.second_factor_decision(user))
    if not await _code_is_good(ctx, user.id, code):
        raise _bad_code()
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.disable_totp(conn, user.id)


async def _code_is_good(ctx: Context, user_id: UUID, code: str) -> bool:
    secret, enabled = await store.totp_state(ctx.pool, user_id)
    if not enabled or secret is None:
        return False
    if totp.looks_like_totp(code):
        # A code serves once: the same step again, or an earlier one, is refused.
        last = await store.totp_last_step(ctx.pool, user_id)
        step = totp.matching_step(secret, code, utcnow(), after=last)
        return step is not None and await store.accept_totp_step(ctx.pool, user_id, step)
    digest = tokens.digest(totp.normalise_recovery_code(code))
    return await store.use_recovery_code(ctx.pool, user_id, digest)


async def needs_second_factor(ctx: Context, user: User, device: str) -> str | None:
    """After a good password: a challenge to answer with a code, or None when
    the account has no second factor."""
    _, enabled = await store.totp_state(ctx.pool, user.id)
    if not enabled:
        return None
    return await store.create_challenge(ctx.pool, user.id, device, CHALLENGE_MINUTES)


async def answer_challenge(ctx: Context, challenge: str, code: str) -> tuple[User, str] | None:
    """The user and device of the challenge if the code is good (the challenge is
    then used up), else None. Each challenge allows CHALLENGE_ATTEMPTS tries,
    counted before the code is checked."""
    row = await store.take_challenge_attempt(ctx.pool, challenge, CHALLENGE_ATTEMPTS)
    if row is None:
        return None
    if not await _code_is_good(ctx, row["user_id"], code):
        return None
    await store.drop_challenge(ctx.pool, challenge)
    user = await store.get_user(ctx.pool, row["user_id"])
    return (user, row["device"]) if user else None
