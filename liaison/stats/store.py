"""The SQL of the adoption figures.

This is the one reporting module that reads across the other capabilities'
tables (schools and children of the directory, users and their push
subscriptions, threads, messages and signatures of messaging, absences,
blog posts, cahier pages), and it writes only its own rollups (below).
Each figure family is one set-based statement over the scope's schools, grouped by school with the
scope's total in the same pass (`GROUPING SETS`): a total is counted, never
added up or averaged from the schools' rows, so a family or a guardian known
in two schools, or an announcement of an RPI sent to several schools,
counts once in it (the rollups keep announcements per (announcement,
school) for that, and add per school only what belongs to one school: a
message, a child active in a week). Counts only: no statement reads a
name but a school's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from liaison.core.clock import PARIS
from liaison.storage.db import Conn, Connection

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

    def plus(self, school_id: UUID | None, **counts: int | None) -> None:
        """Adds to the counts (a rolled-up part, or another range's)."""
        found = self.by_school.setdefault(school_id, {})
        for name, n in counts.items():
            found[name] = found.get(name, 0) + (n or 0)

    def plus_week(self, week: int, **counts: int | None) -> None:
        found = self.weeks.setdefault(week, {})
        for name, n in counts.items():
            found[name] = found.get(name, 0) + (n or 0)


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
    (`week_starts`, in order: week i from week_starts[i - 1]): the rolled-up
    part read from the rollups, the rest counted live, one statement per
    figure family. Run it in one read-only snapshot (`snapshot`)."""
    found = Figures()
    state = await rolled(conn)
    for row in await conn.fetch(_FAMILIES, school_ids, end):
        found.add(row["school_id"], families=row["families"], families_activated=row["families_activated"])
    for row in await conn.fetch(_GUARDIANS, school_ids, end):
        found.add(
            row["school_id"],
            guardians_activated=row["guardians_activated"],
            guardians_push=row["guardians_push"],
        )
    # The announcements: created before the cut rolled up, the rest live.
    cut = min(max(state.announcements, start), end) if state.announcements else start
    parts = [(_ROLLED_ANNOUNCEMENTS, start, cut), (_ANNOUNCEMENTS, cut, end)]
    for sql, since, until in parts:
        if since >= until:
            continue
        for row in await conn.fetch(sql, school_ids, since, until):
            found.plus(
                row["school_id"],
                announcements=row["announcements"],
                addressed=row["addressed"],
                read_24h=row["read_24h"],
                to_sign=row["to_sign"],
                signed=row["signed"],
            )
    # The weeks: the whole weeks of the range rolled up (a run of them), the
    # rest (a partial first or last week, the weeks after the rollups) live.
    mondays = [_monday(at) for at in week_starts]
    whole = [
        i
        for i, monday in enumerate(mondays, start=1)
        if week_starts[i - 1] >= start
        and _midnight(monday + dt.timedelta(days=7)) <= end
        and state.weeks is not None
        and monday < state.weeks
    ]
    live = [(start, end)]
    if whole:
        first, last = whole[0], whole[-1]
        live = [(start, week_starts[first - 1]), (_midnight(mondays[last - 1] + dt.timedelta(days=7)), end)]
        for row in await conn.fetch(_ROLLED_WEEKS, school_ids, mondays[first - 1], mondays[last - 1]):
            if not row["all_schools"]:
                found.plus(row["school_id"], messages=row["messages"])
                found.plus(None, messages=row["messages"])
            else:
                week = first + (row["week"] - mondays[first - 1]).days // 7
                found.plus_week(week, active_families=row["active_families"], messages=row["messages"])
    for since, until in live:
        if since >= until:
            continue
        weekly: tuple[Any, ...] = (school_ids, since, until, week_starts)
        for row in await conn.fetch(_MESSAGES, *weekly):
            if not row["all_weeks"]:
                found.plus_week(row["week"], messages=row["messages"])
            elif not row["all_schools"]:
                found.plus(row["school_id"], messages=row["messages"])
            else:
                found.plus(None, messages=row["messages"])
        for row in await conn.fetch(_ACTIVE_FAMILIES, *weekly):
            found.plus_week(row["week"], active_families=row["active_families"])
    for row in await conn.fetch(_PUBLISHED, school_ids, start, end):
        found.add(row["school_id"], **{row["what"]: row["n"]})
    return found


# -- Rollups of closed periods ---------------------------------------------------------------
#
# An announcement more than 24 hours old has its families addressed and read
# within 24 hours settled, and a closed ISO week its active families and
# messages: `rollup` writes them once (stats_announcements, stats_weeks, how
# far in stats_rollups), and `figures` adds the rolled-up part to what it
# counts live (the announcements of the last day or so, the current week, a
# range's partial weeks). Signatures may still come: they stay live (the acks
# of the rolled-up announcements asking for one, by their primary keys).

ROLLUP_LOCK = 0x57A75  # pg advisory lock: one rollup at a time
READ_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Rolled:
    """How far the rollups go: announcements created before `announcements`,
    weeks whose Monday is before `weeks` (None: nothing rolled up yet)."""

    announcements: dt.datetime | None
    weeks: dt.date | None


async def rolled(conn: Conn) -> Rolled:
    row = await conn.fetchrow("SELECT announcements_through, weeks_through FROM stats_rollups")
    return Rolled(row["announcements_through"], row["weeks_through"]) if row else Rolled(None, None)


def _monday(at: dt.datetime) -> dt.date:
    day = at.astimezone(PARIS).date()
    return day - dt.timedelta(days=day.weekday())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=PARIS)


# Per (school, announcement) of [$1, $2): what `_ANNOUNCEMENTS` sums.
_ROLLUP_ANNOUNCEMENTS = """
INSERT INTO stats_announcements (thread_id, school_id, created_at, require_ack, families, read_24h)
WITH pairs AS (
    SELECT c.school_id, t.id AS thread_id, t.created_at, tc.child_id, t.require_ack
    FROM threads t
    JOIN thread_children tc ON tc.thread_id = t.id
    JOIN children c ON c.id = tc.child_id
    WHERE t.kind IN ('announcement', 'signup') AND t.created_at >= $1 AND t.created_at < $2
), read_in_time AS (
    SELECT DISTINCT m.thread_id, g.child_id
    FROM threads t
    JOIN thread_members m ON m.thread_id = t.id
    JOIN guardianships g ON g.user_id = m.user_id
    WHERE t.kind IN ('announcement', 'signup') AND t.created_at >= $1 AND t.created_at < $2
      AND NOT m.is_staff AND m.first_read_at <= t.created_at + interval '24 hours'
)
SELECT p.thread_id, p.school_id, min(p.created_at), bool_or(p.require_ack), count(*), count(r.thread_id)
FROM pairs p
LEFT JOIN read_in_time r ON r.thread_id = p.thread_id AND r.child_id = p.child_id
GROUP BY p.school_id, p.thread_id
ON CONFLICT DO NOTHING
"""

# Per (school, week) of [$1, $2), weeks starting at `$3` (timestamps) and
# `$4` (their Mondays): what `_ACTIVE_FAMILIES` and `_MESSAGES` count, each
# act in the school of its thread or absence.
_ROLLUP_WEEKS = """
INSERT INTO stats_weeks (school_id, week, active_families, messages)
WITH guardians AS (
    SELECT c.id AS child_id, c.school_id, g.user_id
    FROM children c JOIN guardianships g ON g.child_id = c.id
), acts AS (
    SELECT f.school_id, f.child_id, x.at
    FROM guardians f
    JOIN thread_members m ON m.user_id = f.user_id
    JOIN threads t ON t.id = m.thread_id AND t.school_id = f.school_id
    CROSS JOIN LATERAL (VALUES (m.first_read_at), (m.read_at)) AS x (at)
    WHERE NOT m.is_staff AND m.read_at >= $1 AND x.at >= $1 AND x.at < $2
    UNION ALL
    SELECT f.school_id, f.child_id, msg.created_at
    FROM guardians f
    JOIN thread_members m ON m.user_id = f.user_id
    JOIN threads t ON t.id = m.thread_id AND t.school_id = f.school_id
    JOIN messages msg ON msg.thread_id = m.thread_id AND msg.author_id = f.user_id
    WHERE NOT m.is_staff AND m.read_at >= $1 AND msg.created_at >= $1 AND msg.created_at < $2
    UNION ALL
    SELECT ab.school_id, ab.child_id, ab.reported_at
    FROM absences ab
    WHERE ab.reported_at >= $1 AND ab.reported_at < $2
), active AS (
    SELECT school_id, week, count(*) AS n FROM (
        SELECT DISTINCT school_id, width_bucket(at, $3::timestamptz[]) AS week, child_id FROM acts
    ) AS pairs GROUP BY school_id, week
), written AS (
    SELECT t.school_id, width_bucket(m.created_at, $3::timestamptz[]) AS week, count(*) AS n
    FROM messages m JOIN threads t ON t.id = m.thread_id
    WHERE m.created_at >= $1 AND m.created_at < $2 AND m.recalled_at IS NULL AND t.school_id IS NOT NULL
    GROUP BY 1, 2
)
SELECT coalesce(a.school_id, w.school_id), ($4::date[])[coalesce(a.week, w.week)],
       coalesce(a.n, 0), coalesce(w.n, 0)
FROM active a FULL JOIN written w ON w.school_id = a.school_id AND w.week = a.week
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class RollupResult:
    announcements: int  # (announcement, school) rows added
    weeks: int  # (school, week) rows added


async def rollup(conn: Connection, now: dt.datetime) -> RollupResult | None:
    """Roll up what is settled at `now`: the announcements created more than
    24 hours before, the ISO weeks before `now`'s. Idempotent (from where the
    last run stopped), under an advisory lock: None when another run holds it."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", ROLLUP_LOCK):
            return None
        await conn.execute("SET LOCAL work_mem = '64MB'")
        await conn.execute("SET LOCAL statement_timeout = '10min'")
        await conn.execute("INSERT INTO stats_rollups DEFAULT VALUES ON CONFLICT DO NOTHING")
        state: Any = await conn.fetchrow(
            "SELECT announcements_through, weeks_through FROM stats_rollups FOR UPDATE"
        )
        announcements = weeks = 0
        until = now - READ_WINDOW
        since = state["announcements_through"] or await conn.fetchval(
            "SELECT min(created_at) FROM threads WHERE kind IN ('announcement', 'signup')"
        )
        if since is not None and since < until:
            announcements = _count(await conn.execute(_ROLLUP_ANNOUNCEMENTS, since, until))
        through = state["announcements_through"]
        if through is None or through < until:
            await conn.execute("UPDATE stats_rollups SET announcements_through = $1", until)
        this_week = _monday(now)
        first = state["weeks_through"]
        if first is None:
            earliest = await conn.fetchval(
                """SELECT least((SELECT min(created_at) FROM threads),
                                (SELECT min(reported_at) FROM absences))"""
            )
            first = _monday(earliest) if earliest is not None else this_week
        if first < this_week:
            mondays = [first + dt.timedelta(days=7 * i) for i in range((this_week - first).days // 7)]
            weeks = _count(
                await conn.execute(
                    _ROLLUP_WEEKS,
                    _midnight(first),
                    _midnight(this_week),
                    [_midnight(m) for m in mondays],
                    mondays,
                )
            )
        if state["weeks_through"] is None or state["weeks_through"] < this_week:
            await conn.execute("UPDATE stats_rollups SET weeks_through = $1", this_week)
        return RollupResult(announcements, weeks)


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


def behind(state: Rolled, now: dt.datetime, slack: dt.timedelta) -> bool:
    """Whether a request should catch the rollups up first: a closed week not
    rolled up, or more than `slack` of settled announcements."""
    return (
        state.weeks is None
        or state.weeks < _monday(now)
        or state.announcements is None
        or state.announcements < now - READ_WINDOW - slack
    )


_ROLLED_ANNOUNCEMENTS = """
WITH rolled AS (
    SELECT * FROM stats_announcements
    WHERE school_id = ANY($1::uuid[]) AND created_at >= $2 AND created_at < $3
), signed AS (
    SELECT s.school_id, s.thread_id, count(*) AS signed
    FROM rolled s
    JOIN acks a ON a.thread_id = s.thread_id
    JOIN children c ON c.id = a.child_id AND c.school_id = s.school_id
    JOIN thread_children tc ON tc.thread_id = a.thread_id AND tc.child_id = a.child_id
    WHERE s.require_ack
    GROUP BY 1, 2
)
SELECT r.school_id,
       count(DISTINCT r.thread_id) AS announcements,
       sum(r.families)::bigint AS addressed,
       sum(r.read_24h)::bigint AS read_24h,
       coalesce(sum(r.families) FILTER (WHERE r.require_ack), 0)::bigint AS to_sign,
       coalesce(sum(s.signed), 0)::bigint AS signed
FROM rolled r
LEFT JOIN signed s ON s.school_id = r.school_id AND s.thread_id = r.thread_id
GROUP BY GROUPING SETS ((r.school_id), ())
"""

_ROLLED_WEEKS = """
SELECT school_id, week, GROUPING(school_id) AS all_schools,
       sum(active_families)::bigint AS active_families, sum(messages)::bigint AS messages
FROM stats_weeks
WHERE school_id = ANY($1::uuid[]) AND week >= $2 AND week <= $3
GROUP BY GROUPING SETS ((school_id), (week))
"""
