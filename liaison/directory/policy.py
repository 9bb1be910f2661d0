"""Who may do what in the directory: the one place these rules live.

Pure functions of the user and the resource's attributes, so they test fast
and read as a table. The answer is ALLOW, FORBID (you know it exists but may
not act: 403) or HIDE (you may not even know it exists: 404).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from liaison.core.decisions import Decision, enforce
from liaison.core.people import User

__all__ = ["Decision", "enforce"]


class SchoolAction(enum.Enum):
    ADD_STAFF = "add_staff"
    IMPORT_ROSTER = "import_roster"
    PRINT_LETTERS = "print_letters"
    CHANGE_SETTINGS = "change_settings"


class ClassAction(enum.Enum):
    VIEW_MEMBERS = "view_members"


def may_create_school(user: User) -> Decision:
    return Decision.ALLOW if user.role == "admin" else Decision.FORBID


def school_decision(user: User, school_id: UUID, action: SchoolAction) -> Decision:
    user = user.at(school_id)
    if user.role == "admin":
        return Decision.ALLOW
    if user.school_id != school_id:
        return Decision.HIDE
    if user.role == "director":
        return Decision.ALLOW
    return Decision.FORBID


def child_account_decision(user: User, child_school_id: UUID, teaches_child: bool) -> Decision:
    """Creating a pupil's own account: the director, or a teacher of the pupil."""
    user = user.at(child_school_id)
    if user.role == "admin":
        return Decision.ALLOW
    if user.school_id != child_school_id or user.role in ("parent", "student"):
        return Decision.HIDE
    if user.role == "director" or teaches_child:
        return Decision.ALLOW
    return Decision.FORBID


def class_decision(user: User, class_school_id: UUID, action: ClassAction) -> Decision:
    user = user.at(class_school_id)
    if user.role == "admin":
        return Decision.ALLOW
    if user.school_id != class_school_id:
        return Decision.HIDE
    if action is ClassAction.VIEW_MEMBERS and user.role in ("director", "teacher"):
        # The staff of a school see every class of it: replacements and
        # shared pupils make the class boundary too tight for them.
        return Decision.ALLOW
    # Families and pupils never see the list of other families.
    return Decision.HIDE


# -- the territory: circonscriptions, RPIs, schools above one school ----------------------


def may_manage_territory(user: User) -> Decision:
    """Creating circonscriptions and RPIs, opening a team's accounts, moving a
    school: the platform admin only."""
    return Decision.ALLOW if user.role == "admin" else Decision.FORBID


@dataclass(frozen=True)
class Scope:
    """What a listing shows: everything, or the items of these ids."""

    everything: bool = False
    ids: frozenset[UUID] = frozenset()

    def shows(self, item_id: UUID | None) -> bool:
        return self.everything or (item_id is not None and item_id in self.ids)


def circonscriptions_scope(user: User) -> Scope | Decision:
    """The circonscriptions (and through them the schools) a user may list:
    the admin all, a circonscription's team theirs; nobody else (403)."""
    if user.role == "admin":
        return Scope(everything=True)
    if user.role == "circonscription" and user.circonscription_id is not None:
        return Scope(ids=frozenset({user.circonscription_id}))
    return Decision.FORBID


def school_overview_decision(user: User, school_id: UUID, school_circonscription_id: UUID | None) -> Decision:
    """A school's classes with their counts (never a name of a child or a
    family): the admin, and the team of the school's circonscription. The
    school's own staff know it exists (403); everyone else 404."""
    if user.role == "admin":
        return Decision.ALLOW
    if user.role == "circonscription":
        same = school_circonscription_id is not None and school_circonscription_id == user.circonscription_id
        return Decision.ALLOW if same else Decision.HIDE
    return Decision.FORBID if user.is_staff_at(school_id) else Decision.HIDE


def rpis_scope(user: User) -> Scope | Decision:
    """The RPIs a user may list: the admin all; a director those of the
    schools they direct (ids of those schools); nobody else (403)."""
    if user.role == "admin":
        return Scope(everything=True)
    directed = frozenset(school for school, role in user.schools if role == "director")
    if directed:
        return Scope(ids=directed)
    return Decision.FORBID


# -- one person, one account --------------------------------------------------------------


class StaffMatch(enum.Enum):
    NEW_ACCOUNT = "new_account"  # nobody with that address: a new account and its letter
    SAME_ACCOUNT = "same_account"  # a staff member of another school: the role here too
    REFUSED = "refused"  # a family's, a pupil's or the territory's account: 409


def staff_email_match(roles_with_that_email: list[str]) -> StaffMatch:
    """A staff member added with an address already known (the roles of the
    accounts holding it): a director or teacher elsewhere keeps one account;
    any other account with it is refused rather than given a second one."""
    if not roles_with_that_email:
        return StaffMatch.NEW_ACCOUNT
    if any(role in ("director", "teacher") for role in roles_with_that_email):
        return StaffMatch.SAME_ACCOUNT
    return StaffMatch.REFUSED


@dataclass(frozen=True)
class KnownGuardian:
    """A family account of another school holding a roster row's address."""

    user_id: UUID
    first_key: str  # the names as `csv_import.identity_text` normalises them
    last_key: str


def guardian_match(first_key: str, last_key: str, known: list[KnownGuardian]) -> UUID | None:
    """The account of another school a roster row's guardian already has: the
    one with the same address and the same first name; when a couple shares
    the address under one first name (rare), the one with the same last name
    too. An address alone never merges two people: a different first name
    gets an account of its own (the family can still link it by code)."""
    same_first = [k for k in known if k.first_key == first_key]
    if len(same_first) == 1:
        return same_first[0].user_id
    same_names = [k for k in same_first if k.last_key == last_key]
    return same_names[0].user_id if len(same_names) == 1 else None


def link_decision(user: User) -> Decision:
    """Joining another school's letter to one's account: families only."""
    return Decision.ALLOW if user.role == "parent" else Decision.FORBID


def link_problem(user: User, target_id: UUID, target_role: str, shares_a_child: bool) -> str | None:
    """Why a letter's account may not be joined to the user's (a 422), or None.
    Only a family's account joins: not a staff member's, not one's own, and not
    that of another guardian of one's own children (a co-parent's letter)."""
    if target_id == user.id:
        return "Ce code est celui de votre propre compte."
    if target_role != "parent":
        return "Ce code n'est pas celui d'un compte de famille."
    if shares_a_child:
        return "Ce code est celui d'un autre responsable de vos enfants : il lui revient de l'activer."
    return None
