"""Secrets handed to people: session tokens, activation codes, CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z: a code is typed from a paper letter, often on a phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
_CODE_LENGTH = 12  # 27**12 ≈ 2**57 possibilities


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_activation_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def normalise_activation_code(typed: str) -> str:
    """What people type: lower case, spaces, missing or extra dashes."""
    kept = "".join(ch for ch in typed.upper() if ch.isalnum())
    return "-".join(kept[i : i + 4] for i in range(0, len(kept), 4))


def csrf_token(secret_key: str, session_token_hash: bytes) -> str:
    """Bound to the session and derived, so nothing more is stored."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_token_hash, "sha256").hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
