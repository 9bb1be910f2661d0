"""Who may read, write and delete pages of the cahier de réalisations: the one
place these rules live.

Pure functions of the user and of facts the routes gather (`Ties`: how the
user is linked to the child, or to the class), read as a table: ALLOW, FORBID
(403: you know it exists but may not) or HIDE (404: you may not even know it
exists).

A child's cahier is seen by the child's guardians, the teachers of the child's
class, the school's director(s) and the child's own pupil account; by nobody
else, not even the platform admin (a cahier is full of children's photos). A
class page is seen by the audience of every child's cahier of the class.
Which of a page's photos each reader is shown: the one consent rule,
`liaison.consent.policy.photo_visible`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User

__all__ = ["Action", "Decision", "PageFacts", "Ties", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


@dataclass(frozen=True)
class Ties:
    """How the user is linked to a child (or to a class)."""

    school_id: UUID  # the child's (the class's) school
    guardian: bool = False  # a guardian of the child (of a child of the class)
    teacher: bool = False  # teaches the child's class (the class)
    pupil: bool = False  # the child's own pupil account (a pupil of the class)


class Action(enum.Enum):
    READ = "read"  # the cahier, a page, its photos, the printable export
    ADD_PAGE = "add_page"  # a page in a child's cahier
    DELETE = "delete"  # a page


@dataclass(frozen=True)
class PageFacts:
    kind: str  # "child" | "family" | "class"
    ties: Ties  # to the page's child, or to the class of a class page
    is_author: bool


def _sees(user: User, ties: Ties) -> bool:
    user = user.at(ties.school_id)
    if user.role == "admin" or user.school_id != ties.school_id:
        return False
    return (
        user.role == "director"
        or (user.role == "teacher" and ties.teacher)
        or (user.role == "parent" and ties.guardian)
        or (user.role == "student" and ties.pupil)
    )


def cahier_decision(user: User, child: Ties, action: Action) -> Decision:
    """READ or ADD_PAGE on a child's cahier: whoever sees it writes in it (a
    guardian's page is a family page, see `page_kind`)."""
    if action not in (Action.READ, Action.ADD_PAGE):
        raise ValueError(action)
    return ALLOW if _sees(user, child) else HIDE


def page_kind(user: User, school_id: UUID | None = None) -> str:
    """The kind of page a user adds to a child's cahier of school `school_id`
    (their role there: a teacher elsewhere is a parent here)."""
    return "family" if user.at(school_id).role == "parent" else "child"


def class_page_decision(user: User, klass: Ties) -> Decision:
    """Adding a class page: the class's teachers and the director. The school's other
    teachers, and the class's own families and pupils, know the class: 403.
    Everyone else: 404."""
    user = user.at(klass.school_id)
    if user.role == "admin" or user.school_id != klass.school_id:
        return HIDE
    if user.role == "director" or (user.role == "teacher" and klass.teacher):
        return ALLOW
    if user.role == "teacher" or _sees(user, klass):
        return FORBID
    return HIDE


def page_decision(user: User, page: PageFacts, action: Action) -> Decision:
    """READ or DELETE one page: its audience reads it; its author, the teachers
    of the class and the director delete it (a family page too: moderation)."""
    if not _sees(user, page.ties):
        return HIDE
    user = user.at(page.ties.school_id)
    if action is Action.READ:
        return ALLOW
    if action is Action.DELETE:
        if page.is_author or user.role == "director" or (user.role == "teacher" and page.ties.teacher):
            return ALLOW
        return FORBID
    raise ValueError(action)
