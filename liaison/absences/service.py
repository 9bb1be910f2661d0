"""Absences both ways: a family reports (or cancels) an absence; a teacher takes
the roll call, and the family of a child absent without a word is asked why.

- A report is an `absence` thread with the child's guardians and the class's
  teachers. The director is not in it: she sees every absence of the day in the
  school's register (live, `absence.reported`), and only the flagged ones come
  to her inbox (unexplained absences, and reports no teacher read by the check
  time, `checks.py`).
- Two live reports of a child never overlap (dates and part): the check is made
  under the child's lock (`store.lock_child`), so two reports sent at once give
  one 201 and one 409 `already_reported`.
- A roll call records the children found absent. One is *unexplained* while no
  live report covers that day and half-day: not stored, so a report sent later
  explains it, and a report cancelled makes it unexplained again. The family of
  an unexplained child is asked at once, once a day (an urgent `absence` thread
  from the teacher, with the director); its answer (`POST /api/absences`) goes
  into that thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg

from liaison.absences import policy, rules, store
from liaison.accounts import store as accounts
from liaison.calendar import service as calendar
from liaison.core import replay as replays
from liaison.core.clock import iso, paris_today
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.people import User
from liaison.delivery import outbox
from liaison.delivery.worker import wake as wake_delivery
from liaison.directory import store as directory
from liaison.messaging import service as messaging
from liaison.messaging import store as threads
from liaison.messaging.policy import ThreadAction
from liaison.messaging.store import Member, NewThread, thread_to_api
from liaison.realtime.writer import Change, change
from liaison.storage.db import Conn, Connection


def absence_to_api(
    row: asyncpg.Record, child_name: str, reporter: User | None, seen_at: Any
) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "child": {"id": str(row["child_id"]), "display_name": child_name},
        "class_id": str(row["class_id"]),
        "start": row["start_date"].isoformat(),
        "end": row["end_date"].isoformat(),
        "part": row["part"],
        "reason": row["reason"],
        "note": row["note"],
        "reported_by": reporter.to_api(row.get("school_id")) if reporter else None,
        "reported_at": iso(row["reported_at"]),
        "thread_id": str(row["thread_id"]),
        "seen_at": iso(seen_at),
        "cancelled_at": iso(row["cancelled_at"]),
    }


async def _shown(conn: Conn, row: asyncpg.Record) -> dict[str, Any]:
    """One absence as the API shows it."""
    names = await directory.child_names(conn, [row["child_id"]])
    reporter = await accounts.get_user(conn, row["reported_by"])
    seen = await seen_at(conn, [row])
    return absence_to_api(row, names.get(row["child_id"], ""), reporter, seen.get(row["id"]))


async def seen_at(conn: Conn, rows: list[asyncpg.Record]) -> dict[UUID, dt.datetime]:
    """When a member of the staff first read each report. A report that opens its
    thread: the first staff read of the thread. A family's answer to the school's
    question (a later message): the first staff member to have read up to it,
    at their latest read (the read position keeps no history)."""
    first = await threads.first_staff_reads(conn, [r["thread_id"] for r in rows if r["message_seq"] == 1])
    found = {
        r["id"]: first[r["thread_id"]] for r in rows if r["message_seq"] == 1 and r["thread_id"] in first
    }
    for row in rows:
        if row["message_seq"] == 1:
            continue
        reads = (await threads.member_reads(conn, row["thread_id"])).values()
        times = [
            r["read_at"]
            for r in reads
            if r["is_staff"] and r["read_seq"] >= row["message_seq"] and r["read_at"]
        ]
        if times:
            found[row["id"]] = min(times)
    return found


Shown = tuple[dict[str, Any], dict[str, Any]]  # (absence, thread) as the API shows them
Replay = Callable[[asyncpg.Record], Awaitable[Shown]]


class _Reroute(Exception):
    """The school's question about this absence was asked, or answered, while the
    report was being written: write it again, the other way."""


class _Skip(Exception):
    """Nothing to ask the family any more (answered, or asked by a concurrent roll call)."""


def already_reported(shown: dict[str, Any]) -> ApiError:
    return ApiError(
        409,
        ErrorCode.ALREADY_REPORTED,
        "Une absence est déjà signalée pour ces jours-là : annulez-la d'abord pour la changer.",
        extra={"absence": shown},
    )


# -- a family reports -----------------------------------------------------------------


async def report(
    ctx: Context,
    user: User,
    *,
    child_id: UUID,
    start: dt.date,
    end: dt.date,
    part: str,
    reason: str,
    note: str,
    client_id: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    child = await directory.get_child(ctx.pool, child_id)
    if child is None:
        raise not_found()
    guardians = (await directory.guardians_of(ctx.pool, [child_id]))[child_id]
    policy.enforce(
        policy.report(user, child["school_id"], user.id in guardians), "Seule la famille déclare une absence."
    )
    found = rules.problems(start, end, paris_today())
    if found:
        raise invalid(found)
    if not await calendar.school_days(ctx.pool, child["school_id"], start, end):
        raise invalid({"start": rules.no_school(start, end)})
    facts = _Report(child, guardians, start, end, part, reason, note)

    async def earlier(client_id: str) -> asyncpg.Record | None:
        return await threads.message_by_client_id(ctx.pool, user.id, client_id)

    async def replay(message: asyncpg.Record) -> tuple[dict[str, Any], dict[str, Any]]:
        row = await store.by_thread(ctx.pool, message["thread_id"])
        if row is None or row["child_id"] != child_id or row["message_seq"] != message["seq"]:
            raise replays.reused("un autre message")
        return await _shown(ctx.pool, row), await _thread_for(ctx, user, row["thread_id"])

    async def create() -> tuple[dict[str, Any], dict[str, Any]]:
        for _ in range(3):
            question = await store.open_question(ctx.pool, child_id, start, end, part)
            try:
                if question is not None:
                    return await _answer(ctx, user, facts, question, client_id, replay)
                return await _new_report(ctx, user, facts, client_id)
            except _Reroute:
                continue
        raise RuntimeError("absence report rerouted three times")

    return await replays.once(
        client_id, earlier=earlier, create=create, replay=replay, unique_index="messages_client_id"
    )


class _Report:
    """One report, as the family sent it and once checked: the child, its
    guardians, the span, and the text of its message."""

    def __init__(
        self, child: asyncpg.Record, guardians: list[UUID], start: dt.date, end: dt.date,
        part: str, reason: str, note: str,
    ) -> None:  # fmt: skip
        self.child, self.guardians = child, guardians
        self.start, self.end, self.part, self.reason, self.note = start, end, part, reason, note
        self.name = f"{child['first_name']} {child['last_name']}"
        self.body = rules.body(child["first_name"], start, end, part, reason, note)

    def row(self, user: User, thread_id: UUID, message_seq: int) -> dict[str, Any]:
        return {
            "school_id": self.child["school_id"], "child_id": self.child["id"],
            "class_id": self.child["class_id"],
            "start_date": self.start, "end_date": self.end, "part": self.part, "reason": self.reason,
            "note": self.note, "reported_by": user.id, "thread_id": thread_id, "message_seq": message_seq,
        }  # fmt: skip


async def _audience(conn: Conn, child: asyncpg.Record, guardians: list[UUID]) -> list[UUID]:
    """Who follows a child's absences live: the family, the class's teachers, the directors."""
    staff = await directory.staff_of_classes(conn, [child["class_id"]])
    directors = await directory.directors_of(conn, child["school_id"])
    return list(dict.fromkeys([*staff, *directors, *guardians]))


async def _check_overlap(conn: Connection, facts: _Report) -> None:
    """Under the child's lock: 409 when a live report already covers these days."""
    await store.lock_child(conn, facts.child["id"])
    if await store.open_question(conn, facts.child["id"], facts.start, facts.end, facts.part) is not None:
        raise _Reroute  # the roll call asked meanwhile: answer its question instead
    existing = await store.overlapping(conn, facts.child["id"], facts.start, facts.end, facts.part)
    if existing is not None:
        raise already_reported(await _shown(conn, existing))


