"""What messaging does: gather the facts, ask the policy, write, tell.

Routes parse requests and call these; other capabilities (absences,
sign-ups) call them too, so that a thread is always made the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.calendar import service as calendar
from liaison.core import replay as replays
from liaison.core.clock import iso, utcnow
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.paging import Cursor, encode_cursor
from liaison.core.people import STAFF_ROLES, Role, User
from liaison.delivery import outbox
from liaison.delivery import store as delivery_log
from liaison.delivery.policy import Preferences, Recipient
from liaison.delivery.worker import wake as wake_delivery
from liaison.directory import audiences
from liaison.directory import store as directory
from liaison.directory.csv_import import identity_text
from liaison.messaging import board, policy, store
from liaison.messaging.policy import ThreadAction, ThreadFacts
from liaison.messaging.store import Member, NewThread, message_to_api, thread_to_api
from liaison.realtime.writer import Change, change
from liaison.storage.db import Connection

Created = tuple[dict[str, Any], dict[str, Any]]  # (thread, message) as the API shows them
# Is this earlier message (and its thread) the result of the create being retried?
Same = Callable[[asyncpg.Record, asyncpg.Record], bool]


# -- idempotency ---------------------------------------------------------------


async def _once(
    ctx: Context, user: User, client_id: str | None, create: Callable[[], Awaitable[Created]], same: Same
) -> Created:
    """The same create twice (a phone retrying) gives the first result; a client
    id already used for something else is a conflict (409)."""

    async def earlier(client_id: str) -> asyncpg.Record | None:
        return await store.message_by_client_id(ctx.pool, user.id, client_id)

    async def replay(message: asyncpg.Record) -> Created:
        thread = await store.get_thread(ctx.pool, message["thread_id"])
        if thread is None or not same(message, thread):
            raise replays.reused("un autre message")  # never answer with another create
        member = await store.get_member(ctx.pool, thread["id"], user.id)
        author = await _author(ctx, thread["author_id"], user)
        return thread_to_api(thread, author, member), message_to_api(message, user)

    return await replays.once(
        client_id, earlier=earlier, create=create, replay=replay, unique_index="messages_client_id"
    )


async def _author(ctx: Context, author_id: UUID, known: User | None = None) -> User:
    if known is not None and known.id == author_id:
        return known
    found = await accounts.get_user(ctx.pool, author_id)
    assert found is not None
    return found


# -- starting threads ---------------------------------------------------------------


async def start_direct(
    ctx: Context,
    user: User,
    child_id: UUID,
    subject: str,
    body: str,
    include_director: bool,
    client_id: str | None,
) -> Created:
    async def create() -> Created:
        child = await directory.get_child(ctx.pool, child_id)
        if child is None:
            raise not_found()
        guardians = (await directory.guardians_of(ctx.pool, [child_id]))[child_id]
        taught = await directory.classes_taught(ctx.pool, user.id) if user.role == "teacher" else set()
        policy.enforce(
            policy.start_direct(user, child["school_id"], user.id in guardians, child["class_id"] in taught)
        )
        staff = await directory.staff_of_classes(ctx.pool, [child["class_id"]])
        if include_director or user.role == "director":
            staff += await directory.directors_of(ctx.pool, child["school_id"])
        members = {g: False for g in guardians} | {s: True for s in staff}
        new = NewThread(
            school_id=child["school_id"],
            kind="direct",
            subject=subject,
            author=user,
            members=members,
            child_ids=[child_id],
            child_id=child_id,
            class_ids=(child["class_id"],),
        )
        return await _create(ctx, user, new, body, client_id)

    def same(message: asyncpg.Record, thread: asyncpg.Record) -> bool:
        return (
            message["seq"] == 1
            and thread["kind"] == "direct"
            and thread["child_id"] == child_id
            and thread["reply_to_thread_id"] is None
        )

    return await _once(ctx, user, client_id, create, same)


@dataclass(frozen=True)
class StaffOf:
    """An announcement to the directors and teachers of schools: those of a
    circonscription, or these schools."""

    circonscription_id: UUID | None = None
    school_ids: tuple[UUID, ...] = ()


async def start_announcement(
    ctx: Context,
    user: User,
    *,
    whole_school: bool,
    class_ids: list[UUID],
    subject: str,
    body: str,
    require_ack: bool,
    urgent: bool,
    client_id: str | None,
    kind: str = "announcement",
    within: Within | None = None,
    school_id: UUID | None = None,
    rpi_id: UUID | None = None,
    staff_of: StaffOf | None = None,
) -> Created:
    """An announcement, or (kind "signup", with `within` writing the slots) a
    sign-up: to the whole school (`school_id`: which of the user's schools,
    by default the first where they are staff), to classes (all of one
    school), to every family of an RPI (`rpi_id`), or to the staff of
    schools (`staff_of`, announcements only)."""

    async def create() -> Created:
        if staff_of is not None:
            audience = await _staff_of(ctx, user, staff_of)
        elif rpi_id is not None:
            audience = await _rpi_families_of(ctx, user, rpi_id)
        else:
            audience = await _families_of(ctx, user, whole_school, class_ids, school_id)
        new = NewThread(
            school_id=audience.school_id, kind=kind, subject=subject, author=user,
            members=audience.members, child_ids=audience.child_ids, class_ids=tuple(audience.class_ids),
            whole_school=audience.whole_school, require_ack=require_ack, urgent=urgent,
            school_ids=tuple(audience.school_ids), rpi_id=rpi_id, to_staff=audience.to_staff,
        )  # fmt: skip
        return await _create(ctx, user, new, body, client_id, within)

    def same(message: asyncpg.Record, thread: asyncpg.Record) -> bool:
        return bool(message["seq"] == 1 and thread["kind"] == kind)

    return await _once(ctx, user, client_id, create, same)


@dataclass(frozen=True)
class Audience:
    school_id: UUID
    class_ids: list[UUID]
    child_ids: list[UUID]
    members: dict[UUID, bool]  # user id -> is staff (in a to_staff thread: is the author's side)
    school_ids: list[UUID] = field(default_factory=list)  # every school addressed, school_id first
    whole_school: bool = False
    to_staff: bool = False


def _unknown_class() -> ApiError:
    return invalid({"audience.class_ids": "Classe inconnue."})


async def _school_of_audience(
    ctx: Context, user: User, whole_school: bool, class_ids: list[UUID], school_id: UUID | None
) -> UUID:
    """The school an announcement of someone on the staff of one or several
    schools goes to: that of the classes (all of one school), or for the whole
    school the one named, by default the first where they are staff. A class
    or a school where they are not staff is unknown (422)."""
    mine = [school for school, role in user.schools if role in STAFF_ROLES]
    if whole_school:
        chosen = school_id if school_id is not None else mine[0]
        if chosen not in mine:
            raise invalid({"audience.school_id": "École inconnue."})
        return chosen
    found = await audiences.schools_of_classes(ctx.pool, class_ids)
    schools = set(found.values())
    if len(found) != len(set(class_ids)) or not schools <= set(mine):
        raise _unknown_class()
    if len(schools) != 1:
        raise invalid({"audience.class_ids": "Choisissez des classes d'une seule école."})
    return schools.pop()


async def _families_of(
    ctx: Context, user: User, whole_school: bool, class_ids: list[UUID], school_id: UUID | None = None
) -> Audience:
    """Who an announcement of `user` to the whole school or to these classes
    reaches: the families of their children, the classes' staff and the
    directors; once the policy allows it."""
    policy.enforce(policy.writes_to_families(user), "Seule l'école écrit aux familles.")
    school_id = await _school_of_audience(ctx, user, whole_school, class_ids, school_id)
    user = user.at(school_id)
    classes = await directory.school_classes(ctx.pool, school_id, None if whole_school else class_ids)
    if not whole_school and len(classes) != len(set(class_ids)):
        raise _unknown_class()
    taught = await directory.classes_taught(ctx.pool, user.id)
    policy.enforce(policy.start_announcement(user, whole_school, taught, classes))
    children = await directory.children_of_classes(ctx.pool, classes)
    if not children:
        raise invalid({"audience": "Aucune famille dans ce public."})
    guardians = await directory.guardians_of(ctx.pool, children)
    staff = await directory.staff_of_classes(ctx.pool, classes)
    staff += await directory.directors_of(ctx.pool, school_id)
    members = {g: False for family in guardians.values() for g in family} | {s: True for s in staff}
    return Audience(school_id, classes, children, members, [school_id], whole_school)


async def _rpi_families_of(ctx: Context, user: User, rpi_id: UUID) -> Audience:
    """Every family of every school of the RPI, with the staff of their classes
    and the schools' directors: from a director of one of its schools (the
    thread's school is theirs)."""
    policy.enforce(policy.writes_to_families(user), "Seule l'école écrit aux familles.")
    schools = await audiences.rpi_schools(ctx.pool, rpi_id)
    policy.enforce(
        policy.start_rpi_announcement(user, schools),
        "Seule la direction d'une école du RPI écrit à toutes ses familles.",
    )
    own = next(s for s in (*user.school_ids, *schools) if s in schools and user.role_at(s) == Role.DIRECTOR)
    ordered = [own, *(s for s in schools if s != own)]
    classes = await audiences.classes_of_schools(ctx.pool, ordered)
    children = await directory.children_of_classes(ctx.pool, classes)
    if not children:
        raise invalid({"audience": "Aucune famille dans ce public."})
    guardians = await directory.guardians_of(ctx.pool, children)
    staff = await directory.staff_of_classes(ctx.pool, classes)
    people = await audiences.staff_of_schools(ctx.pool, ordered)
    staff += [p for p, roles in people.items() if any(role == Role.DIRECTOR for _, role in roles)]
    members = {g: False for family in guardians.values() for g in family} | {s: True for s in staff}
    return Audience(own, classes, children, members, ordered, whole_school=True)


