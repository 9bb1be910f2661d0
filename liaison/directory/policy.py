"""Who may do what in the directory: the one place these rules live.

Pure functions of the user and the resource's attributes, so they test fast
and read as a table. The answer is ALLOW, FORBID (you know it exists but may
not act: 403) or HIDE (you may not even know it exists: 404).
"""

from __future__ import annotations

import enum
from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User

__all__ = ["Decision", "enforce"]


class SchoolAction(enum.Enum):
    ADD_STAFF = "add_staff"
    IMPORT_ROSTER = "import_roster"
    PRINT_LETTERS = "print_letters"
    CHANGE_SETTINGS = "change_settings"


class ClassAction(enum.Enum):
    VIEW_MEMBERS = "view_members"


def may_create_school(user: User) -> Decision:
    return Decision.ALLOW if user.role == "admin" else Decision.FORBID


def school_decision(user: User, school_id: UUID, action: SchoolAction) -> Decision:
    user = user.at(school_id)
    if user.role == "admin":
        return Decision.ALLOW
    if user.school_id != school_id:
        return Decision.HIDE
    if user.role == "director":
        return Decision.ALLOW
    return Decision.FORBID


def child_account_decision(user: User, child_school_id: UUID, teaches_child: bool) -> Decision:
    """Creating a pupil's own account: the director, or a teacher of the pupil."""
    user = user.at(child_school_id)
    if user.role == "admin":
        return Decision.ALLOW
    if user.school_id != child_school_id or user.role in ("parent", "student"):
        return Decision.HIDE
    if user.role == "director" or teaches_child:
        return Decision.ALLOW
    return Decision.FORBID


def class_decision(user: User, class_school_id: UUID, action: ClassAction) -> Decision:
    user = user.at(class_school_id)
    if user.role == "admin":
        return Decision.ALLOW
    if user.school_id != class_school_id:
        return Decision.HIDE
    if action is ClassAction.VIEW_MEMBERS and user.role in ("director", "teacher"):
        # The staff of a school see every class of it: replacements and
        # shared pupils make the class boundary too tight for them.
        return Decision.ALLOW
    # Families and pupils never see the list of other families.
    return Decision.HIDE
