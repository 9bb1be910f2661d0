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


_USER_COLUMNS = "id, login, role, school_id, display_name, first_name, last_name, email"


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
) -> User:
    """Create one user with the given login (LoginTaken if it is not free),
    or without one, with a login derived from the names."""
    person = NewUser(role, school_id, display_name, first_name, last_name, email, password_hash)
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
    # Bases hold only [a-z0-9.-], so they are safe inside LIKE patterns.
    rows = await conn.fetch(
        "SELECT login FROM users WHERE login LIKE ANY($1::text[])", [b + "%" for b in bases]
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
                               email, password_hash, activated_at)
            SELECT login, role, school_id, display_name, first_name, last_name, email, password_hash,
                   CASE WHEN password_hash IS NULL THEN NULL ELSE now() END
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                        $7::text[], $8::text[])
                 AS t(login, role, school_id, display_name, first_name, last_name, email, password_hash)
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


async def create_session(conn: Conn, user_id: UUID, days: int) -> tuple[str, bytes]:
    token = tokens.new_session_token()
    token_hash = tokens.digest(token)
    await conn.execute(
        """INSERT INTO sessions (token_hash, user_id, expires_at)
           VALUES ($1, $2, now() + make_interval(days => $3))""",
        token_hash,
        user_id,
        days,
    )
    return token, token_hash


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
