"""Who may read and write the class blog: the one place these rules live.

Pure functions of the user and facts the service gathers, read as a table:
ALLOW, FORBID (403: you may see it but not do this) or HIDE (404: you may
not even know it exists).

The audience of a class's blog: its teachers, the school's director(s), the
guardians of its children and its pupils. Nobody else, not even the other
teachers of the school nor the platform admin: the blog shows children.
Within it, a post not published yet (submitted by a pupil, or sent back) is
seen only by its author and the class's staff. Which of a post's photos a
reader is shown: the one consent rule, `liaison.consent.policy.photo_visible`.
"""

from __future__ import annotations

import enum
from collections.abc import Set
from dataclasses import dataclass
from uuid import UUID

from liaison.consent import policy as consent_policy
from liaison.core.decisions import Decision, enforce
from liaison.core.people import User

__all__ = [
    "ClassAction",
    "ClassFacts",
    "CommentAction",
    "Decision",
    "PostAction",
    "PostFacts",
    "enforce",
]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


@dataclass(frozen=True)
class ClassFacts:
    """How the user stands with the class."""

    school_id: UUID
    teaches: bool = False  # a teacher of the class
    guardian: bool = False  # a guardian of one of its children
    pupil: bool = False  # the pupil account of one of its children

    def is_staff(self, user: User) -> bool:
        """A teacher of the class, or a director of its school."""
        user = user.at(self.school_id)
        if user.school_id != self.school_id:
            return False
        return (user.role == "teacher" and self.teaches) or user.role == "director"

    def in_audience(self, user: User) -> bool:
        user = user.at(self.school_id)
        if user.school_id != self.school_id:
            return False
        return (
            self.is_staff(user)
            or (user.role == "parent" and self.guardian)
            or (user.role == "student" and self.pupil)
        )


@dataclass(frozen=True)
class PostFacts:
    status: str  # published | submitted | rejected
    is_author: bool


class ClassAction(enum.Enum):
    LIST = "list"
    CREATE = "create"


class PostAction(enum.Enum):
    READ = "read"
    EDIT = "edit"
    DELETE = "delete"
    PUBLISH = "publish"
    REJECT = "reject"
    COMMENT = "comment"


class CommentAction(enum.Enum):
    REMOVE = "remove"


def class_decision(user: User, klass: ClassFacts, action: ClassAction) -> Decision:
    user = user.at(klass.school_id)
    if not klass.in_audience(user):
        return HIDE
    if action is ClassAction.LIST:
        return ALLOW
    if action is ClassAction.CREATE:
        # Teachers publish; pupils submit; families comment but do not write posts.
        return ALLOW if klass.is_staff(user) or user.role == "student" else FORBID
    return FORBID


def post_decision(user: User, klass: ClassFacts, post: PostFacts, action: PostAction) -> Decision:
    user = user.at(klass.school_id)
    if not klass.in_audience(user):
        return HIDE
    staff = klass.is_staff(user)
    if post.status != "published" and not (staff or post.is_author):
        return HIDE  # a pupil's draft is between the pupil and the teacher
    if action is PostAction.READ:
        return ALLOW
    if action is PostAction.EDIT:
        if staff:
            return ALLOW
        return ALLOW if post.is_author and post.status in ("submitted", "rejected") else FORBID
    if action is PostAction.DELETE:
        return ALLOW if staff or post.is_author else FORBID
    if action in (PostAction.PUBLISH, PostAction.REJECT):
        return ALLOW if staff else FORBID
    if action is PostAction.COMMENT:
        if post.status != "published":
            return FORBID
        return ALLOW if staff or user.role == "parent" else FORBID  # pupils read the comments
    return FORBID


def comment_decision(
    user: User, klass: ClassFacts, post: PostFacts, is_comment_author: bool, action: CommentAction
) -> Decision:
    seen = post_decision(user, klass, post, PostAction.READ)
    if seen is not ALLOW:
        return seen
    if action is CommentAction.REMOVE:
        return ALLOW if klass.is_staff(user) or is_comment_author else FORBID
    return FORBID


def media_visible(
    user: User, klass: ClassFacts, post: PostFacts, tagged: Set[UUID], lacking: Set[UUID], mine: Set[UUID]
) -> bool:
    """May the user see a photo of this post? Those who may read the post,
    as the consent rule shows it to them (`consent_policy.photo_visible`: a
    photo showing a child without consent, withdrawn after publication or
    tagged afterwards, only to the class's staff and that child's own family
    and pupil account)."""
    if post_decision(user, klass, post, PostAction.READ) is not ALLOW:
        return False
    return consent_policy.photo_visible(klass.is_staff(user), tagged, lacking, mine)
