"""The SQL of accounts: users, sessions, activation codes, preferences."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import tokens
from liaison.core.people import User
from liaison.storage.db import Conn, Connection

MAX_ACTIVE_CODES = 5  # per account; older ones are dropped when a new one is issued


# Every user comes with every school they have a role in (`person_schools`).
_USER_COLUMNS = (
    "id, login, role, school_id, display_name, first_name, last_name, email, circonscription_id, stream_id,"
    " person_schools(id) AS schools"
)


def login_base(first_name: str, last_name: str) -> str:
    """ "Élodie", "N'Diaye-Martin" → "elodie.ndiaye-martin"."""

    def ascii_part(text: str) -> str:
        flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        flat = re.sub(r"[\s_]+", "-", flat.strip())
        return re.sub(r"[^a-z0-9-]", "", flat).strip("-")

    parts = [p for p in (ascii_part(first_name), ascii_part(last_name)) if p]
    return ".".join(parts)[:40] or "utilisateur"


@dataclass(frozen=True)
class NewUser:
    role: str
    school_id: UUID | None
    display_name: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    password_hash: str | None = None
    circonscription_id: UUID | None = None


class LoginTaken(Exception):
    pass


async def create_user(
    conn: Connection,
    *,
    role: str,
    school_id: UUID | None,
    display_name: str,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    login: str | None = None,
    password_hash: str | None = None,
    circonscription_id: UUID | None = None,
) -> User:
    """Create one user with the given login (LoginTaken if it is not free),
    or without one, with a login derived from the names."""
    person = NewUser(
        role, school_id, display_name, first_name, last_name, email, password_hash, circonscription_id
    )
    if login is None:
        return (await create_users(conn, [person]))[0]
    created = await _insert_users(conn, [person], [login.lower()])
    if created[0] is None:
        raise LoginTaken(login)
    return created[0]


async def create_users(conn: Connection, people: list[NewUser]) -> list[User]:
    """Create users in bulk (an import of 400 families is a few statements,
    not a thousand), each with a free login "prenom.nom", "prenom.nom2"..."""
    results: list[User | None] = [None] * len(people)
    pending = list(range(len(people)))
    while pending:
        bases = [
            login_base(people[i].first_name or people[i].display_name, people[i].last_name) for i in pending
        ]
        logins = _free_logins(bases, await _logins_like(conn, set(bases)))
        created = await _insert_users(conn, [people[i] for i in pending], logins)
        for index, user in zip(pending, created, strict=True):
            results[index] = user
        # A concurrent writer took some of those logins: choose again for them.
        pending = [i for i in pending if results[i] is None]
    return [user for user in results if user is not None]


async def _logins_like(conn: Connection, bases: set[str]) -> set[str]:
    # Every login starting with a base, as a range of the byte-order index
    # (users_login_prefix): one index probe per base, whatever the territory's size.
    rows = await conn.fetch(
        """SELECT u.login FROM unnest($1::text[]) AS b(base)
           JOIN users u ON u.login ~>=~ b.base AND u.login ~<~ (b.base || chr(1114111))""",
        list(bases),
    )
    return {r["login"] for r in rows}


def _free_logins(bases: list[str], taken: set[str]) -> list[str]:
    chosen: list[str] = []
    used = set(taken)
    for base in bases:
        suffix = 1
        while (candidate := base if suffix == 1 else f"{base}{suffix}") in used:
            suffix += 1
        used.add(candidate)
        chosen.append(candidate)
    return chosen


async def _insert_users(conn: Connection, people: list[NewUser], logins: list[str]) -> list[User | None]:
    """Insert; a login already taken gives None at its place."""
    rows = await conn.fetch(
        f"""INSERT INTO users (login, role, school_id, display_name, first_name, last_name,
                               email, password_hash, activated_at, circonscription_id, stream_id)
            SELECT login, role, school_id, display_name, first_name, last_name, email, password_hash,
                   CASE WHEN password_hash IS NULL THEN NULL ELSE now() END,
                   circonscription_id, coalesce(school_id, circonscription_id)
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                        $7::text[], $8::text[], $9::uuid[])
                 AS t(login, role, school_id, display_name, first_name, last_name, email, password_hash,
                      circonscription_id)
            ON CONFLICT (login) DO NOTHING
            RETURNING {_USER_COLUMNS}""",
        logins,
        [p.role for p in people],
        [p.school_id for p in people],
        [p.display_name for p in people],
        [p.first_name for p in people],
        [p.last_name for p in people],
        [p.email for p in people],
        [p.password_hash for p in people],
        [p.circonscription_id for p in people],
    )
    by_login = {row["login"]: User.from_row(row) for row in rows}
    return [by_login.get(login) for login in logins]


async def get_user(conn: Conn, user_id: UUID) -> User | None:
    row = await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", user_id)
    return User.from_row(row) if row else None


async def credentials_for_login(conn: Conn, login: str) -> tuple[User, str | None] | None:
    row = await conn.fetchrow(
        f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE login = $1", login.lower()
    )
    return (User.from_row(row), row["password_hash"]) if row else None


async def user_exists_with_login(conn: Conn, login: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM users WHERE login = $1", login.lower()))


async def set_password(conn: Connection, user_id: UUID, password_hash: str) -> None:
    await conn.execute(
        """UPDATE users SET password_hash = $2, activated_at = coalesce(activated_at, now())
           WHERE id = $1""",
        user_id,
        password_hash,
    )


async def activated_user_ids(conn: Connection, user_ids: list[UUID]) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT id FROM users WHERE id = ANY($1::uuid[]) AND activated_at IS NOT NULL", user_ids
    )
    return {r["id"] for r in rows}


# -- sessions ----------------------------------------------------------------


async def create_session(conn: Conn, user_id: UUID, days: int, device: str = "") -> tuple[str, bytes]:
    token = tokens.new_session_token()
    token_hash = tokens.digest(token)
    await conn.execute(
        """INSERT INTO sessions (token_hash, user_id, expires_at, device)
           VALUES ($1, $2, now() + make_interval(days => $3), $4)""",
        token_hash,
        user_id,
        days,
        device,
    )
    return token, token_hash


async def sessions_of(conn: Conn, user_id: UUID) -> list[asyncpg.Record]:
    """The user's sessions still valid, the most recently used first."""
    return await conn.fetch(
        """SELECT id, token_hash, created_at, last_seen_at, device, shared_device FROM sessions
           WHERE user_id = $1 AND expires_at > now() ORDER BY last_seen_at DESC, created_at DESC""",
        user_id,
    )


