"""Who may send photos and say which children they show: pure functions of
the user and facts the service gathers, read as a table (ALLOW, FORBID: 403,
or HIDE: 404). Who may see a photo is `access.py`'s: it asks the posts and
pages that hold it.
"""

from __future__ import annotations

import enum

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User

__all__ = ["Decision", "MediaAction", "enforce"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


class MediaAction(enum.Enum):
    VIEW = "view"
    TAG = "tag"  # say which children it shows


def upload(user: User) -> Decision:
    """Photos belong to a school: the platform admin, of none, sends none."""
    return ALLOW if user.school_id is not None else FORBID


def media_decision(user: User, may_see: bool, action: MediaAction) -> Decision:
    """`may_see`: what `access.may_see` answered for this user and photo."""
    if not may_see:
        return HIDE
    if action is MediaAction.TAG and not user.is_staff:
        return FORBID  # the school's teachers and direction tag children
    return ALLOW


def shows_tags(user: User) -> bool:
    """The children tagged on a photo are shown to the school's staff only."""
    return user.is_staff
