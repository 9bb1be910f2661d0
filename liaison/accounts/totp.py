"""The second factor: TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

Pure: the clock is given, nothing is stored here.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

import pyotp

ISSUER = "Liaison"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def code_at(secret: str, when: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def verify(secret: str, code: str, when: dt.datetime) -> bool:
    """A code of the current 30 s step, or of the one before or after (a phone's
    clock a little off)."""
    return matching_step(secret, code, when) is not None


def matching_step(secret: str, code: str, when: dt.datetime, after: int | None = None) -> int | None:
    """The time step (30 s counter) whose code this is: the current step, or the
    one before or after; None if none matches. With `after` (the step of the
    last code accepted), only a later step counts: a code serves once, and an
    older one seen over a shoulder is no use."""
    typed = "".join(ch for ch in code if ch.isdigit())
    if len(typed) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(when)
    for step in (now - 1, now, now + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes "abcde-fghjk", each good once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise_recovery_code(typed: str) -> str:
    kept = "".join(ch for ch in typed.lower() if ch.isalnum())
    return f"{kept[:5]}-{kept[5:]}"


def looks_like_totp(code: str) -> bool:
    return sum(ch.isdigit() for ch in code) == 6 and len(code.strip()) <= 8
