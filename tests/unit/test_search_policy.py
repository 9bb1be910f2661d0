"""Who finds a message (`liaison/search/policy.py`): whoever may read its thread,
as the inbox shows it: its members, and nobody else, who is not even told it
exists (HIDE)."""

from __future__ import annotations

import pytest

from liaison.search.policy import ThreadFacts, result
from tests.unit.roles import ALLOW, HIDE, person

KINDS = ("direct", "announcement", "signup", "absence")

# (role, is a member of the thread, as staff) -> decision, for every kind of thread.
RESULTS = [
    ("parent", True, False, ALLOW),
    ("parent", False, False, HIDE),  # another family's conversation
    ("student", True, False, ALLOW),
    ("student", False, False, HIDE),
    ("teacher", True, True, ALLOW),
    ("teacher", False, False, HIDE),  # another class's
    ("director", True, True, ALLOW),
    ("director", False, False, HIDE),  # a family's conversation she was not asked into
    ("admin", False, False, HIDE),  # the platform admin is in no thread
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("role", "member", "staff", "expected"), RESULTS)
def test_a_result_is_shown_to_the_threads_members_only(
    kind: str, role: str, member: bool, staff: bool, expected: object
) -> None:
    assert result(person(role), ThreadFacts(kind, is_member=member, is_staff_member=staff)) is expected
