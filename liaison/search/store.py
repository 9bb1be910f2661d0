"""The SQL of search: the query, the ranked hits among the user's threads, and
the highlighted excerpts.

The searchable document is `messages.search_document` (migration 0026: the
body, and the subject for a thread's first message, folded and stemmed in
French, under a GIN index); messaging owns the rows, search the column, its
triggers and these reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from liaison.messaging.store import MESSAGE_COLUMNS, THREAD_COLUMNS
from liaison.search.text import MARK_END, MARK_START
from liaison.storage.db import Conn

# ts_headline: one excerpt of about two phone lines around the best match; a
# text that short is shown whole.
HEADLINE_OPTIONS = f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=24, MinWords=10, ShortWord=2'
WHOLE_UP_TO = 200  # characters


@dataclass(frozen=True)
class Query:
    """A tsquery (its text form) with at least one word an index can look up."""

    text: str


# Words the `french` configuration keeps but a search must not require (as
# stemmed lexemes): "les", missing from its list of common words, and the
# common words it lists with an accent, which folding has unaccented ("à" is
# "a", "même" "meme"). They stay in the documents; queries drop them, so that
# "les sorties à la piscine" finds "Sortie piscine".
IGNORED_LEXEMES = ("a", "le", "mem", "etais", "etait", "etaient", "etant")
_TYPED_QUERY = "websearch_to_tsquery('french', search_fold($1))"
for _lexeme in IGNORED_LEXEMES:
    _TYPED_QUERY = f"ts_rewrite({_TYPED_QUERY}, '{_lexeme}'::tsquery, ''::tsquery)"


async def parse_query(conn: Conn, typed: str) -> Query | None:
    """What was typed, as a French tsquery (websearch syntax: "quoted words"
    for a phrase, `-word` to leave out, `or`); None when nothing in it can be
    looked up (only common words such as "le", or only exclusions).

    In a transaction, the statements that follow are then planned for their
    own values (`plan_cache_mode`, until the transaction ends): a prepared
    statement otherwise falls back, after five runs, to a generic plan that
    cannot know how rare the words are and picks the wrong join order (ten
    times slower for a parent, bench/bench_search.py)."""
    row = await conn.fetchrow(
        f"""SELECT q::text AS query, querytree(q) AS tree,
                   set_config('plan_cache_mode', 'force_custom_plan', true) AS planning
            FROM {_TYPED_QUERY} AS q""",
        typed,
    )
    if row is None or row["tree"] in ("", "T"):
        return None
    return Query(row["query"])


# The best `$3` messages of user `$1`'s threads for the tsquery `$2`, best first
# (ts_rank_cd; the most recent first on equal ranks); recalled messages are not
# searched. Membership is the condition of messaging's READ rule.
#
# The user's matches are gathered first (MATERIALIZED), then ranked and sorted:
# PostgreSQL reaches them from the user's threads or from the GIN index,
# whichever costs less, and ranks only them. Left to plan the whole in one, it
# may rank every school's matches in order, hoping to stop early at the
# LIMIT, which costs as many matches as the territory has (bench/bench_search.py).
HITS = """WITH found AS MATERIALIZED (
              SELECT m.id AS message_id, m.thread_id, m.created_at, tm.is_staff, tm.read_seq, tm.acked_at,
                     ts_rank_cd(m.search_document, $2::tsquery) AS rank
              FROM messages m
              JOIN thread_members tm ON tm.thread_id = m.thread_id AND tm.user_id = $1
              WHERE m.search_document @@ $2::tsquery AND m.recalled_at IS NULL)
          SELECT message_id, thread_id, is_staff, read_seq, acked_at, rank FROM found
          ORDER BY rank DESC, created_at DESC, message_id DESC
          LIMIT $3"""


async def hits(conn: Conn, user_id: UUID, query: Query, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(HITS, user_id, query.text, limit)


async def messages_by_id(conn: Conn, ids: Sequence[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ANY($1::uuid[])", ids)
    return {r["id"]: r for r in rows}


async def threads_by_id(conn: Conn, ids: Sequence[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = ANY($1::uuid[])", ids)
    return {r["id"]: r for r in rows}


async def headlines(conn: Conn, folded_texts: Sequence[str], query: Query) -> list[str]:
    """`ts_headline` of each (already folded) text, in order, the matched words
    between MARK_START and MARK_END."""
    rows = await conn.fetch(
        """SELECT ts_headline('french', doc, $2::tsquery,
                             CASE WHEN length(doc) <= $4 THEN $3 || ', HighlightAll=true' ELSE $3 END)
                  AS headline
           FROM unnest($1::text[]) WITH ORDINALITY AS d (doc, n) ORDER BY n""",
        list(folded_texts),
        query.text,
        HEADLINE_OPTIONS,
        WHOLE_UP_TO,
    )
    return [r["headline"] for r in rows]


async def fold(conn: Conn, text: str) -> str:
    """`search_fold` itself (the tests compare it with liaison.search.text.fold)."""
    folded: str = await conn.fetchval("SELECT search_fold($1)", text)
    return folded
