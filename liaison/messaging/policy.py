"""Who may write to whom, and who may see and do what in a thread.

Pure functions of the user and facts about the resource, read as a table:
ALLOW, FORBID (403: you know it exists but may not) or HIDE (404: you may not
even know it exists). The routes gather the facts and call these; nothing
else decides.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import STAFF_ROLES, Role, User

__all__ = ["Decision", "ThreadAction", "ThreadFacts", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def start_direct(user: User, child_school_id: UUID, is_guardian: bool, teaches_child: bool) -> Decision:
    """A conversation about one child."""
    user = user.at(child_school_id)
    if user.role == "parent":
        # Another family's child does not exist for a parent.
        return ALLOW if is_guardian else HIDE
    if user.role == "admin":
        # The platform admin sees every school's directory, but writes to no family.
        return FORBID
    if user.school_id != child_school_id:
        return HIDE
    if user.role == "director" or (user.role == "teacher" and teaches_child):
        return ALLOW
    return FORBID  # a teacher of another class, a pupil


def writes_to_families(user: User) -> Decision:
    """Announcements and sign-ups come from a school's staff (of one of the
    person's schools), asked before anything about the audience is read."""
    return ALLOW if any(role in STAFF_ROLES for _, role in user.schools) else FORBID


def start_rpi_announcement(user: User, rpi_school_ids: list[UUID]) -> Decision:
    """To every family of an RPI: a director of one of its schools. A teacher
    of one of them knows the RPI (403); anyone else never learns of it, nor
    of an RPI that does not exist (no schools): 404."""
    roles = {user.role_at(school) for school in rpi_school_ids}
    if Role.DIRECTOR in roles:
        return ALLOW
    if roles & set(STAFF_ROLES):
        return FORBID
    return HIDE


def writes_to_staff(user: User) -> Decision:
    """Announcements to the staff of schools: the admin and a circonscription's
    team only, asked before anything about the audience is read."""
    return ALLOW if user.role in (Role.ADMIN, Role.CIRCONSCRIPTION) else FORBID


def start_staff_announcement(user: User, circonscriptions: set[UUID | None]) -> Decision:
    """`circonscriptions`: those of the schools addressed (or the one named).
    The admin writes to any; a circonscription's team to its own schools only:
    another circonscription's are not theirs to know (404)."""
    if user.role == Role.ADMIN:
        return ALLOW
    if user.role == Role.CIRCONSCRIPTION and user.circonscription_id is not None:
        return ALLOW if circonscriptions == {user.circonscription_id} else HIDE
    return FORBID


def start_announcement(
    user: User, whole_school: bool, class_ids_taught: set[UUID], class_ids: list[UUID]
) -> Decision:
    """`class_ids` are already known to be classes of the user's school."""
    if user.role == "director":
        return ALLOW
    if user.role == "teacher":
        if whole_school or not set(class_ids) <= class_ids_taught:
            return FORBID
        return ALLOW
    return FORBID


class ThreadAction(enum.Enum):
    READ = "read"  # see it, its messages, mark it read
    POST = "post"
    REPLY_PRIVATELY = "reply_privately"
    ACK = "ack"
    SIGN_UP = "sign_up"  # volunteer on a slot, or withdraw
    RECEIPTS = "receipts"  # the receipts and the paper slips
    FOLLOW_UP = "follow_up"  # remind the families, note a signed paper slip
    CLOSE = "close"  # close it to new messages, or reopen it


@dataclass(frozen=True)
class ThreadFacts:
    kind: str
    is_member: bool
    is_staff_member: bool
    is_author: bool = False
    school_id: UUID | None = None  # the thread's school (asked by CLOSE)
    # To the staff of schools (from the circonscription or the admin): its
    # staff members are the author's side, the others the addressed staff.
    to_staff: bool = False


_BROADCAST = ("announcement", "signup")


def thread_decision(user: User, thread: ThreadFacts, action: ThreadAction) -> Decision:
    user = user.at(thread.school_id)
    if not thread.is_member:
        return HIDE
    if action is ThreadAction.READ:
        return ALLOW
    if thread.to_staff:
        return _to_staff_decision(user, thread, action)
    if user.role == "circonscription":
        return FORBID  # cannot happen (never a member of a school's thread); nothing but reading
    if user.role == "student":
        return FORBID  # a pupil does not message
    if action is ThreadAction.POST:
        if thread.kind in _BROADCAST and not thread.is_staff_member:
            return FORBID  # families answer privately
        return ALLOW
    if action is ThreadAction.REPLY_PRIVATELY:
        return ALLOW if thread.kind in _BROADCAST and user.role == "parent" else FORBID
    if action is ThreadAction.ACK:
        return ALLOW if user.role == "parent" and not thread.is_staff_member else FORBID
    if action is ThreadAction.SIGN_UP:
        if thread.kind != "signup":
            return FORBID
        return ALLOW if user.role == "parent" and not thread.is_staff_member else FORBID
    if action is ThreadAction.RECEIPTS:
        # The author and the thread's staff: a family that wrote sees who of it read.
        return ALLOW if thread.is_staff_member or thread.is_author else FORBID
    if action is ThreadAction.FOLLOW_UP:
        return ALLOW if thread.is_staff_member else FORBID
    if action is ThreadAction.CLOSE:
        # The director of the thread's school only: a teacher member knows the
        # thread (403); someone who cannot see it never learns it exists (404 above).
        director = user.role == "director" and thread.school_id is not None
        return ALLOW if director and user.school_id == thread.school_id else FORBID
    return FORBID


def _to_staff_decision(user: User, thread: ThreadFacts, action: ThreadAction) -> Decision:
    """A thread to the staff of schools, for its members: everyone posts (the
    addressed directors and teachers answer in it, seen by its members); the
    addressed sign when asked; the author's side follows the receipts, reminds
    and closes. No families, no slots, no private replies, no paper slips."""
    if user.role in (Role.PARENT, Role.STUDENT):
        return FORBID  # cannot happen: families are never members
    if action is ThreadAction.POST:
        return ALLOW
    if action is ThreadAction.ACK:
        return FORBID if thread.is_staff_member else ALLOW
    if action in (ThreadAction.RECEIPTS, ThreadAction.FOLLOW_UP, ThreadAction.CLOSE):
        return ALLOW if thread.is_staff_member else FORBID
    return FORBID  # REPLY_PRIVATELY, SIGN_UP


def for_my_children(addressed_children_of_mine: list[UUID]) -> Decision:
    """Signing or answering an announcement is for the families it addresses:
    a guardian member whose children are all outside it (a guardian added to
    the family after it was sent, say) may read it, not sign for another."""
    return ALLOW if addressed_children_of_mine else FORBID


def change_message(user: User, author_id: UUID) -> Decision:
    """Recalling or correcting a message is its author's alone."""
    return ALLOW if user.id == author_id else FORBID
