"""The SQL of the adoption figures.

This is the one reporting module that reads across the other capabilities'
tables (schools and children of the directory, users and their push
subscriptions, threads, messages and signatures of messaging, absences,
blog posts, cahier pages), and it writes none. Each figure family is one
set-based statement over the scope's schools, grouped by school with the
scope's total in the same pass (`GROUPING SETS`): a total is counted, never
added up or averaged from the schools' rows, so a family or a guardian known
in two schools, or an announcement of an RPI sent to several schools,
counts once in it. Counts only: no statement reads a name but a school's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from liaison.storage.db import Conn

# One figure row: the counts of a school, or of the scope (key None).
Counts = dict[str, int]


@dataclass
class Figures:
    """Raw counts, per school id and for the whole scope (key None), and per
    week (its index in the week starts given to `figures`)."""

    by_school: dict[UUID | None, Counts] = field(default_factory=dict)
    weeks: dict[int, Counts] = field(default_factory=dict)

    def add(self, school_id: UUID | None, **counts: int) -> None:
        self.by_school.setdefault(school_id, {}).update(counts)

    def add_week(self, week: int, **counts: int) -> None:
        self.weeks.setdefault(week, {}).update(counts)


async def school_facts(conn: Conn, school_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, circonscription_id FROM schools WHERE id = $1", school_id)


async def circonscription_exists(conn: Conn, circonscription_id: UUID) -> bool:
    found = await conn.fetchval("SELECT true FROM circonscriptions WHERE id = $1", circonscription_id)
    return bool(found)


async def schools_of_scope(
    conn: Conn, *, school_id: UUID | None = None, circonscription_id: UUID | None = None
) -> list[asyncpg.Record]:
    """The schools a scope covers (one school, a circonscription's, or every
    school when neither is given), by name."""
    return await conn.fetch(
        """SELECT id, name FROM schools
           WHERE ($1::uuid IS NULL OR id = $1) AND ($2::uuid IS NULL OR circonscription_id = $2)
           ORDER BY name, id""",
        school_id,
        circonscription_id,
    )


# `$1` the schools, `$2` and `$3` the range [start, end) as times (the two
# statements about people, `$2` its end: who was there by then), `$4` the
# times each week starts (a Monday, 0:00 in Paris): a time's week is its
# `width_bucket` among them, a binary search rather than a time zone
# conversion and a text per row. Each
# statement answers (school_id, counts...) rows, the scope's total with a
# null school_id (`GROUPING SETS ((school_id), ())`).

_FAMILIES = """
SELECT c.school_id,
       count(*) AS families,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM guardianships g JOIN users u ON u.id = g.user_id
           WHERE g.child_id = c.id AND u.activated_at < $2)) AS families_activated
FROM children c
WHERE c.school_id = ANY($1::uuid[]) AND c.created_at < $2
GROUP BY GROUPING SETS ((c.school_id), ())
"""

_GUARDIANS = """
SELECT c.school_id,
       count(DISTINCT g.user_id) AS guardians_activated,
       count(DISTINCT g.user_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM push_subscriptions p WHERE p.user_id = g.user_id)) AS guardians_push
FROM children c
JOIN guardianships g ON g.child_id = c.id
JOIN users u ON u.id = g.user_id
WHERE c.school_id = ANY($1::uuid[]) AND u.activated_at < $2
GROUP BY GROUPING SETS ((c.school_id), ())
"""

# The announcements to families (and sign-up requests) sent in the range,
# counted in the school of each family they were sent to; each (announcement,
# family) pair is read within 24 hours when one of the family's guardians
# opened it by then, and signed when the family signed (online or on paper).
# The pairs read in time are found in one join of the guardians' member rows
# (not asked pair by pair, and once for a family's two guardians); the pairs
# are summed per (school, announcement) first, then per school and in all.
_ANNOUNCEMENTS = """
WITH pairs AS (
    SELECT c.school_id, t.id AS thread_id, tc.child_id, t.require_ack
    FROM threads t
    JOIN thread_children tc ON tc.thread_id = t.id
    JOIN children c ON c.id = tc.child_id
    WHERE t.kind IN ('announcement', 'signup') AND t.created_at >= $2 AND t.created_at < $3
      AND c.school_id = ANY($1::uuid[])
), read_in_time AS (
    SELECT DISTINCT m.thread_id, g.child_id
    FROM threads t
    JOIN thread_members m ON m.thread_id = t.id
    JOIN guardianships g ON g.user_id = m.user_id
    JOIN children c ON c.id = g.child_id
    WHERE t.kind IN ('announcement', 'signup') AND t.created_at >= $2 AND t.created_at < $3
      AND NOT m.is_staff AND m.first_read_at <= t.created_at + interval '24 hours'
      AND c.school_id = ANY($1::uuid[])
), per_announcement AS (
    SELECT p.school_id, p.thread_id,
           count(*) AS addressed,
           count(r.thread_id) AS read_24h,
           count(*) FILTER (WHERE p.require_ack) AS to_sign,
           count(a.thread_id) FILTER (WHERE p.require_ack) AS signed
    FROM pairs p
    LEFT JOIN read_in_time r ON r.thread_id = p.thread_id AND r.child_id = p.child_id
    LEFT JOIN acks a ON a.thread_id = p.thread_id AND a.child_id = p.child_id
    GROUP BY p.school_id, p.thread_id
)
SELECT school_id,
       count(DISTINCT thread_id) AS announcements,
       sum(addressed)::bigint AS addressed,
       sum(read_24h)::bigint AS read_24h,
       sum(to_sign)::bigint AS to_sign,
       sum(signed)::bigint AS signed
