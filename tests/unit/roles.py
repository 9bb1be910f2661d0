"""What the policy tables share: a school and another, a user of a role in one of
them, and the three decisions (ALLOW; FORBID, 403: you know it exists but may not;
HIDE, 404: you may not even know it exists)."""

from __future__ import annotations

import uuid

from liaison.core.decisions import Decision
from liaison.core.people import Role, User

SCHOOL, OTHER = uuid.uuid4(), uuid.uuid4()
ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def person(role: str, school: uuid.UUID | None = SCHOOL) -> User:
    """A user of this role in `school` (the platform admin is in none)."""
    return User(uuid.uuid4(), role, role, None if role == "admin" else school, role)


THIRD = uuid.uuid4()  # a school where the people of these tables have no role
CIRCONSCRIPTION = uuid.uuid4()  # the circonscription of SCHOOL


def circonscription(circonscription_id: uuid.UUID = CIRCONSCRIPTION) -> User:
    """A member of a circonscription's team: of no school, above its schools."""
    return User(uuid.uuid4(), "ien", Role.CIRCONSCRIPTION, None, "IEN", circonscription_id=circonscription_id)


def in_two_schools(first: tuple[uuid.UUID, Role], second: tuple[uuid.UUID, Role]) -> User:
    """One account with a role in two schools (seen from the first, as signed in):
    `in_two_schools((SCHOOL, Role.DIRECTOR), (OTHER, Role.TEACHER))`."""
    return User(uuid.uuid4(), "deux", first[1], first[0], "Deux écoles", schools=(first, second))