async def _staff_of(ctx: Context, user: User, staff_of: StaffOf) -> Audience:
    """The directors and teachers of a circonscription's schools, or of these
    schools; never a family. From the admin, or that circonscription's team
    (another circonscription, or a school outside theirs: 404)."""
    policy.enforce(
        policy.writes_to_staff(user),
        "Seules la circonscription et l'administration écrivent aux équipes des écoles.",
    )
    if staff_of.circonscription_id is not None:
        circonscription = staff_of.circonscription_id
        policy.enforce(policy.start_staff_announcement(user, {circonscription}))
        if not await audiences.circonscription_exists(ctx.pool, circonscription):
            raise invalid({"audience.staff_of.circonscription_id": "Circonscription inconnue."})
        schools = await audiences.circonscription_schools(ctx.pool, circonscription)
    else:
        schools = list(dict.fromkeys(staff_of.school_ids))
        found = await audiences.schools_circonscriptions(ctx.pool, schools)
        missing: set[UUID | None] = {None} if len(found) != len(schools) else set()
        policy.enforce(policy.start_staff_announcement(user, set(found.values()) | missing))
        if missing:
            raise invalid({"audience.staff_of.school_ids": "École inconnue."})
    people = await audiences.staff_of_schools(ctx.pool, schools)
    people.pop(user.id, None)
    if not people:
        raise invalid({"audience": "Aucun membre du personnel dans ce public."})
    # The addressed are members as families are in an announcement (is_staff
    # false: they sign, they do not see who else read); the author's side follows.
    members = {p: False for p in people} | {user.id: True}
    return Audience(schools[0], [], [], members, schools, to_staff=True)


