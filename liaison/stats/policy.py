"""Who may read the adoption figures of a scope: pure, read as a table.

A director reads their own school's; a circonscription's team reads its
circonscription's and each of its schools'; the platform admin reads
everything, the platform included. Anyone else may not read figures at all
(FORBID, 403, whatever the scope); someone who may read figures but asks for
a school or a circonscription that is not theirs is not told it exists
(HIDE, 404), nor is anyone told about one that does not exist.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from liaison.core.decisions import Decision
from liaison.core.people import Role, User

__all__ = ["Decision", "ScopeFacts", "ScopeKind", "default_scope", "view"]

ALLOW, FORBID, HIDE = Decision.ALLOW, Decision.FORBID, Decision.HIDE


class ScopeKind(enum.StrEnum):
    PLATFORM = "platform"
    CIRCONSCRIPTION = "circonscription"
    SCHOOL = "school"


@dataclass(frozen=True)
class ScopeFacts:
    """What the figures are asked about: its kind, its id (None for the
    platform), whether it exists, and the circonscription it is (a
    circonscription) or belongs to (a school; None when attached to none)."""

    kind: ScopeKind
    id: UUID | None = None
    exists: bool = True
    circonscription_id: UUID | None = None


def _directs(user: User) -> bool:
    return any(role == Role.DIRECTOR for _, role in user.schools)


def may_read_figures(user: User) -> bool:
    """Whether this person reads figures at all (the web app's menu)."""
    return user.role in (Role.ADMIN, Role.CIRCONSCRIPTION) or _directs(user)


def view(user: User, scope: ScopeFacts) -> Decision:
    if not may_read_figures(user):
        return FORBID
    if user.role == Role.ADMIN:
        return ALLOW if scope.exists else HIDE
    if scope.kind is ScopeKind.PLATFORM:
        return FORBID  # known to exist, but above a school's or a circonscription's people
    if not scope.exists:
        return HIDE
    if user.role == Role.CIRCONSCRIPTION:
        mine = user.circonscription_id is not None and scope.circonscription_id == user.circonscription_id
        return ALLOW if mine else HIDE
    if scope.kind is ScopeKind.SCHOOL and scope.id is not None and user.role_at(scope.id) == Role.DIRECTOR:
        return ALLOW
    return HIDE


def default_scope(user: User) -> tuple[ScopeKind, UUID | None]:
    """The scope of a request that names none: the platform for the admin,
    their circonscription for its team, the first school a director directs;
    for anyone else the platform (which the policy refuses them)."""
    if user.role == Role.CIRCONSCRIPTION and user.circonscription_id is not None:
        return ScopeKind.CIRCONSCRIPTION, user.circonscription_id
    directed = next((school for school, role in user.schools if role == Role.DIRECTOR), None)
    if user.role != Role.ADMIN and directed is not None:
        return ScopeKind.SCHOOL, directed
    return ScopeKind.PLATFORM, None
