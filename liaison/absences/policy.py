"""Who may report, cancel and read absences, take the roll call and set the check time.

Pure functions of the user and facts the service gathers, read as a table:
ALLOW, FORBID (403: you know it exists but may not) or HIDE (404: you may not
even know it exists). The date rules of a report are in `rules.py`.

A reason is health data: a class's register is its teachers' and the
director's, not the whole school's (other teachers know the class exists: 403).
"""

from __future__ import annotations

from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User
from liaison.directory import policy as directory_policy
from liaison.directory.policy import SchoolAction

__all__ = ["Decision", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def report(user: User, child_school_id: UUID, is_guardian: bool) -> Decision:
    """Only the child's family declares its absence. The school's staff know
    the child exists (403); for everyone else it does not (404)."""
    user = user.at(child_school_id)
    if is_guardian:
        return ALLOW
    if user.school_id == child_school_id and user.is_staff:
        return FORBID
    return HIDE


def cancel(user: User, absence_school_id: UUID, is_guardian: bool, teaches_class: bool) -> Decision:
    """Only the child's family cancels its report. Those who read the register
    (the class's teachers, the director) and the platform admin know it
    exists (403); for everyone else, other teachers included, it does not (404)."""
    user = user.at(absence_school_id)
    if is_guardian:
        return ALLOW
    if user.role == "admin" or view_register(user, absence_school_id, teaches_class) is ALLOW:
        return FORBID
    return HIDE


def view_register(user: User, class_school_id: UUID, teaches_class: bool) -> Decision:
    """A class's register: its teachers and the school's director. The rest of
    the staff knows the class (403); families, pupils, other schools and the
    platform admin (who reads no family's data) do not see it (404 and 403)."""
    user = user.at(class_school_id)
    if user.school_id != class_school_id:
        return FORBID if user.role == "admin" else HIDE
    if user.role == "director" or (user.role == "teacher" and teaches_class):
        return ALLOW
    return FORBID if user.is_staff else HIDE


def view_school_register(user: User, school_id: UUID) -> Decision:
    """The whole school's day: its director (the rest of the staff 403)."""
    user = user.at(school_id)
    if user.school_id != school_id:
        return FORBID if user.role == "admin" else HIDE
    if user.role == "director":
        return ALLOW
    return FORBID if user.is_staff else HIDE


def roll_call(user: User, class_school_id: UUID, teaches_class: bool) -> Decision:
    """The roll call is taken by the class's teachers (a director who teaches
    the class too). The rest of the staff knows the class (403)."""
    user = user.at(class_school_id)
    if user.school_id != class_school_id:
        return FORBID if user.role == "admin" else HIDE
    if teaches_class and user.is_staff:
        return ALLOW
    return FORBID if user.is_staff else HIDE


def settings(user: User, school_id: UUID) -> Decision:
    """Reading or changing the time unread absences go to the director: a
    school setting, the director's (and the platform admin's)."""
    return directory_policy.school_decision(user, school_id, SchoolAction.CHANGE_SETTINGS)