FROM per_announcement
GROUP BY GROUPING SETS ((school_id), ())
"""

# Messages written in the range (recalled ones are gone), by the school of
# their thread, and by week.
_MESSAGES = """
SELECT school_id, week, GROUPING(school_id) AS all_schools, GROUPING(week) AS all_weeks,
       count(*) AS messages
FROM (
    SELECT t.school_id, width_bucket(m.created_at, $4::timestamptz[]) AS week
    FROM messages m
    JOIN threads t ON t.id = m.thread_id
    WHERE m.created_at >= $2 AND m.created_at < $3 AND m.recalled_at IS NULL
      AND t.school_id = ANY($1::uuid[])
) AS written
GROUP BY GROUPING SETS ((school_id), (week), ())
"""

# What the school's people published through the app in the range.
_PUBLISHED = """
SELECT what, school_id, count(*) AS n FROM (
    SELECT 'absences_online' AS what, school_id FROM absences
     WHERE reported_at >= $2 AND reported_at < $3 AND school_id = ANY($1::uuid[])
    UNION ALL
    SELECT 'blog_posts', school_id FROM posts
     WHERE status = 'published' AND published_at >= $2 AND published_at < $3
       AND school_id = ANY($1::uuid[])
    UNION ALL
    SELECT 'cahier_pages', school_id FROM realisation_pages
     WHERE created_at >= $2 AND created_at < $3 AND school_id = ANY($1::uuid[])
) AS published
GROUP BY GROUPING SETS ((what, school_id), (what))
"""

# A family (a child) is active in a week when one of its guardians used
# Liaison with the child's school that week (Paris time): opened or wrote in
# one of the school's conversations or announcements (signing is reading),
# or reported an absence. Read from the guardians' side (their member rows:
# the inbox's index for a circonscription, one hash join for the platform),
# each act reduced to distinct (family, week) pairs.
_ACTIVE_FAMILIES = """
WITH guardians AS (
    SELECT c.id AS child_id, c.school_id, g.user_id
    FROM children c JOIN guardianships g ON g.child_id = c.id
    WHERE c.school_id = ANY($1::uuid[])
), acts AS (
    SELECT f.child_id, x.at
    FROM guardians f
    JOIN thread_members m ON m.user_id = f.user_id
    JOIN threads t ON t.id = m.thread_id AND t.school_id = f.school_id
    CROSS JOIN LATERAL (VALUES (m.first_read_at), (m.read_at)) AS x (at)
    WHERE t.school_id = ANY($1::uuid[]) AND NOT m.is_staff AND m.read_at >= $2 AND x.at >= $2 AND x.at < $3
    UNION ALL
    SELECT f.child_id, msg.created_at
    FROM guardians f
    JOIN thread_members m ON m.user_id = f.user_id
    JOIN threads t ON t.id = m.thread_id AND t.school_id = f.school_id
    JOIN messages msg ON msg.thread_id = m.thread_id AND msg.author_id = f.user_id
    WHERE t.school_id = ANY($1::uuid[]) AND NOT m.is_staff AND m.read_at >= $2
      AND msg.created_at >= $2 AND msg.created_at < $3
    UNION ALL
    SELECT ab.child_id, ab.reported_at
    FROM absences ab
    WHERE ab.school_id = ANY($1::uuid[]) AND ab.reported_at >= $2 AND ab.reported_at < $3
), weeks AS (
    SELECT DISTINCT width_bucket(at, $4::timestamptz[]) AS week, child_id FROM acts
)
SELECT week, count(*) AS active_families FROM weeks GROUP BY week
"""


async def snapshot_settings(conn: Conn) -> None:
    """Inside the figures' transaction: room for their hash joins and
    aggregates over a territory's year (a report, not a page of the inbox),
    and a plan made for each scope's schools: a generic plan, which a
    prepared statement gets after five runs, knows neither one school from
    890 nor a week from a year, and reads a circonscription as the platform."""
    await conn.execute("SET LOCAL work_mem = '64MB'")
    await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    # One statement over a territory's year on a busy server may take more
    # than the pool's 30 s; the pool's client side waits 60 s.
    await conn.execute("SET LOCAL statement_timeout = '60s'")


async def figures(
    conn: Conn, school_ids: list[UUID], start: dt.datetime, end: dt.datetime, week_starts: list[dt.datetime]
) -> Figures:
    """Every count of the schools `school_ids` over [start, end), and per week
    (`week_starts`, in order: week i from week_starts[i - 1]): one statement
    per figure family. Run it in one read-only snapshot (`snapshot`)."""
    found = Figures()
    args: tuple[Any, ...] = (school_ids, start, end)
    weekly: tuple[Any, ...] = (*args, week_starts)
    for row in await conn.fetch(_FAMILIES, school_ids, end):
        found.add(row["school_id"], families=row["families"], families_activated=row["families_activated"])
    for row in await conn.fetch(_GUARDIANS, school_ids, end):
        found.add(
            row["school_id"],
            guardians_activated=row["guardians_activated"],
            guardians_push=row["guardians_push"],
        )
    for row in await conn.fetch(_ANNOUNCEMENTS, *args):
        found.add(
            row["school_id"],
            announcements=row["announcements"],
            addressed=row["addressed"],
            read_24h=row["read_24h"],
            to_sign=row["to_sign"],
            signed=row["signed"],
        )
    for row in await conn.fetch(_MESSAGES, *weekly):
        if not row["all_weeks"]:
            found.add_week(row["week"], messages=row["messages"])
        elif not row["all_schools"]:
            found.add(row["school_id"], messages=row["messages"])
        else:
            found.add(None, messages=row["messages"])
    for row in await conn.fetch(_PUBLISHED, *args):
        found.add(row["school_id"], **{row["what"]: row["n"]})
    for row in await conn.fetch(_ACTIVE_FAMILIES, *weekly):
        found.add_week(row["week"], active_families=row["active_families"])
    return found