Within = Callable[[Connection, asyncpg.Record], Awaitable[list[NewEvent]]]


async def start_thread(
    ctx: Context, user: User, new: NewThread, body: str, client_id: str | None, within: Within, same: Same
) -> Created:
    """A thread made by another capability (an absence report...): `within`
    writes its own rows in the same transaction and returns its events."""

    async def create() -> Created:
        return await _create(ctx, user, new, body, client_id, within)

    return await _once(ctx, user, client_id, create, same)


async def _create(
    ctx: Context, user: User, new: NewThread, body: str, client_id: str | None, within: Within | None = None
) -> Created:
    async with change(ctx.pool, ctx.bus, new.school_id) as current:
        thread, message, events = await store.create_thread(current.conn, new, body, client_id)
        current.events.extend(events)
        if within is not None:
            current.events.extend(await within(current.conn, thread))
        await outbox.message_written(
            current.conn, thread, message["seq"], ctx.settings, message["created_at"]
        )
    await wake_delivery(ctx.bus)
    member = Member(is_staff=user.is_staff, read_seq=thread["last_seq"], acked_at=None)
    return thread_to_api(thread, user, member), message_to_api(message, user)


# -- inside a thread ---------------------------------------------------------------------


@dataclass(frozen=True)
class Visible:
    thread: asyncpg.Record
    member: Member


async def open_thread(
    ctx: Context, user: User, thread_id: UUID, action: ThreadAction, *, signed: bool = False
) -> Visible:
    """The thread, once the user may do `action` in it; 404 if they may not see it.
    `signed`: the action is about signatures, which only some threads ask for (409)."""
    thread = await store.get_thread(ctx.pool, thread_id)
    member = await store.get_member(ctx.pool, thread_id, user.id) if thread else None
    facts = ThreadFacts(
        kind=thread["kind"] if thread else "",
        is_member=member is not None,
        is_staff_member=bool(member and member.is_staff),
        is_author=bool(thread and thread["author_id"] == user.id),
        school_id=thread["school_id"] if thread else None,
        to_staff=bool(thread and thread["to_staff"]),
    )
    policy.enforce(policy.thread_decision(user, facts, action))
    assert thread is not None and member is not None
    if signed and not thread["require_ack"]:
        raise ApiError(409, ErrorCode.ACK_NOT_REQUIRED, "Ce message ne demande pas de signature.")
    return Visible(thread, member)


async def my_addressed_children(ctx: Context, user: User, thread_id: UUID, refusal: str) -> list[UUID]:
    """The user's children that this announcement addresses, checked by the policy."""
    addressed = set(await store.thread_children(ctx.pool, thread_id))
    mine = [c["id"] for c in await directory.children_of_guardian(ctx.pool, user.id) if c["id"] in addressed]
    policy.enforce(policy.for_my_children(mine), refusal)
    return mine


async def family_child(ctx: Context, children: list[UUID]) -> UUID:
    """The child a family's private reply (or sign-up) is filed under when a
    message addresses several of its children: the first in the school's order
    of classes (PS before CP before CM2; twins by first name), the row under
    which the school's class lists show that family first. Not the eldest by
    birth date: a birth date is optional in a roster, a class never is."""
    if len(children) == 1:
        return children[0]
    found = await directory.children_by_id(ctx.pool, children)
    ranked = sorted(
        found.values(), key=lambda c: (c["class_rank"], c["class_name"], c["first_name"].casefold(), c["id"])
    )
    return ranked[0]["id"] if ranked else children[0]


async def thread_view(ctx: Context, user: User, visible: Visible) -> dict[str, Any]:
    author = await _author(ctx, visible.thread["author_id"], user)
    return thread_to_api(visible.thread, author, visible.member)


