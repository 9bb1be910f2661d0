"""Who may send photos, say which children they show and attach them to a
post or page: pure functions of the user and facts the service gathers, read
as a table (ALLOW, FORBID: 403, or HIDE: 404). Who may see a photo is
`access.py`'s: it asks the posts and pages that hold it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User

__all__ = ["AttachFacts", "Decision", "MediaAction", "attach_decision", "enforce", "family_of"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


class MediaAction(enum.Enum):
    VIEW = "view"
    TAG = "tag"  # say which children it shows


def upload(user: User) -> Decision:
    """Photos belong to a school: the platform admin, of none, sends none."""
    return ALLOW if user.school_id is not None else FORBID


def media_decision(user: User, may_see: bool, action: MediaAction, school_id: UUID | None = None) -> Decision:
    """`may_see`: what `access.may_see` answered for this user and photo;
    `school_id`: the photo's school, where the user's role there decides (a
    teacher of school B who is a parent in A tags no photo of A)."""
    if not may_see:
        return HIDE
    if action is MediaAction.TAG and not _staff(user, school_id):
        return FORBID  # the school's teachers and direction tag children
    return ALLOW


def shows_tags(user: User, school_id: UUID | None = None) -> bool:
    """The children tagged on a photo are shown to the staff of its school
    (`school_id`) only."""
    return _staff(user, school_id)


def _staff(user: User, school_id: UUID | None) -> bool:
    """A teacher or director of the photo's school (of their first school when
    it is not said)."""
    return user.is_staff if school_id is None else user.is_staff_at(school_id)


@dataclass(frozen=True)
class AttachFacts:
    """What the service knows of a photo someone wants to attach."""

    may_see: bool  # `access.may_see` for this user
    own: bool  # this user uploaded it
    sent_by_guardian: bool  # its uploader is a parent
    uploader_children: frozenset[UUID]  # the uploader's children (a parent's)
    in_cahiers: frozenset[UUID]  # the children whose own cahier pages show it


def family_of(photo: AttachFacts) -> frozenset[UUID] | None:
    """The children whose family a photo belongs to, or None when it is not a
    family photo: one a guardian sent (their children), or shown on a child's
    own cahier page (that child), both counting."""
    family = photo.in_cahiers | (photo.uploader_children if photo.sent_by_guardian else frozenset())
    return family if photo.sent_by_guardian or photo.in_cahiers else None


def attach_decision(
    user: User, photo: AttachFacts, child_id: UUID | None, school_id: UUID | None = None
) -> Decision:
    """May `user` attach this photo to a post or page: a child's own cahier
    page (`child_id`), or a class page or blog post (None)?

    Only a photo they may see (HIDE otherwise: nothing tells it from one that
    does not exist); families and pupils attach only their own. A family photo
    stays in its family's pages: never on a class page, a blog post or another
    child's cahier (FORBID). `school_id`: the photo's school, where the
    user's role there decides."""
    user = user.at(school_id)
    if user.school_id is None or not photo.may_see:
        return HIDE
    if school_id is not None and user.school_id != school_id:
        return HIDE  # a photo of a school where they have no role
    if not user.is_staff and not photo.own:
        return HIDE
    family = family_of(photo)
    if family is not None and (child_id is None or child_id not in family):
        return FORBID
    return ALLOW
