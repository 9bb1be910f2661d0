"""Who sends photos, tags the children on them and is shown the tags
(`liaison/media/policy.py`), as tables. Whether a photo is seen at all is
`access.may_see`'s, given here as a fact."""

from __future__ import annotations

import pytest

from liaison.media.policy import MediaAction, media_decision, shows_tags, upload
from tests.unit.roles import ALLOW, FORBID, HIDE, person

VIEW, TAG = MediaAction.VIEW, MediaAction.TAG

# role -> (send a photo; a photo they may see: view it, tag it; shown its tags)
ROLES = [
    ("admin", FORBID, ALLOW, FORBID, False),
    ("director", ALLOW, ALLOW, ALLOW, True),
    ("teacher", ALLOW, ALLOW, ALLOW, True),
    ("parent", ALLOW, ALLOW, FORBID, False),
    ("student", ALLOW, ALLOW, FORBID, False),
]


@pytest.mark.parametrize(("role", "send", "view", "tag", "tags_shown"), ROLES)
def test_media_decisions(role, send, view, tag, tags_shown):
    user = person(role)
    assert upload(user) is send
    assert media_decision(user, True, VIEW) is view
    assert media_decision(user, True, TAG) is tag
    assert shows_tags(user) is tags_shown


@pytest.mark.parametrize("role", [r[0] for r in ROLES])
@pytest.mark.parametrize("action", list(MediaAction))
def test_a_photo_not_seen_is_hidden_from_everyone(role, action):
    assert media_decision(person(role), False, action) is HIDE
