"""The answer of every capability's policy, and what it becomes in HTTP.

Policies are pure functions of the user and facts about a resource that
return a Decision; services gather the facts, ask, and `enforce`.
"""

from __future__ import annotations

import enum

from liaison.core.errors import forbidden, not_found


class Decision(enum.Enum):
    ALLOW = "allow"
    FORBID = "forbid"  # 403: you know it exists but may not
    HIDE = "hide"  # 404: you may not even know it exists


ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def enforce(decision: Decision, message: str | None = None) -> None:
    if decision is Decision.HIDE:
        raise not_found()
    if decision is Decision.FORBID:
        raise forbidden(message) if message else forbidden()