async def delete_session_of(conn: Conn, user_id: UUID, session_id: UUID) -> bool:
    """End one of the user's sessions; False if it is not theirs (or gone)."""
    status = await conn.execute("DELETE FROM sessions WHERE id = $1 AND user_id = $2", session_id, user_id)
    return status != "DELETE 0"


async def delete_sessions_of(conn: Conn, user_id: UUID) -> None:
    """Every session of the user ends (a new password, a new letter)."""
    await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)


async def user_for_session(conn: Conn, token_hash: bytes) -> User | None:
    # Touch last_seen_at at most hourly: a read on every request, a write rarely.
    row = await conn.fetchrow(
        f"""WITH session AS (
                UPDATE sessions SET last_seen_at = now()
                WHERE token_hash = $1 AND expires_at > now()
                  AND last_seen_at < now() - interval '1 hour'
                RETURNING user_id
            )
            SELECT {_USER_COLUMNS} FROM users
            WHERE id = (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > now())""",
        token_hash,
    )
    return User.from_row(row) if row else None


async def delete_session(conn: Conn, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash)


async def delete_expired(conn: Conn) -> tuple[int, int]:
    sessions = await conn.execute("DELETE FROM sessions WHERE expires_at < now()")
    codes = await conn.execute("DELETE FROM activation_codes WHERE expires_at < now() - interval '30 days'")
    await conn.execute("DELETE FROM password_resets WHERE expires_at < now() - interval '1 day'")
    await conn.execute("DELETE FROM password_reset_requests WHERE created_at < now() - interval '1 day'")
    await conn.execute("DELETE FROM sign_in_challenges WHERE expires_at < now()")
    return int(sessions.split()[-1]), int(codes.split()[-1])


