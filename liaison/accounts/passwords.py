"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# Verified against when the login is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("liaison-timing-equaliser")

MIN_LENGTH = 10
MAX_LENGTH = 200
_COMMON = {"motdepasse", "password", "azertyuiop", "0123456789", "1234567890", "qwertyuiop"}


def password_problem(password: str, *, login: str = "") -> str | None:
    """A French sentence saying why the password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit faire au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe doit faire au plus {MAX_LENGTH} caractères."
    lowered = password.lower()
    if len(set(lowered)) < 4 or lowered in _COMMON or lowered.startswith("123456"):
        return "Ce mot de passe est trop facile à deviner."
    if login and login.lower() in lowered:
        return "Le mot de passe ne doit pas contenir l'identifiant."
    return None


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    # Argon2 is deliberately slow: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, stored_hash, password)