async def _new_report(
    ctx: Context, user: User, facts: _Report, client_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A report of its own: a new `absence` thread, urgent (the teacher must see
    it before the roll call)."""
    child = facts.child
    staff = await directory.staff_of_classes(ctx.pool, [child["class_id"]])
    new = NewThread(
        school_id=child["school_id"],
        kind="absence",
        subject=rules.subject(child["first_name"], facts.start, facts.end),
        author=user,
        members={g: False for g in facts.guardians} | {s: True for s in staff},
        child_ids=[child["id"]],
        child_id=child["id"],
        class_ids=(child["class_id"],),
        urgent=True,
    )

    async def within(conn: Connection, thread: asyncpg.Record) -> list[NewEvent]:
        await _check_overlap(conn, facts)
        row = await store.insert(conn, **facts.row(user, thread["id"], 1))
        data = absence_to_api(row, facts.name, user, None)
        return [NewEvent(EventType.ABSENCE_REPORTED, data, await _audience(conn, child, facts.guardians))]

    def same(message: asyncpg.Record, thread: asyncpg.Record) -> bool:
        return bool(message["seq"] == 1 and thread["kind"] == "absence" and thread["child_id"] == child["id"])

    thread, _ = await messaging.start_thread(ctx, user, new, facts.body, client_id, within, same)
    row = await store.by_thread(ctx.pool, UUID(thread["id"]))
    assert row is not None
    return absence_to_api(row, facts.name, user, None), thread


async def _answer(
    ctx: Context, user: User, facts: _Report, question: UUID, client_id: str | None, replay: Replay
) -> Shown:
    """The family answers the school's question: the report is written in the
    question's thread, which explains the absence."""
    child = facts.child
    async with change(ctx.pool, ctx.bus, child["school_id"]) as current:
        conn = current.conn
        await store.lock_child(conn, child["id"])
        if client_id is not None:
            twin = await threads.message_by_client_id(conn, user.id, client_id)
            if twin is not None:  # the same answer, sent twice at once: the first one won
                return await replay(twin)
        if await store.open_question(conn, child["id"], facts.start, facts.end, facts.part) != question:
            raise _Reroute  # answered meanwhile (the other guardian?)
        existing = await store.overlapping(conn, child["id"], facts.start, facts.end, facts.part)
        if existing is not None:
            raise already_reported(await _shown(conn, existing))
        message = await _post(ctx, current, question, user, facts.body, client_id)
        row = await store.insert(conn, **facts.row(user, question, message["seq"]))
        data = absence_to_api(row, facts.name, user, None)
        current.events.append(
            NewEvent(EventType.ABSENCE_REPORTED, data, await _audience(conn, child, facts.guardians))
        )
    await wake_delivery(ctx.bus)
    return data, await _thread_for(ctx, user, question)


async def _post(
    ctx: Context, current: Change, thread_id: UUID, user: User, body: str, client_id: str | None = None
) -> asyncpg.Record:
    """A message in an absence thread, within this change, notified like any other
    (the caller wakes the delivery after the commit)."""
    # A guardian added to the family since the thread began joins it.
    await threads.add_member(current.conn, thread_id, user.id, user.is_staff)
    thread, message, events = await threads.post_message(current.conn, thread_id, user, body, client_id)
    current.events.extend(events)
    await outbox.message_written(current.conn, thread, message["seq"], ctx.settings, message["created_at"])
    return message


async def _thread_for(ctx: Context, user: User, thread_id: UUID) -> dict[str, Any]:
    thread = await threads.get_thread(ctx.pool, thread_id)
    assert thread is not None
    author = (
        user if thread["author_id"] == user.id else await accounts.get_user(ctx.pool, thread["author_id"])
    )
    assert author is not None
    member = await threads.get_member(ctx.pool, thread_id, user.id)
    return thread_to_api(thread, author, member or Member(user.is_staff, 0, None))


# -- a family cancels -------------------------------------------------------------------


async def cancel(ctx: Context, user: User, absence_id: UUID) -> dict[str, Any]:
    """The family cancels its report: out of the registers, a message in its
    thread, `absence.cancelled` to those who follow it. Cancelling again answers
    the same."""
    row = await store.by_id(ctx.pool, absence_id)
    if row is None:
        raise not_found()
    guardians = (await directory.guardians_of(ctx.pool, [row["child_id"]]))[row["child_id"]]
    teaches = user.role == "teacher" and await directory.teaches_class(ctx.pool, user.id, row["class_id"])
    policy.enforce(
        policy.cancel(user, row["school_id"], user.id in guardians, teaches),
        "Seule la famille annule une absence qu'elle a signalée.",
    )
    if row["cancelled_at"] is None:
        async with change(ctx.pool, ctx.bus, row["school_id"]) as current:
            cancelled = await store.cancel(current.conn, absence_id, user.id)
            if cancelled is not None:  # else a twin cancelled it a moment ago
                await _post(ctx, current, row["thread_id"], user, rules.CANCELLED)
                child = await directory.get_child(current.conn, row["child_id"])
                assert child is not None
                followers = await threads.member_ids(current.conn, row["thread_id"])
                audience = dict.fromkeys([*followers, *await _audience(current.conn, child, guardians)])
                names = await directory.child_names(current.conn, [row["child_id"]])
                current.events.append(
                    NewEvent(
                        EventType.ABSENCE_CANCELLED,
                        {
                            "id": str(row["id"]),
                            "thread_id": str(row["thread_id"]),
                            "child": {
                                "id": str(row["child_id"]),
                                "display_name": names.get(row["child_id"], ""),
                            },
                            "class_id": str(row["class_id"]),
                            "start": row["start_date"].isoformat(),
                            "end": row["end_date"].isoformat(),
                            "part": row["part"],
                            "cancelled_at": iso(cancelled["cancelled_at"]),
                            "cancelled_by": user.to_api(),
                        },
                        list(audience),
                    )
                )
        await wake_delivery(ctx.bus)
        row = await store.by_id(ctx.pool, absence_id)
        assert row is not None
    return await _shown(ctx.pool, row)


# -- a teacher takes the roll call ----------------------------------------------------------


async def roll_call(
    ctx: Context, user: User, class_id: UUID, day: dt.date, part: str, absent: list[UUID]
) -> dict[str, Any]:
    """Record who is absent this half-day; ask the family of each child absent
    without a report why, at once and once. Taken again, the roll call replaces
    the first: a child no longer absent is unmarked (and its family told, if it
    was asked), nobody is asked twice."""
    klass = await directory.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    teaches = await directory.teaches_class(ctx.pool, user.id, class_id)
    policy.enforce(
        policy.roll_call(user, klass["school_id"], teaches),
        "Seuls les enseignants de la classe font l'appel.",
    )
    found = rules.roll_call_problems(day, paris_today())
    if found:
        raise invalid(found)
    if not await calendar.is_school_day(ctx.pool, klass["school_id"], day):
        raise invalid({"date": rules.no_school(day, day)})
    pupils = {UUID(c["id"]): c for c in (await directory.class_members(ctx.pool, klass))["children"]}
    absent = list(dict.fromkeys(absent))
    strangers = [c for c in absent if c not in pupils]
    if strangers:
        raise invalid({"absent": "Un de ces enfants n'est pas dans cette classe."})

    removed: list[tuple[UUID, UUID]] = []
    async with ctx.pool.acquire() as conn, conn.transaction():
        # The roll call's row is locked until commit: the same roll call sent
        # twice at once is written once, then the other finds it done.
        await store.take_roll_call(conn, class_id, day, part, klass["school_id"], user.id)
        marked = {m["child_id"] for m in await store.roll_call_marks(conn, class_id, day, part)}
        for child_id in marked - set(absent):
            question = await store.unmark(conn, class_id, day, part, child_id)
            if question is not None:
                removed.append((child_id, question))
        for child_id in absent:
            await store.mark(
                conn, class_id=class_id, day=day, part=part, child_id=child_id, school_id=klass["school_id"],
                by=user.id, thread_id=None,
            )  # fmt: skip
    for child_id in absent:
        await _ask_why(ctx, user, klass, pupils[child_id], day)
    for child_id, question in removed:
        await _never_mind(ctx, user, klass["school_id"], pupils[child_id], question)
    reported = await store.covering(ctx.pool, absent, day)
    unexplained = [c for c in absent if not rules.explained(part, reported.get(c, []))]
    return {"unexplained": [_child(pupils[c]) for c in unexplained]}


async def roll_call_of(ctx: Context, class_id: UUID, day: dt.date, part: str) -> dict[str, Any]:
    """The roll call as taken (to take it again): who took it, when, who was absent."""
    taken = await store.roll_call_taken(ctx.pool, class_id, day, part)
    marks = await store.roll_call_marks(ctx.pool, class_id, day, part)
    taker = await accounts.get_user(ctx.pool, taken["taken_by"]) if taken else None
    return {
        "date": day.isoformat(),
        "part": part,
        "taken_at": iso(taken["taken_at"]) if taken else None,
        "taken_by": taker.to_api() if taker else None,
        "absent": [str(m["child_id"]) for m in marks],
    }


def _child(pupil: dict[str, Any]) -> dict[str, Any]:
    """A Child of the API, from a pupil of the class's member list."""
    return {key: pupil[key] for key in ("id", "first_name", "last_name", "display_name", "class_id")}


async def _unasked(conn: Connection, child_id: UUID, day: dt.date) -> tuple[list[UUID], UUID | None, str]:
    """Under the child's lock: its unexplained marks of the day that no question
    covers yet, the question still open about that day (if any), and the part of
    the day those marks make."""
    marks = await store.marks_of_child(conn, child_id, day)
    reported = (await store.covering(conn, [child_id], day)).get(child_id, [])
    unexplained = [m for m in marks if not rules.explained(m["part"], reported)]
    open_questions = [m["thread_id"] for m in unexplained if m["thread_id"] is not None]
    pending = [m for m in unexplained if m["thread_id"] is None]
    part = rules.merged_part({m["part"] for m in pending}) if pending else "day"
    return [m["id"] for m in pending], (open_questions[0] if open_questions else None), part


async def _ask_why(
    ctx: Context, user: User, klass: asyncpg.Record, pupil: dict[str, Any], day: dt.date
) -> None:
    """The family of a child absent without a report is asked why, unless it was
    asked already today (the new mark joins that question) or has answered."""
    child_id = UUID(pupil["id"])
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.lock_child(conn, child_id)
        pending, question, part = await _unasked(conn, child_id, day)
        if not pending:
            return
        if question is not None:
            await store.set_question(conn, pending, question)
            return
    guardians = (await directory.guardians_of(ctx.pool, [child_id]))[child_id]
    staff = await directory.staff_of_classes(ctx.pool, [klass["id"]])
    directors = await directory.directors_of(ctx.pool, klass["school_id"])
    new = NewThread(
        school_id=klass["school_id"],
        kind="absence",
        subject=rules.question_subject(pupil["first_name"], day),
        author=user,
        members={g: False for g in guardians} | {s: True for s in [*staff, *directors]},
        child_ids=[child_id],
        child_id=child_id,
        class_ids=(klass["id"],),
        urgent=True,  # a child missing without a word: the family is told at once
    )

    async def within(conn: Connection, thread: asyncpg.Record) -> list[NewEvent]:
        await store.lock_child(conn, child_id)
        pending, question, _ = await _unasked(conn, child_id, day)
        if not pending or question is not None:
            raise _Skip  # answered, or asked by a concurrent roll call: nothing is written
        await store.set_question(conn, pending, thread["id"])
        return []

    try:
        await messaging.start_thread(
            ctx,
            user,
            new,
            rules.question_body(pupil["first_name"], day, part),
            None,
            within,
            lambda m, t: False,
        )
    except _Skip:
        pass


async def _never_mind(
    ctx: Context, user: User, school_id: UUID, pupil: dict[str, Any], question: UUID
) -> None:
    """A child unmarked after its family was asked why: the family is told, once
    the question asks about nothing any more and was not answered."""
    async with change(ctx.pool, ctx.bus, school_id) as current:
        await store.lock_child(current.conn, UUID(pupil["id"]))
        if await store.marks_of_thread(current.conn, question) or await store.by_thread(
            current.conn, question
        ):
            return
        await _post(ctx, current, question, user, rules.back_in_class(pupil["first_name"]))
    await wake_delivery(ctx.bus)


# -- the registers ------------------------------------------------------------------------


async def register_class(ctx: Context, user: User, class_id: UUID) -> asyncpg.Record:
    """The class whose register the user asks for, once the policy allows it."""
    klass = await directory.get_class(ctx.pool, class_id)
    if klass is None:
        raise not_found()
    teaches = user.role == "teacher" and await directory.teaches_class(ctx.pool, user.id, class_id)
    policy.enforce(
        policy.view_register(user, klass["school_id"], teaches), "Ce registre est celui de la classe."
    )
    return klass


async def day_register(ctx: Context, class_id: UUID, day: dt.date) -> dict[str, Any]:
    rows = await store.register(ctx.pool, class_id, day)
    marks = await store.marks_of_class(ctx.pool, class_id, day)
    return {"date": day.isoformat(), "absences": await _entries(ctx.pool, rows, marks, day)}


async def school_register(ctx: Context, user: User, school_id: UUID, day: dt.date) -> dict[str, Any]:
    """The whole school's day: every live report and every unexplained child,
    unexplained first, then class by class in school order; and the roll calls taken."""
    policy.enforce(
        policy.view_school_register(user, school_id), "Le registre de l'école est celui de la direction."
    )
    if await directory.get_school(ctx.pool, school_id) is None:
        raise not_found()
    rows = await store.school_register(ctx.pool, school_id, day)
    marks = await store.marks_of_school(ctx.pool, school_id, day)
    entries = await _entries(ctx.pool, rows, marks, day)
    order = await directory.school_classes(ctx.pool, school_id)
    rank = {class_id: i for i, class_id in enumerate(order)}
    classes = {c: await directory.get_class(ctx.pool, c) for c in order}
    names = {c: {"id": str(c), "name": k["name"]} for c, k in classes.items() if k is not None}
    for entry in entries:
        entry["class"] = names.get(UUID(entry["class_id"]), {"id": entry["class_id"], "name": ""})
    entries.sort(
        key=lambda e: (
            not e["unexplained"],
            rank.get(UUID(e["class_id"]), len(rank)),
            e["child"]["display_name"],
        )
    )
    taken = await store.roll_calls_of_school(ctx.pool, school_id, day)
    takers = await accounts.users_by_id(ctx.pool, list({r["taken_by"] for r in taken}))
    return {
        "date": day.isoformat(),
        "absences": entries,
        "classes": [names[c] for c in order if c in names],
        "roll_calls": [
            {
                "class_id": str(r["class_id"]),
                "part": r["part"],
                "taken_at": iso(r["taken_at"]),
                "taken_by": takers[r["taken_by"]].to_api() if r["taken_by"] in takers else None,
            }
            for r in taken
        ],
    }


async def _entries(
    conn: Conn, rows: list[asyncpg.Record], marks: list[asyncpg.Record], day: dt.date
) -> list[dict[str, Any]]:
    """The register's entries of a day: the live reports (with `flagged_at`), then
    one entry per child marked absent at a roll call without a report covering
    that half-day (`unexplained`, reason null; the morning and the afternoon
    make the day)."""
    reported = await store.covering(conn, list({m["child_id"] for m in marks}), day)
    unexplained: dict[UUID, list[asyncpg.Record]] = {}
    for m in marks:
        if not rules.explained(m["part"], reported.get(m["child_id"], [])):
            unexplained.setdefault(m["child_id"], []).append(m)
    children = list({r["child_id"] for r in rows} | set(unexplained))
    names = await directory.child_names(conn, children)
    people = {r["reported_by"] for r in rows} | {m["marked_by"] for ms in unexplained.values() for m in ms}
    users = await accounts.users_by_id(conn, list(people))
    flags = await store.flags_of(conn, [r["id"] for r in rows], day)
    seen = await seen_at(conn, rows)
    entries = []
    for row in rows:
        shown = absence_to_api(
            row, names.get(row["child_id"], ""), users.get(row["reported_by"]), seen.get(row["id"])
        )
        shown["flagged_at"] = iso(flags.get(row["id"]))  # unread at the check time: told to the director
        shown["unexplained"] = False
        entries.append(shown)
    for child_id, ms in unexplained.items():
        first = ms[0]
        question = next((m["thread_id"] for m in ms if m["thread_id"] is not None), None)
        marker = users.get(first["marked_by"])
        entries.append(
            {
                "id": str(first["id"]),
                "child": {"id": str(child_id), "display_name": names.get(child_id, "")},
                "class_id": str(first["class_id"]),
                "start": day.isoformat(),
                "end": day.isoformat(),
                "part": rules.merged_part({m["part"] for m in ms}),
                "reason": None,
                "note": "",
                "reported_by": marker.to_api() if marker else None,
                "reported_at": iso(first["marked_at"]),
                "thread_id": str(question) if question else None,
                "seen_at": None,
                "cancelled_at": None,
                # The director is in the question's thread from the start.
                "flagged_at": iso(first["marked_at"]) if question else None,
                "unexplained": True,
            }
        )
    return entries


# -- an absence thread ----------------------------------------------------------------------


async def of_thread(ctx: Context, user: User, thread_id: UUID) -> dict[str, Any]:
    """What an `absence` thread is about, for its members: the report it carries
    (cancelled or not), and the school's question when it asks one."""
    visible = await messaging.open_thread(ctx, user, thread_id, ThreadAction.READ)
    if visible.thread["kind"] != "absence":
        raise not_found()
    row = await store.by_thread(ctx.pool, thread_id)
    marks = await store.marks_of_thread(ctx.pool, thread_id)
    question = None
    if marks:
        day = marks[0]["day"]
        reported = (await store.covering(ctx.pool, [marks[0]["child_id"]], day)).get(marks[0]["child_id"], [])
        question = {
            "date": day.isoformat(),
            "part": rules.merged_part({m["part"] for m in marks if m["day"] == day}),
            "explained": all(rules.explained(m["part"], reported) for m in marks if m["day"] == day),
        }
    return {
        "absence": await _shown(ctx.pool, row) if row else None,
        "message_seq": row["message_seq"] if row else None,
        "question": question,
    }


# -- the school's check time ---------------------------------------------------------


async def open_settings(ctx: Context, user: User, school_id: UUID) -> None:
    """Go on only if the user may read and change the school's absence settings."""
    policy.enforce(policy.settings(user, school_id))
    if await directory.get_school(ctx.pool, school_id) is None:
        raise not_found()


async def check_time(ctx: Context, school_id: UUID) -> str:
    """`HH:MM`, the time unread absences go to the director."""
    return (await store.check_time(ctx.pool, school_id)).strftime("%H:%M")


async def set_check_time(ctx: Context, school_id: UUID, at: dt.time) -> None:
    await store.set_check_time(ctx.pool, school_id, at)