# -- activation codes ----------------------------------------------------------


async def issue_activation_codes(conn: Connection, user_ids: list[UUID], days: int) -> dict[UUID, str]:
    """A fresh code for each account not yet activated; earlier codes stay
    valid (a letter already sent home keeps working), up to MAX_ACTIVE_CODES."""
    if not user_ids:
        return {}
    activated = await activated_user_ids(conn, user_ids)
    codes = {uid: tokens.new_activation_code() for uid in user_ids if uid not in activated}
    if not codes:
        return {}
    await conn.execute(
        """INSERT INTO activation_codes (code_hash, user_id, expires_at)
           SELECT h, u, now() + make_interval(days => $3)
           FROM unnest($1::bytea[], $2::uuid[]) AS t(h, u)""",
        [tokens.digest(code) for code in codes.values()],
        list(codes.keys()),
        days,
    )
    await conn.execute(
        """DELETE FROM activation_codes c
           USING (SELECT code_hash, row_number() OVER (PARTITION BY user_id
                                                      ORDER BY created_at DESC, code_hash) AS rank
                  FROM activation_codes WHERE user_id = ANY($1::uuid[]) AND used_at IS NULL) old
           WHERE c.code_hash = old.code_hash AND old.rank > $2""",
        list(codes.keys()),
        MAX_ACTIVE_CODES,
    )
    return codes


async def consume_activation_code(conn: Connection, code: str) -> User | None:
    """Mark the code used (once, even with concurrent attempts) and return
    its user; None for an unknown, used or expired code."""
    row = await conn.fetchrow(
        """UPDATE activation_codes SET used_at = now()
           WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
           RETURNING user_id""",
        tokens.digest(tokens.normalise_activation_code(code)),
    )
    if row is None:
        return None
    await conn.execute("DELETE FROM activation_codes WHERE user_id = $1 AND used_at IS NULL", row["user_id"])
    return await get_user(conn, row["user_id"])


# -- preferences ---------------------------------------------------------------

DEFAULT_QUIET_HOURS = (dt.time(20, 0), dt.time(7, 0))


def _preferences(row: asyncpg.Record | None) -> dict[str, Any]:
    if row is None:
        start, end = DEFAULT_QUIET_HOURS
        return {"email": "immediate", "push": True, "quiet_start": start, "quiet_end": end}
    return {
        "email": row["email_mode"],
        "push": row["push"],
        "quiet_start": row["quiet_start"],
        "quiet_end": row["quiet_end"],
    }


async def get_preferences(conn: Conn, user_id: UUID) -> dict[str, Any]:
    return (await preferences_of(conn, [user_id]))[user_id]


