"""Who may do what with accounts: a new letter, a second factor.

Pure functions of the user and facts about the account (see
liaison/core/decisions.py: ALLOW, FORBID 403, HIDE 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from liaison.core.decisions import Decision
from liaison.core.people import User


@dataclass(frozen=True)
class LetterTarget:
    """The account a new letter is asked for."""

    role: str
    school_id: UUID | None
    teaches_a_child: bool  # the asker teaches a class of one of this guardian's children


def new_letter_decision(user: User, target: LetterTarget) -> Decision:
    """A family's new letter: the director of its school, or a teacher of one of
    its children's classes; a staff member's: the director (or an admin)."""
    if target.school_id is not None:
        user = user.at(target.school_id)
    if user.role == "admin":
        return Decision.ALLOW if target.role != "admin" else Decision.FORBID
    if user.school_id is None or user.school_id != target.school_id:
        return Decision.HIDE
    if user.role == "director":
        return Decision.ALLOW if target.role in ("parent", "teacher", "student") else Decision.FORBID
    if user.role == "teacher":
        if target.role in ("parent", "student") and target.teaches_a_child:
            return Decision.ALLOW
        return Decision.HIDE if target.role in ("parent", "student") else Decision.FORBID
    return Decision.HIDE


def second_factor_decision(user: User) -> Decision:
    """A director (in any of their schools) or an admin may protect their own
    account with a second factor; nobody else, the circonscription team included."""
    directs = any(role == "director" for _, role in user.schools)
    return Decision.ALLOW if user.role == "admin" or directs else Decision.FORBID
