"""Who may read and write a class's or the school's agenda, which sign-up an
event may link to, and who puts a message's date in the agenda.

Pure functions of the user and facts the service gathers, read as a table:
ALLOW, FORBID (403: you see it but may not write) or HIDE (404: you may not
even know it exists).
"""

from __future__ import annotations

import enum
from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User
from liaison.directory import policy as directory_policy
from liaison.directory.policy import SchoolAction

__all__ = ["AgendaAction", "Decision", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


class AgendaAction(enum.Enum):
    READ = "read"
    WRITE = "write"  # add an event


def class_agenda(
    user: User, class_school_id: UUID, follows_class: bool, teaches_class: bool, action: AgendaAction
) -> Decision:
    """A class's agenda is read by its families and pupils (`follows_class`),
    the staff of the school and the platform admin; written by its teachers,
    the direction and the admin."""
    user = user.at(class_school_id)
    readers = user.role == "admin" or (user.is_staff and user.school_id == class_school_id) or follows_class
    if not readers:
        return HIDE
    if action is AgendaAction.READ:
        return ALLOW
    return ALLOW if user.role in ("director", "admin") or teaches_class else FORBID


def school_agenda(user: User, school_id: UUID, action: AgendaAction) -> Decision:
    """The school's own events: read by everyone of the school (and the
    admin); written as a school setting is changed."""
    user = user.at(school_id)
    if user.role != "admin" and user.school_id != school_id:
        return HIDE
    if action is AgendaAction.READ:
        return ALLOW
    return directory_policy.school_decision(user, school_id, SchoolAction.CHANGE_SETTINGS)


def link_signup(thread_kind: str | None, is_member: bool) -> Decision:
    """An event may point to a sign-up its author is a member of; any other
    thread (or none) is, for them, an unknown sign-up."""
    return ALLOW if thread_kind == "signup" and is_member else HIDE


def date_of_thread(thread_kind: str, writes_every_agenda: bool) -> Decision:
    """A staff member of an announcement or a sign-up (the messaging policy has
    checked that) puts its date in the agenda of the classes it addresses (the
    school's, for the whole school) when they may write in each of them. Other
    kinds of thread have no date to share."""
    if thread_kind not in ("announcement", "signup"):
        return FORBID
    return ALLOW if writes_every_agenda else FORBID