async def preferences_of(conn: Conn, user_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Everyone's preferences, the defaults for those who never chose."""
    rows = await conn.fetch(
        """SELECT user_id, email_mode, push, quiet_start, quiet_end FROM user_preferences
           WHERE user_id = ANY($1::uuid[])""",
        user_ids,
    )
    found = {r["user_id"]: r for r in rows}
    return {user_id: _preferences(found.get(user_id)) for user_id in user_ids}


async def digest_readers(conn: Conn) -> list[User]:
    """Those who asked for one email a day, and have an address."""
    rows = await conn.fetch(
        f"""SELECT {_USER_COLUMNS} FROM users u JOIN user_preferences p ON p.user_id = u.id
            WHERE p.email_mode = 'digest' AND u.email IS NOT NULL"""
    )
    return [User.from_row(r) for r in rows]


async def save_preferences(conn: Conn, user_id: UUID, prefs: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO user_preferences (user_id, email_mode, push, quiet_start, quiet_end)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (user_id) DO UPDATE
           SET email_mode = $2, push = $3, quiet_start = $4, quiet_end = $5, updated_at = now()""",
        user_id,
        prefs["email"],
        prefs["push"],
        prefs["quiet_start"],
        prefs["quiet_end"],
    )


async def users_by_id(conn: Conn, user_ids: list[UUID]) -> dict[UUID, User]:
    rows = await conn.fetch(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])", user_ids)
    return {r["id"]: User.from_row(r) for r in rows}


# -- forgotten passwords -------------------------------------------------------------


async def recovery_targets(conn: Conn, login_or_email: str) -> list[User]:
    """The accounts with an email that this login, or this email address, names
    (a parent of two schools may have two). Empty when none: nothing says so."""
    rows = await conn.fetch(
        f"""SELECT {_USER_COLUMNS} FROM users
            WHERE email IS NOT NULL AND email <> ''
              AND (login = lower($1) OR lower(email) = lower($1))
            ORDER BY created_at LIMIT 5""",
        login_or_email,
    )
    return [User.from_row(r) for r in rows]


async def count_reset_request(conn: Connection, address: bytes, window_seconds: int) -> int:
    """Record a request from this address (hashed) and return how many it made
    within the window, this one included. Serialised per address, so a burst
    counts as a sequence."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('password-reset:' || encode($1, 'hex'), 0))", address
    )
    await conn.execute("INSERT INTO password_reset_requests (address) VALUES ($1)", address)
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM password_reset_requests
               WHERE address = $1 AND created_at > now() - make_interval(secs => $2)""",
            address,
            float(window_seconds),
        )
    )


async def issue_password_reset(
    conn: Connection, user_id: UUID, minutes: int, max_per_window: int, window_seconds: int
) -> str | None:
    """A new reset token for the user, or None when the account already got
    `max_per_window` links within the window (nobody is flooded with mails)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('password-reset:' || $1::uuid::text, 0))", user_id
    )
    recent = await conn.fetchval(
        """SELECT count(*) FROM password_resets
           WHERE user_id = $1 AND created_at > now() - make_interval(secs => $2)""",
        user_id,
        float(window_seconds),
    )
    if recent >= max_per_window:
        return None
    token = tokens.new_session_token()
    await conn.execute(
        """INSERT INTO password_resets (token_hash, user_id, expires_at)
           VALUES ($1, $2, now() + make_interval(mins => $3))""",
        tokens.digest(token),
        user_id,
        minutes,
    )
    return token


async def consume_password_reset(conn: Connection, token: str) -> User | None:
    """Mark the link used (once, whatever the concurrency) and return its user;
    None for an unknown, used or expired one. The user's other links die too."""
    row = await conn.fetchrow(
        """UPDATE password_resets SET used_at = now()
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
           RETURNING user_id""",
        tokens.digest(token),
    )
    if row is None:
        return None
    await conn.execute(
        "UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL", row["user_id"]
    )
    return await get_user(conn, row["user_id"])


async def close_account(conn: Connection, user_id: UUID) -> None:
    """An account never activated whose family has joined another one: it
    goes, or, when what it received stays on record elsewhere (an
    announcement's membership, a paper signature), it stays without a code,
    a session or a way in."""
    try:
        async with conn.transaction():  # a savepoint: a reference elsewhere keeps the row
            await conn.execute("DELETE FROM users WHERE id = $1 AND activated_at IS NULL", user_id)
    except asyncpg.ForeignKeyViolationError:
        await conn.execute("DELETE FROM activation_codes WHERE user_id = $1", user_id)
        await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)


# -- a new letter: the account goes back to "not activated" ---------------------------


