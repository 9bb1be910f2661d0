"""Search: the messages a user may read that match what they typed, best first,
each with its thread and a highlighted excerpt."""

from __future__ import annotations

from typing import Any

from liaison.accounts import store as accounts
from liaison.core.context import Context
from liaison.core.decisions import Decision
from liaison.core.people import User
from liaison.messaging.store import Member, message_to_api, thread_to_api
from liaison.search import policy, store
from liaison.search.policy import ThreadFacts
from liaison.search.text import Folded, snippet


async def search(ctx: Context, user: User, typed: str, limit: int) -> list[dict[str, Any]]:
    """`typed` is already cleaned (liaison.search.text.clean_query) and not empty."""
    async with ctx.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        query = await store.parse_query(conn, typed)
        if query is None:
            return []
        hits = await store.hits(conn, user.id, query, limit)
        if not hits:
            return []
        # One snapshot (repeatable read): the rows are those the hits were read from.
        threads = await store.threads_by_id(conn, list({h["thread_id"] for h in hits}))
        found = [
            hit
            for hit in hits
            if policy.result(
                user,
                ThreadFacts(
                    threads[hit["thread_id"]]["kind"], is_member=True, is_staff_member=hit["is_staff"]
                ),
            )
            is Decision.ALLOW
        ]
        messages = await store.messages_by_id(conn, [h["message_id"] for h in found])
        sources = [Folded.of(messages[h["message_id"]]["body"]) for h in found]
        headlines = await store.headlines(conn, [s.folded for s in sources], query)
        authors = await accounts.users_by_id(
            conn,
            list(
                {messages[h["message_id"]]["author_id"] for h in found}
                | {t["author_id"] for t in threads.values()}
            ),
        )
    results = []
    for hit, source, headline in zip(found, sources, headlines, strict=True):
        message, thread = messages[hit["message_id"]], threads[hit["thread_id"]]
        member = Member(hit["is_staff"], hit["read_seq"], hit["acked_at"])
        results.append(
            {
                "thread": thread_to_api(thread, authors[thread["author_id"]], member),
                "message": message_to_api(message, authors[message["author_id"]]),
                "snippet": snippet(source, headline),
            }
        )
    return results
