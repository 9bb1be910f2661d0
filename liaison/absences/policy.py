"""Who may report an absence, read a class's register and set the check time.

Pure functions of the user and facts the service gathers, read as a table:
ALLOW, FORBID (403: you know it exists but may not) or HIDE (404: you may not
even know it exists). The date rules of a report are in `rules.py`.
"""

from __future__ import annotations

from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User
from liaison.directory import policy as directory_policy
from liaison.directory.policy import ClassAction, SchoolAction

__all__ = ["Decision", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def report(user: User, child_school_id: UUID, is_guardian: bool) -> Decision:
    """Only the child's family declares its absence. The school's staff know
    the child exists (403); for everyone else it does not (404)."""
    if is_guardian:
        return ALLOW
    if user.school_id == child_school_id and user.is_staff:
        return FORBID
    return HIDE


def view_register(user: User, class_school_id: UUID) -> Decision:
    """The register is the class's members' business: the same rule as the member list."""
    return directory_policy.class_decision(user, class_school_id, ClassAction.VIEW_MEMBERS)


def settings(user: User, school_id: UUID) -> Decision:
    """Reading or changing the time unread absences go to the director: a
    school setting, the director's (and the platform admin's)."""
    return directory_policy.school_decision(user, school_id, SchoolAction.CHANGE_SETTINGS)