async def reset_to_letter(conn: Connection, user_id: UUID) -> None:
    """The password, every session, every pending link and the second factor go:
    only the new letter's code opens the account now."""
    await conn.execute(
        """UPDATE users SET password_hash = NULL, activated_at = NULL,
                            totp_secret = NULL, totp_enabled_at = NULL
           WHERE id = $1""",
        user_id,
    )
    await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
    await conn.execute(
        "UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL", user_id
    )
    await conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
    await conn.execute("DELETE FROM sign_in_challenges WHERE user_id = $1", user_id)


# -- the second factor ----------------------------------------------------------------------


async def totp_state(conn: Conn, user_id: UUID) -> tuple[str | None, bool]:
    """The user's TOTP secret (set up or enabled) and whether it is enabled."""
    row = await conn.fetchrow("SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1", user_id)
    if row is None:
        return None, False
    return row["totp_secret"], row["totp_enabled_at"] is not None


async def set_totp_secret(conn: Conn, user_id: UUID, secret: str) -> None:
    """A new secret being set up (not enabled until confirmed)."""
    await conn.execute(
        "UPDATE users SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
        user_id,
        secret,
    )


async def totp_last_step(conn: Conn, user_id: UUID) -> int | None:
    """The time step of the last TOTP code accepted for the account."""
    step = await conn.fetchval("SELECT totp_last_step FROM users WHERE id = $1", user_id)
    return int(step) if step is not None else None


async def accept_totp_step(conn: Conn, user_id: UUID, step: int) -> bool:
    """Record `step` as used, only if it is later than the last one accepted:
    of two requests with the same code at once, one wins."""
    status = await conn.execute(
        """UPDATE users SET totp_last_step = $2
           WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)""",
        user_id,
        step,
    )
    return status != "UPDATE 0"


async def enable_totp(conn: Connection, user_id: UUID, recovery_code_hashes: list[bytes]) -> None:
    await conn.execute("UPDATE users SET totp_enabled_at = now() WHERE id = $1", user_id)
    await conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
    await conn.execute(
        """INSERT INTO recovery_codes (code_hash, user_id)
           SELECT h, $2 FROM unnest($1::bytea[]) AS t(h)""",
        recovery_code_hashes,
        user_id,
    )


async def disable_totp(conn: Connection, user_id: UUID) -> None:
    await conn.execute("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1", user_id)
    await conn.execute("DELETE FROM recovery_codes WHERE user_id = $1", user_id)


async def use_recovery_code(conn: Conn, user_id: UUID, code_hash: bytes) -> bool:
    """Mark the code used, once; False if it is unknown or used."""
    status = await conn.execute(
        """UPDATE recovery_codes SET used_at = now()
           WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL""",
        user_id,
        code_hash,
    )
    return status != "UPDATE 0"


async def recovery_codes_left(conn: Conn, user_id: UUID) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL", user_id
        )
    )


async def create_challenge(conn: Conn, user_id: UUID, device: str, minutes: int) -> str:
    token = tokens.new_session_token()
    await conn.execute(
        """INSERT INTO sign_in_challenges (token_hash, user_id, device, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(mins => $4))""",
        tokens.digest(token),
        user_id,
        device,
        minutes,
    )
    return token


async def take_challenge_attempt(conn: Conn, token: str, max_attempts: int) -> asyncpg.Record | None:
    """Count an attempt on the challenge (before the code is checked) and return
    it (user_id, device); None when unknown, expired or out of attempts."""
    return await conn.fetchrow(
        """UPDATE sign_in_challenges SET attempts = attempts + 1
           WHERE token_hash = $1 AND expires_at > now() AND attempts < $2
           RETURNING user_id, device""",
        tokens.digest(token),
        max_attempts,
    )


async def drop_challenge(conn: Conn, token: str) -> None:
    await conn.execute("DELETE FROM sign_in_challenges WHERE token_hash = $1", tokens.digest(token))


async def drop_challenges_of(conn: Conn, user_id: UUID) -> None:
    await conn.execute("DELETE FROM sign_in_challenges WHERE user_id = $1", user_id)
