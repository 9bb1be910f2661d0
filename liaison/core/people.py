"""Who is asking: the signed-in user every capability receives, and the roles."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg


class Role(enum.StrEnum):
    ADMIN = "admin"  # the whole platform
    DIRECTOR = "director"
    TEACHER = "teacher"
    PARENT = "parent"
    STUDENT = "student"


ROLES = tuple(Role)
# The school's staff: the people families write to. The platform admin is not one.
STAFF_ROLES = (Role.DIRECTOR, Role.TEACHER)


@dataclass(frozen=True)
class User:
    id: UUID
    login: str
    role: Role
    school_id: UUID | None
    display_name: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "display_name": self.display_name,
            "role": self.role.value,
            "school_id": str(self.school_id) if self.school_id else None,
        }

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> User:
        return cls(
            id=row["id"],
            login=row["login"],
            role=Role(row["role"]),
            school_id=row["school_id"],
            display_name=row["display_name"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
        )
