"""Who is asking: the signed-in user every capability receives, and the roles."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg


class Role(enum.StrEnum):
    ADMIN = "admin"  # the whole platform
    CIRCONSCRIPTION = "circonscription"  # the team above a circonscription's schools
    DIRECTOR = "director"
    TEACHER = "teacher"
    PARENT = "parent"
    STUDENT = "student"


ROLES = tuple(Role)
# The school's staff: the people families write to. The platform admin is not one.
STAFF_ROLES = (Role.DIRECTOR, Role.TEACHER)
# A staff role wins over a family one in the same school (it cannot happen
# through the import, which matches families only with family accounts).
_PRECEDENCE = {Role.DIRECTOR: 0, Role.TEACHER: 1, Role.PARENT: 2, Role.STUDENT: 3}


@dataclass(frozen=True)
class User:
    """A person, seen from their first school (`school_id`, `role`).

    One account may span several schools (a teacher shared by two schools, a
    family with a child in the maternelle and one in the élémentaire):
    `schools` holds every school with the role there. A check about a
    resource of school S starts with `user.at(S)`, the same person seen from
    S, so that what each school sees stays its own."""

    id: UUID
    login: str
    role: Role
    school_id: UUID | None
    display_name: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    circonscription_id: UUID | None = None
    stream_id: UUID | None = None
    schools: tuple[tuple[UUID, Role], ...] = ()

    def __post_init__(self) -> None:
        if not self.schools and self.school_id is not None:
            object.__setattr__(self, "schools", ((self.school_id, self.role),))
        if self.stream_id is None:
            object.__setattr__(self, "stream_id", self.school_id or self.circonscription_id)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def school_ids(self) -> tuple[UUID, ...]:
        return tuple(school for school, _ in self.schools)

    def role_at(self, school_id: UUID) -> Role | None:
        return next((role for school, role in self.schools if school == school_id), None)

    def is_staff_at(self, school_id: UUID) -> bool:
        return self.role_at(school_id) in STAFF_ROLES

    def at(self, school_id: UUID | None) -> User:
        """This person as school `school_id` knows them: their role there and
        that school as theirs; unchanged if they have no role there (so every
        "same school?" check keeps saying no)."""
        role = self.role_at(school_id) if school_id is not None else None
        if role is None or (role == self.role and school_id == self.school_id):
            return self
        return dataclasses.replace(self, role=role, school_id=school_id)

    def to_api(self, school_id: UUID | None = None) -> dict[str, Any]:
        """This person as others see them (an author, a guardian on a list):
        in school `school_id` if given, as that school knows them. Never
        their other schools: a family of schools A and B writing in A must
        not tell A that B exists. Without a school, a person of several
        schools shows none."""
        seen = self.at(school_id) if school_id is not None else self
        shown = seen.school_id if school_id is not None or len(self.schools) <= 1 else None
        return {
            "id": str(self.id),
            "display_name": self.display_name,
            "role": seen.role.value,
            "school_id": str(shown) if shown else None,
            "school_ids": [str(shown)] if shown else [],
            "circonscription_id": str(self.circonscription_id) if self.circonscription_id else None,
        }

    def own_api(self) -> dict[str, Any]:
        """The signed-in person as they see themselves: every school."""
        return {
            **self.to_api(),
            "school_id": str(self.school_id) if self.school_id else None,
            "role": self.role.value,
            "school_ids": [str(school) for school in self.school_ids],
        }

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> User:
        role, school_id = Role(row["role"]), row["school_id"]
        return cls(
            id=row["id"],
            login=row["login"],
            role=role,
            school_id=school_id,
            display_name=row["display_name"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            circonscription_id=row.get("circonscription_id"),
            stream_id=row.get("stream_id"),
            schools=schools_from(school_id, role, row.get("schools") or ()),
        )


def schools_from(primary: UUID | None, role: Role, entries: Any) -> tuple[tuple[UUID, Role], ...]:
    """The first school first, then the others in a stable order, one role
    each (the `person_schools` entries are "<school id>:<role>")."""
    roles: dict[UUID, Role] = {}
    for entry in entries:
        school, _, name = entry.partition(":")
        school_id, school_role = UUID(school), Role(name)
        known = roles.get(school_id)
        if known is None or _PRECEDENCE[school_role] < _PRECEDENCE[known]:
            roles[school_id] = school_role
    ordered: list[tuple[UUID, Role]] = []
    if primary is not None:
        ordered.append((primary, role))
        roles.pop(primary, None)
    ordered.extend(sorted(roles.items(), key=lambda item: str(item[0])))
    return tuple(ordered)
