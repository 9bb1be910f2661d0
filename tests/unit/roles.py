"""What the policy tables share: a school and another, a user of a role in one of
them, and the three decisions (ALLOW; FORBID, 403: you know it exists but may not;
HIDE, 404: you may not even know it exists)."""

from __future__ import annotations

import uuid

from liaison.core.decisions import Decision
from liaison.core.people import User

SCHOOL, OTHER = uuid.uuid4(), uuid.uuid4()
ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def person(role: str, school: uuid.UUID | None = SCHOOL) -> User:
    """A user of this role in `school` (the platform admin is in none)."""
    return User(uuid.uuid4(), role, role, None if role == "admin" else school, role)
