"""Who may see a photo of the blog (the media holder of the blog).

Those who may read a post that holds it (policy.post_decision: a published
post to the class's audience, one not published yet to its author and the
class's staff); but a photo showing a child without the consent of all its
guardians only to the class's staff and that child's own family, whatever
happened after publication (a guardian withdrew consent, the child was tagged
later): the one consent rule, `liaison.consent.policy.photo_visible`.
"""

from __future__ import annotations

from uuid import UUID

from liaison.blog import policy, store
from liaison.blog.policy import ClassFacts, PostAction, PostFacts
from liaison.consent import store as consent_store
from liaison.core.people import User
from liaison.media import store as media_store
from liaison.media.access import holder
from liaison.storage.db import Conn


@holder
async def blog_post_photo(conn: Conn, user: User, media_id: UUID) -> bool:
    consent: tuple[set[UUID], set[UUID], set[UUID]] | None = None  # tagged, lacking, mine
    for post in await store.posts_holding(conn, media_id):
        row = await store.class_facts(conn, user.id, post["class_id"])
        if row is None:
            continue
        klass = ClassFacts(row["school_id"], row["teaches"], row["guardian"], row["pupil"])
        facts = PostFacts(post["status"], post["author_id"] == user.id)
        if policy.post_decision(user, klass, facts, PostAction.READ) is not policy.Decision.ALLOW:
            continue
        if consent is None:
            tagged = set((await media_store.tags_of(conn, [media_id])).get(media_id, []))
            lacking = {c["id"] for c in await consent_store.children_without_consent(conn, list(tagged))}
            mine = await consent_store.own_children(conn, user.id, user.role) if lacking else set()
            consent = tagged, lacking, mine
        if policy.media_visible(user, klass, facts, *consent):
            return True
    return False