async def seen_by(ctx: Context, user: User, thread_id: UUID) -> list[dict[str, Any]]:
    """Who else has read a conversation, and how far: the family's "Vu par Mme Martin"
    on first load (later reads come live as `receipt.updated`)."""
    reads = await store.member_reads(ctx.pool, thread_id)
    others = [r for r in reads.values() if r["user_id"] != user.id and r["read_seq"] > 0]
    people = await accounts.users_by_id(ctx.pool, [r["user_id"] for r in others])
    return [
        {
            "user_id": str(r["user_id"]),
            "display_name": people[r["user_id"]].display_name,
            "is_staff": r["is_staff"],
            "read_seq": r["read_seq"],
            "read_at": iso(r["read_at"]),
        }
        for r in sorted(others, key=lambda r: r["read_at"] or r["first_read_at"])
    ]


async def messages_view(ctx: Context, user: User, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    authors = await accounts.users_by_id(ctx.pool, list({r["author_id"] for r in rows}))
    return [message_to_api(r, authors[r["author_id"]]) for r in rows]


async def latest_messages(ctx: Context, user: User, visible: Visible, count: int) -> list[dict[str, Any]]:
    return await messages_view(ctx, user, await store.latest_messages(ctx.pool, visible.thread["id"], count))


async def messages_after(
    ctx: Context, user: User, visible: Visible, after_seq: int, limit: int
) -> list[dict[str, Any]]:
    rows = await store.messages(ctx.pool, visible.thread["id"], after_seq, limit)
    return await messages_view(ctx, user, rows)


async def inbox(
    ctx: Context, user: User, limit: int, after: Cursor | None, unread_only: bool
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the user's threads, most recent activity first, and the next cursor."""
    rows = await store.inbox(ctx.pool, user.id, limit + 1, after, unread_only)
    shown = rows[:limit]
    authors = await accounts.users_by_id(ctx.pool, list({t["author_id"] for t, _ in shown}))
    following = None
    if len(rows) > limit:
        last = shown[-1][0]
        following = encode_cursor(last["last_activity_at"], last["id"])
    return [thread_to_api(t, authors[t["author_id"]], m) for t, m in shown], following


def _closed() -> ApiError:
    return ApiError(
        409, ErrorCode.THREAD_CLOSED, "La direction a fermé cette conversation aux nouveaux messages."
    )


def _refuse_closed(thread: asyncpg.Record) -> None:
    """A conversation a director closed takes no new message (409); it stays readable."""
    if thread["closed_at"] is not None:
        raise _closed()


async def open_to_post(ctx: Context, user: User, thread_id: UUID) -> Visible:
    """The thread, once the user may post in it and it is open (a scheduled message checked now)."""
    visible = await open_thread(ctx, user, thread_id, ThreadAction.POST)
    _refuse_closed(visible.thread)
    return visible


async def _append(
    ctx: Context, user: User, thread: asyncpg.Record, body: str, client_id: str | None, *, join: bool = False
) -> tuple[asyncpg.Record, asyncpg.Record]:
    """A new message in `thread`, notified; `join`: the user becomes a member
    first (a guardian added to the family since the thread began). A thread
    closed meanwhile refuses it under its row lock: 409, nothing written."""
    _refuse_closed(thread)
    async with change(ctx.pool, ctx.bus, thread["school_id"]) as current:
        if join:
            await store.add_member(current.conn, thread["id"], user.id, False)
        try:
            changed, message, events = await store.post_message(
                current.conn, thread["id"], user, body, client_id, open_only=True
            )
        except store.ThreadClosed:
            raise _closed() from None
        current.events.extend(events)
        await outbox.message_written(
            current.conn, changed, message["seq"], ctx.settings, message["created_at"]
        )
    await wake_delivery(ctx.bus)
    return changed, message


async def post(ctx: Context, user: User, thread_id: UUID, body: str, client_id: str | None) -> dict[str, Any]:
    async def create() -> Created:
        visible = await open_thread(ctx, user, thread_id, ThreadAction.POST)
        _, message = await _append(ctx, user, visible.thread, body, client_id)
        return {}, message_to_api(message, user)

    def same(message: asyncpg.Record, thread: asyncpg.Record) -> bool:
        return bool(thread["id"] == thread_id)

    _, message = await _once(ctx, user, client_id, create, same)
    return message


async def reply_privately(
    ctx: Context, user: User, announcement_id: UUID, body: str, client_id: str | None
) -> Created:
    """The family's conversation with the author about one announcement: the
    first reply starts it, later ones (from either guardian) continue it."""

    async def create() -> Created:
        visible = await open_thread(ctx, user, announcement_id, ThreadAction.REPLY_PRIVATELY)
        _refuse_closed(visible.thread)  # closed: no reply to it either
        mine = await my_addressed_children(
            ctx, user, announcement_id, "Cette annonce ne concerne pas vos enfants."
        )
        existing = await store.private_reply_thread(ctx.pool, announcement_id, mine)
        if existing is None:
            about = await family_child(ctx, mine)  # the family's first child in school order
            new = await _private_reply(ctx, user, visible.thread, about)
            return await _create(ctx, user, new, body, client_id)
        thread, message = await _append(ctx, user, existing, body, client_id, join=True)
        author = await _author(ctx, thread["author_id"], user)
        member = await store.get_member(ctx.pool, thread["id"], user.id)
        return thread_to_api(thread, author, member), message_to_api(message, user)

    def same(message: asyncpg.Record, thread: asyncpg.Record) -> bool:
        return bool(thread["reply_to_thread_id"] == announcement_id)

    return await _once(ctx, user, client_id, create, same)


async def _private_reply(ctx: Context, user: User, announcement: asyncpg.Record, child_id: UUID) -> NewThread:
    guardians = (await directory.guardians_of(ctx.pool, [child_id]))[child_id]
    child = await directory.get_child(ctx.pool, child_id)
    assert child is not None  # addressed by the announcement, so in the directory
    return NewThread(
        school_id=announcement["school_id"],
        kind="direct",
        subject=f"Re : {announcement['subject']}"[:200],
        author=user,
        members={g: False for g in guardians} | {announcement["author_id"]: True},
        child_ids=[child_id],
        child_id=child_id,
        class_ids=(child["class_id"],),
        reply_to_thread_id=announcement["id"],
        school_ids=(announcement["school_id"], child["school_id"]),
    )


async def set_closed(ctx: Context, user: User, thread_id: UUID, closed: bool) -> dict[str, Any]:
    """A director closes a conversation to new messages, or reopens it; the
    members' open screens follow (`thread.updated`). Closing a closed thread
    (or reopening an open one) answers the same and tells nobody again."""
    visible = await open_thread(ctx, user, thread_id, ThreadAction.CLOSE)
    async with change(ctx.pool, ctx.bus, visible.thread["school_id"]) as current:
        changed = await store.set_closed(current.conn, thread_id, user.id if closed else None)
        if changed is not None:
            data = {"thread_id": str(thread_id), "closed_at": iso(changed["closed_at"]), "by": user.to_api()}
            recipients = await store.member_ids(current.conn, thread_id)
            current.events.append(NewEvent(EventType.THREAD_UPDATED, data, recipients))
    thread = changed if changed is not None else await store.get_thread(ctx.pool, thread_id)
    assert thread is not None  # threads are never deleted
    return await thread_view(ctx, user, Visible(thread, visible.member))


async def mark_read(ctx: Context, user: User, thread_id: UUID, seq: int) -> None:
    visible = await open_thread(ctx, user, thread_id, ThreadAction.READ)
    async with change(ctx.pool, ctx.bus, visible.thread["school_id"]) as current:
        await _read_up_to(current, visible.thread, user, seq)


async def _read_up_to(current: Change, thread: asyncpg.Record, user: User, seq: int) -> None:
    """Move the watermark and tell who follows it."""
    moved = await store.mark_read(current.conn, thread, user, seq)
    if moved is None:
        return
    read_seq, read_at = moved
    # Staff follow who read; in a conversation about one child the family
    # sees it too ("Vu par Mme Martin"); the reader's other devices too.
    staff_only = thread["kind"] in ("announcement", "signup")
    recipients = set(await store.member_ids(current.conn, thread["id"], staff_only=staff_only))
    recipients.add(user.id)
    current.events.append(
        NewEvent(
            EventType.RECEIPT_UPDATED,
            {
                "thread_id": str(thread["id"]),
                "user_id": str(user.id),
                "display_name": user.display_name,
                "is_staff": user.is_staff,
                "read_seq": read_seq,
                "read_at": iso(read_at),
            },
            list(recipients),
        )
    )


async def ack(ctx: Context, user: User, thread_id: UUID) -> dt.datetime:
    visible = await open_thread(ctx, user, thread_id, ThreadAction.ACK, signed=True)
    thread = visible.thread
    if thread["to_staff"]:
        return await _staff_ack(ctx, user, thread)
    mine = await my_addressed_children(ctx, user, thread_id, "Ce message ne concerne pas vos enfants.")
    guardians = await directory.guardians_of(ctx.pool, mine)
    family = sorted({g for members in guardians.values() for g in members})
    async with change(ctx.pool, ctx.bus, thread["school_id"]) as current:
        # "Lu et pris connaissance": signing is reading, up to the last message.
        await _read_up_to(current, thread, user, thread["last_seq"])
        signed = await store.record_acks(current.conn, thread_id, mine, user.id)
        if signed:
            at = signed[0][1]
            await store.mark_members_acked(current.conn, thread_id, family, at)
            recipients = set(await store.member_ids(current.conn, thread_id, staff_only=True)) | set(family)
            current.events.append(
                NewEvent(
                    EventType.ACK_CREATED,
                    {
                        "thread_id": str(thread_id),
                        "child_ids": [str(c) for c, _ in signed],
                        "user_id": str(user.id),
                        "display_name": user.display_name,
                        "acked_at": iso(at),
                    },
                    list(recipients),
                )
            )
    acks = await store.acks_of(ctx.pool, thread_id)
    first: dt.datetime = min(acks[c]["acked_at"] for c in mine)
    return first


async def _staff_ack(ctx: Context, user: User, thread: asyncpg.Record) -> dt.datetime:
    """A director or teacher signs an announcement to the staff: for themselves
    (no family); the author's side sees it live."""
    async with change(ctx.pool, ctx.bus, thread["school_id"]) as current:
        await _read_up_to(current, thread, user, thread["last_seq"])
        signed = await store.ack_member(current.conn, thread["id"], user.id)
        if signed is not None:
            recipients = set(await store.member_ids(current.conn, thread["id"], staff_only=True)) | {user.id}
            current.events.append(
                NewEvent(
                    EventType.ACK_CREATED,
                    {
                        "thread_id": str(thread["id"]),
                        "child_ids": [],
                        "user_id": str(user.id),
                        "display_name": user.display_name,
                        "acked_at": iso(signed),
                    },
                    list(recipients),
                )
            )
    member = await store.get_member(ctx.pool, thread["id"], user.id)
    assert member is not None and member.acked_at is not None
    return member.acked_at


async def record_paper_ack(ctx: Context, user: User, thread_id: UUID, child_id: UUID) -> dict[str, Any]:
    """A teacher records a signed paper slip: it counts as the family's signature."""
    visible = await open_thread(ctx, user, thread_id, ThreadAction.FOLLOW_UP, signed=True)
    thread = visible.thread
    if child_id not in set(await store.thread_children(ctx.pool, thread_id)):
        raise not_found()
    family = (await directory.guardians_of(ctx.pool, [child_id]))[child_id]
    async with change(ctx.pool, ctx.bus, thread["school_id"]) as current:
        signed = await store.record_paper_ack(current.conn, thread_id, child_id, user.id)
        if signed is not None:
            await store.mark_members_acked(current.conn, thread_id, family, signed["acked_at"])
            recipients = set(await store.member_ids(current.conn, thread_id, staff_only=True)) | set(family)
            current.events.append(
                NewEvent(
                    EventType.ACK_CREATED,
                    {
                        "thread_id": str(thread_id),
                        "child_ids": [str(child_id)],
                        "user_id": str(user.id),
                        "display_name": user.display_name,
                        "acked_at": iso(signed["acked_at"]),
                        "on_paper": True,
                    },
                    list(recipients),
                )
            )
    acks = await store.acks_of(ctx.pool, thread_id)
    return {"acked_at": iso(acks[child_id]["acked_at"]), "on_paper": acks[child_id]["on_paper"]}


async def remind_others(ctx: Context, user: User, thread_id: UUID) -> dict[str, Any]:
    """A new push and email to the families that have not signed, at most once a day."""
    visible = await open_thread(ctx, user, thread_id, ThreadAction.FOLLOW_UP, signed=True)
    thread = visible.thread
    async with ctx.pool.acquire() as conn, conn.transaction():
        reminded_at = await store.claim_reminder(conn, thread_id, user.id)
        if reminded_at is None:
            last = await store.last_reminder(conn, thread_id)
            now = utcnow()
            said = (
                f"Les familles ont déjà été relancées {board.spoken_time(last, now)} ; "
                f"nouvelle relance possible {board.spoken_time(last + store.REMINDER_INTERVAL, now)}."
                if last
                else "Un rappel a déjà été envoyé il y a moins d'un jour."
            )
            raise ApiError(409, ErrorCode.ALREADY_REMINDED, said)
        await outbox.remind_now(conn, thread, reminded_at)
    await wake_delivery(ctx.bus)
    return {"reminded_at": iso(reminded_at)}


async def change_message(
    ctx: Context, user: User, thread_id: UUID, seq: int, new_body: str | None
) -> dict[str, Any] | None:
    """Recall (new_body None) or correct a message of one's own. A recall, within
    15 minutes, removes it for everyone and drops its pending notifications; a
    correction, within a day, is shown as such and notifies nobody again."""
    visible = await open_thread(ctx, user, thread_id, ThreadAction.READ)
    async with change(ctx.pool, ctx.bus, visible.thread["school_id"]) as current:
        message = await store.lock_message(current.conn, thread_id, seq)
        if message is None or message["recalled_at"] is not None:
            raise not_found()
        policy.enforce(
            policy.change_message(user, message["author_id"]),
            "Seul l'auteur peut rappeler ou corriger son message.",
        )
        age = dt.datetime.now(dt.UTC) - message["created_at"]
        window = store.RECALL_WINDOW if new_body is None else store.CORRECTION_WINDOW
        if age > window:
            too_late = "rappeler (15 minutes)" if new_body is None else "corriger (24 heures)"
            raise ApiError(409, ErrorCode.TOO_LATE, f"Il est trop tard pour {too_late} ce message.")
        if new_body is None:
            changed = await store.recall(current.conn, message["id"])
            await delivery_log.cancel_for_message(current.conn, thread_id, seq)
            kind = EventType.MESSAGE_RECALLED
        else:
            changed = await store.correct(current.conn, message["id"], new_body)
            kind = EventType.MESSAGE_UPDATED
        data = message_to_api(changed, user)
        current.events.append(NewEvent(kind, data, await store.member_ids(current.conn, thread_id)))
    return data


async def receipts(ctx: Context, user: User, thread_id: UUID) -> dict[str, Any]:
    visible = await open_thread(ctx, user, thread_id, ThreadAction.RECEIPTS)
    if visible.thread["to_staff"]:
        return await _staff_board(ctx, user, visible)
    return await _board(ctx, user, visible, utcnow())


async def _staff_board(ctx: Context, user: User, visible: Visible) -> dict[str, Any]:
    """The receipts of an announcement to the staff: which directors and
    teachers read and signed, school by school (the thread's order), directors
    first, then by name."""
    thread = visible.thread
    schools = list(thread["school_ids"])
    reads = await store.member_reads(ctx.pool, thread["id"])
    addressed = [u for u, r in reads.items() if not r["is_staff"]]
    people = await accounts.users_by_id(ctx.pool, addressed)
    roles = await audiences.staff_of_schools(ctx.pool, schools)
    staff: list[dict[str, Any]] = []
    for person in addressed:
        held = roles.get(person)  # None: no longer on those schools' staff
        school, role = held[0] if held else (None, None)
        staff.append(
            {
                "user_id": str(person),
                "display_name": people[person].display_name,
                "role": role,
                "school_id": str(school) if school else None,
                "read_at": iso(reads[person]["first_read_at"]),
                "acked_at": iso(reads[person]["acked_at"]),
            }
        )
    rank = {school: i for i, school in enumerate(schools)}
    staff.sort(
        key=lambda s: (
            rank.get(UUID(s["school_id"]), len(rank)) if s["school_id"] else len(rank),
            s["role"] != "director",
            identity_text(s["display_name"]),
            s["user_id"],
        )
    )
    return {
        "summary": {
            "staff": len(staff),
            "read": sum(1 for s in staff if s["read_at"]),
            "acked": sum(1 for s in staff if s["acked_at"]),
        },
        "staff": staff,
        "reminded_at": iso(await store.last_reminder(ctx.pool, thread["id"])),
        "thread": await thread_view(ctx, user, visible),
    }


def _guardian_api(
    person: User, read: asyncpg.Record, delivered: dict[str, dt.datetime | None]
) -> dict[str, Any]:
    return {
        "user_id": str(person.id),
        "display_name": person.display_name,
        "read_seq": read["read_seq"],
        "read_at": iso(read["read_at"]),
        "delivered": {channel: iso(at) for channel, at in delivered.items()},
    }


async def _digests(
    ctx: Context, thread: asyncpg.Record, people: list[UUID], reads: dict[UUID, asyncpg.Record]
) -> tuple[dict[UUID, dt.datetime], dict[UUID, dt.date | None]]:
    """Who was told by a 17:00 digest listing the thread (sent after it was
    written and before they read it), and the day of each one's latest digest."""
    runs = await delivery_log.first_digests(ctx.pool, people, thread["created_at"])
    told = {
        person: run.first_since
        for person, run in runs.items()
        if run.first_since is not None
        and (reads[person]["first_read_at"] is None or run.first_since <= reads[person]["first_read_at"])
    }
    return told, {person: run.last_day for person, run in runs.items()}


async def _outlooks(
    ctx: Context,
    thread: asyncpg.Record,
    waiting: list[UUID],
    people: dict[UUID, User],
    reads: dict[UUID, asyncpg.Record],
    last_digests: dict[UUID, dt.date | None],
) -> dict[UUID, board.Outlook]:
    """What the worker will do for the guardians nothing reached yet."""
    prefs = await accounts.preferences_of(ctx.pool, waiting)
    pushes = await delivery_log.users_with_push(ctx.pool, waiting)
    planned = await delivery_log.planned_deliveries(ctx.pool, thread["id"])
    return {
        g: board.Outlook(
            recipient=Recipient(
                is_author=g == thread["author_id"],
                read_seq=reads[g]["read_seq"],
                has_push=g in pushes,
                has_email=bool(people[g].email),
                preferences=Preferences(
                    prefs[g]["email"], prefs[g]["push"], prefs[g]["quiet_start"], prefs[g]["quiet_end"]
                ),
            ),
            planned=[board.Planned(p.due_at, p.first_due_at) for p in planned.get(g, [])],
            last_digest_day=last_digests.get(g),
        )
        for g in waiting
    }


def _class_api(pupil: asyncpg.Record, with_school: bool) -> dict[str, Any]:
    shown = {"id": str(pupil["class_id"]), "name": pupil["class_name"]}
    return {**shown, "school_id": str(pupil["school_id"])} if with_school else shown


async def _board(ctx: Context, user: User, visible: Visible, now: dt.datetime) -> dict[str, Any]:
    """The receipts: each family's state, from the read positions, the
    signatures, the delivery log, the outbox and the guardians' preferences."""
    thread = visible.thread
    thread_id = thread["id"]
    pupils = await audiences.children_in_schools_order(
        ctx.pool, await store.thread_children(ctx.pool, thread_id), list(thread["school_ids"])
    )
    # Class by class in school order (the store's), then by name without case or accents.
    rank = {klass: i for i, klass in enumerate(dict.fromkeys(p["class_id"] for p in pupils))}
    pupils.sort(key=lambda p: (rank[p["class_id"]], identity_text(f"{p['first_name']} {p['last_name']}")))
    children = [p["id"] for p in pupils]
    guardians = await directory.guardians_of(ctx.pool, children)
    reads = await store.member_reads(ctx.pool, thread_id)
    acks = await store.acks_of(ctx.pool, thread_id)
    # The guardians who are members of the thread (a guardian added later is not).
    members = {c: [g for g in guardians[c] if g in reads] for c in children}
    everyone = list({g for gs in members.values() for g in gs})
    people = await accounts.users_by_id(ctx.pool, everyone)
    delivered = await delivery_log.delivered_times(ctx.pool, thread_id)
    by_digest, last_digests = await _digests(ctx, thread, everyone, reads)
    for g in everyone:
        delivered[g]["digest"] = by_digest.get(g)

    def reached(g: UUID) -> bool:
        return any(delivered[g].values())

    def first_read(c: UUID) -> dt.datetime | None:
        return min((reads[g]["first_read_at"] for g in members[c] if reads[g]["first_read_at"]), default=None)

    undecided = [c for c in children if not (c in acks or first_read(c) or any(map(reached, members[c])))]
    waiting = [g for c in undecided for g in members[c]]
    outlooks = await _outlooks(ctx, thread, waiting, people, reads, last_digests) if waiting else {}
    jobs, days = [], None
    if waiting:
        expanding = await delivery_log.jobs_to_expand(ctx.pool, thread_id)
        jobs = [board.Job(j.kind, j.seq, j.urgent, j.due_at) for j in expanding]
        days = await calendar.school_calendar(ctx.pool, thread["school_id"])

    several_schools = len(thread["school_ids"]) > 1  # an RPI's: each class says its school
    families: list[dict[str, Any]] = []
    for pupil in pupils:
        child_id = pupil["id"]
        read_at = first_read(child_id)
        verdict = board.family_state(
            read=read_at is not None,
            acked=child_id in acks,
            reached=any(map(reached, members[child_id])),
            notices=[
                board.next_notice(outlooks[g], jobs, now, days) for g in members[child_id] if g in outlooks
            ],
        )
        families.append(
            {
                "child": {"id": str(child_id), "display_name": f"{pupil['first_name']} {pupil['last_name']}"},
                "class": _class_api(pupil, several_schools) if pupil["class_id"] else None,
                "read_at": iso(read_at),
                "acked_at": iso(acks[child_id]["acked_at"]) if child_id in acks else None,
                "acked_on_paper": bool(child_id in acks and acks[child_id]["on_paper"]),
                "state": verdict.state,
                "notify_at": iso(verdict.notify_at),
                "guardians": [_guardian_api(people[g], reads[g], delivered[g]) for g in members[child_id]],
            }
        )
    classes: dict[str, dict[str, Any]] = {}
    for f in families:
        if f["class"]:
            classes.setdefault(f["class"]["id"], {**f["class"], "families": 0})["families"] += 1
    states = [f["state"] for f in families]
    return {
        "summary": {
            "families": len(families),
            "read": sum(1 for f in families if f["read_at"]),
            "acked": sum(1 for f in families if f["acked_at"]),
            "unreached": states.count(board.UNREACHED),
            "pending": states.count(board.PENDING),
        },
        "families": families,
        "classes": list(classes.values()),
        "reminded_at": iso(await store.last_reminder(ctx.pool, thread_id)),
        "thread": await thread_view(ctx, user, visible),
    }


@dataclass(frozen=True)
class PaperSlips:
    thread: dict[str, Any]
    first: asyncpg.Record  # the message the slips reproduce
    families: list[dict[str, Any]]  # one slip each
    later: int  # families not done yet whose own notifications are still to go...
    later_until: str | None  # ...at the latest then ("demain à 7 h")


async def paper_slips(ctx: Context, user: User, thread_id: UUID) -> PaperSlips:
    """A slip for each family the school must still reach: when a signature is
    asked, every family without one (digital or on paper); otherwise every
    family that has not read. Not for a family still `pending`: its
    notification goes before a slip could (a grace minute, the end of the quiet
    hours, the 17:00 digest; a slip travels in tomorrow's schoolbag), and a
    slip printed for it would be a second, paper, copy; it is counted apart."""
    seen = await receipts(ctx, user, thread_id)
    if "staff" in seen:
        raise not_found()  # no paper slips for the staff of schools
    thread = seen["thread"]
    chased = [f for f in seen["families"] if board.chased(f["state"], thread["require_ack"])]
    later = [
        dt.datetime.fromisoformat(f["notify_at"]) for f in seen["families"] if f["state"] == board.PENDING
    ]
    first = (await store.messages(ctx.pool, thread_id, 0, 1))[0]
    now = utcnow()
    until = None
    if later:
        until = "quelques instants" if max(later) <= now else board.spoken_time(max(later), now)
    return PaperSlips(thread, first, chased, len(later), until)
