"""Image consent as pure functions, read as tables: who may see and give a
child's consent (ALLOW, FORBID: 403, you know the child but may not; or HIDE:
404), and the one rule deciding who is shown a photo of children, wherever it
is shown (the class blog, the cahier de réalisations).
"""

from __future__ import annotations

from collections.abc import Set
from uuid import UUID

from liaison.core.decisions import Decision
from liaison.core.people import User

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


def view_child(user: User, child_school_id: UUID, is_guardian: bool) -> Decision:
    """The child's guardians and the school's staff (and the platform admin,
    who sees every school's directory)."""
    user = user.at(child_school_id)
    if is_guardian or user.role == "admin":
        return ALLOW
    if user.school_id != child_school_id or user.role in ("parent", "student"):
        return HIDE  # another family's child does not exist for a family or a pupil
    return ALLOW if user.is_staff else HIDE


def decide_for_child(user: User, child_school_id: UUID, is_guardian: bool) -> Decision:
    """Only a holder of parental authority decides, and only for themselves."""
    if is_guardian:
        return ALLOW
    seen = view_child(user, child_school_id, is_guardian)
    return FORBID if seen is ALLOW else seen


def view_class(user: User, class_school_id: UUID) -> Decision:
    """The class overview: the school's staff (and the admin); families never."""
    user = user.at(class_school_id)
    if user.role == "admin":
        return ALLOW
    if user.school_id != class_school_id:
        return HIDE
    return ALLOW if user.is_staff else HIDE


def photo_visible(is_staff: bool, tagged: Set[UUID], lacking: Set[UUID], mine: Set[UUID]) -> bool:
    """Is a photo, in a post or page the user may read, shown to them? It shows
    the children `tagged`, of whom `lacking` have no image consent; `mine` are
    the user's own children (a guardian's children, a pupil's own self).

    The school's staff (`is_staff`: a teacher or director who reads it) see
    every photo: they took it or must act on it. A family or a pupil sees it
    unless it shows a child without consent who is not theirs.

    Why: in France every holder of parental authority must agree before a
    child's photo is shown to others; one guardian's "no", or silence, is
    enough to keep it from them. But showing a child to its own parents (or
    to the child itself) is not "showing it online": Léa's family and Léa
    still see a photo of Léa, in her cahier as on the class blog, whatever
    Léa's consent (unless another child on it lacks consent); the other
    families do not. A consent withdrawn later, or a child
    tagged afterwards, hides the photo from them at once."""
    return is_staff or not _hidden_by(tagged, lacking, mine)


def withheld(tagged: Set[UUID], lacking: Set[UUID], own: Set[UUID] = frozenset()) -> bool:
    """The flag on the staff's view of a photo: is it hidden from families or
    pupils who read where it is shown (`photo_visible`)? `own`: the children
    who are their own for every family or pupil reading there (a child's
    cahier page: that child, read only by its family and itself; none on the
    class blog or a class page, read by every family of the class)."""
    return bool(_hidden_by(tagged, lacking, own))


def _hidden_by(tagged: Set[UUID], lacking: Set[UUID], mine: Set[UUID]) -> set[UUID]:
    """The children who keep the photo from someone whose own children are
    `mine`: shown on it, without consent, not theirs."""
    return (set(tagged) & set(lacking)) - set(mine)


def act_for_class(user: User, class_school_id: UUID, teaches: bool) -> Decision:
    """Remind a class's families who have not answered: the class's teachers
    (`teaches`) and the school's directors. Another teacher of the school
    sees the overview but may not (403); the admin, who is of no school,
    neither; families and pupils never know (404)."""
    seen = view_class(user, class_school_id)
    if seen is not ALLOW:
        return seen
    user = user.at(class_school_id)
    if user.role == "director" or (user.role == "teacher" and teaches):
        return ALLOW
    return FORBID


def record_paper(user: User, child_school_id: UUID, is_guardian: bool, teaches: bool) -> Decision:
    """Record a guardian's signed paper form: as `act_for_class` for the
    child's class. A guardian of the child answers for themselves, not on
    paper (403)."""
    if is_guardian:
        return FORBID
    return act_for_class(user, child_school_id, teaches)
