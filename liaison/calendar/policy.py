"""Who may read and set a school's calendar: pure, read as a table.

ALLOW, FORBID (403: you know the school but may not) or HIDE (404: you may not
even know it exists), like every school resource of the directory.
"""

from __future__ import annotations

from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User
from liaison.directory import policy as directory_policy
from liaison.directory.policy import SchoolAction

__all__ = ["Decision", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def view(user: User, school_id: UUID) -> Decision:
    """Everyone of the school (staff, families, pupils) reads its days off;
    the platform admin too; anyone else does not know the school."""
    user = user.at(school_id)
    if user.role == "admin" or user.school_id == school_id:
        return ALLOW
    return HIDE


def change(user: User, school_id: UUID) -> Decision:
    """A school setting: its director's, and the platform admin's."""
    return directory_policy.school_decision(user, school_id, SchoolAction.CHANGE_SETTINGS)
