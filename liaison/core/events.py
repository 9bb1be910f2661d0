"""Every live event, declared once: its type and its payload's shape.

An event is `{"type", "pos", "data"}` on the WebSocket and in long polling
(docs/api.md, Real time). Services build them as `NewEvent(EventType.X, data,
recipients)` inside the transaction that makes the change; the event log
(liaison/realtime/store.py) gives them positions. Each type's payload is
declared here as a TypedDict (PAYLOADS). A payload that is an API object (a
Thread, a Message, a Post...) has the keys of the one function that shows that
object (named on its TypedDict). A NewEvent whose data does not have exactly
its type's keys is refused when built, so a drift fails the first test that
makes that event. The web app reads the same list (static/js/events.js, kept
equal by tests/unit/test_events.py).

No `from __future__ import annotations` here: TypedDict only sees
`NotRequired` in evaluated annotations on Python 3.11.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict
from uuid import UUID


class EventType(enum.StrEnum):
    THREAD_CREATED = "thread.created"
    THREAD_UPDATED = "thread.updated"
    MESSAGE_CREATED = "message.created"
    MESSAGE_UPDATED = "message.updated"
    MESSAGE_RECALLED = "message.recalled"
    RECEIPT_UPDATED = "receipt.updated"
    ACK_CREATED = "ack.created"
    SIGNUP_UPDATED = "signup.updated"
    ABSENCE_REPORTED = "absence.reported"
    ABSENCE_UNSEEN = "absence.unseen"
    ABSENCE_CANCELLED = "absence.cancelled"
    CONSENT_UPDATED = "consent.updated"
    POST_PUBLISHED = "post.published"
    POST_SUBMITTED = "post.submitted"
    POST_UPDATED = "post.updated"
    POST_REJECTED = "post.rejected"
    POST_DELETED = "post.deleted"
    COMMENT_CREATED = "comment.created"
    COMMENT_REMOVED = "comment.removed"
    REALISATION_CREATED = "realisation.created"
    REALISATION_DELETED = "realisation.deleted"


# -- the pieces payloads share -------------------------------------------------------


class Person(TypedDict):
    """`User.to_api` (liaison/core/people.py): an author, a reporter."""

    id: str
    display_name: str
    role: str
    school_id: str | None


class ChildRef(TypedDict):
    id: str
    display_name: str


class SlotMine(TypedDict):
    signup_id: str
    status: str


class Slot(TypedDict):
    """`signups.store.slot_to_api`; `mine` is None in events (they go to every member)."""

    id: str
    label: str
    capacity: int
    confirmed: int
    waitlisted: int
    closes_at: str | None
    mine: SlotMine | None


class SignupRef(TypedDict):
    """`signups.service._signup_to_api`."""

    signup_id: str
    slot_id: str
    status: str


class GuardianConsent(TypedDict):
    user_id: str
    display_name: str | None
    granted: bool | None
    decided_at: str | None
    on_paper: bool  # a signed paper form recorded by the staff


# -- the payloads ----------------------------------------------------------------------


class Thread(TypedDict):
    """thread.created: `messaging.store.thread_to_api`, as a new member sees it."""

    id: str
    kind: str
    subject: str
    school_id: str
    school_ids: list[str]  # every school it addresses, school_id first
    rpi_id: str | None  # to every family of this RPI
    to_staff: bool  # to the directors and teachers of school_ids, never families
    class_ids: list[str]
    whole_school: bool
    child_id: str | None
    reply_to_thread_id: str | None
    author: Person
    created_at: str | None
    last_activity_at: str | None
    last_seq: int
    read_seq: int
    unread: int
    require_ack: bool
    acked_at: str | None
    urgent: bool
    unexplained: bool
    slots: list[Slot] | None
    closed_at: str | None


class ThreadUpdated(TypedDict):
    """A director closed the thread to new messages (`closed_at` set) or reopened
    it (null), `by` whom: only the fields that changed, as the Thread's
    per-member fields (`read_seq`, `unread`, `acked_at`) differ for each recipient."""

    thread_id: str
    closed_at: str | None
    by: Person


class Message(TypedDict):
    """message.created, message.updated (the correction) and message.recalled
    (empty body, `recalled` true): `messaging.store.message_to_api`."""

    id: str
    thread_id: str
    seq: int
    author: Person
    body: str
    created_at: str | None
    client_id: str | None
    recalled: bool
    edited_at: str | None


class ReceiptUpdated(TypedDict):
    """Someone read a thread up to `read_seq`: to its staff (and, in a
    conversation about one child, to the family), and to the reader's devices."""

    thread_id: str
    user_id: str
    display_name: str
    is_staff: bool
    read_seq: int
    read_at: str | None


class AckCreated(TypedDict):
    """A family signed ("Lu et pris connaissance"), or a paper slip was recorded."""

    thread_id: str
    child_ids: list[str]
    user_id: str
    display_name: str
    acked_at: str | None
    on_paper: NotRequired[bool]


class SignupUpdated(TypedDict):
    """Places left on each slot, to every member (names stay with the staff)."""

    thread_id: str
    slots: list[Slot]
    signup: NotRequired[SignupRef]  # the sign-up just made
    withdrawn: NotRequired[str]  # the sign-up just withdrawn
    promoted: NotRequired[SignupRef]  # the waiting family confirmed in its place


class Absence(TypedDict):
    """absence.reported: `absences.service.absence_to_api`."""

    id: str
    child: ChildRef
    class_id: str
    start: str
    end: str
    part: str
    reason: str
    note: str | None
    reported_by: Person | None
    reported_at: str | None
    thread_id: str
    seen_at: str | None
    cancelled_at: str | None


class AbsenceCancelled(TypedDict):
    """A family cancelled its report: to those who got it (`absence.reported`)
    and the members of its thread."""

    id: str
    thread_id: str
    child: ChildRef
    class_id: str
    start: str
    end: str
    part: str
    cancelled_at: str | None
    cancelled_by: Person


class AbsenceUnseen(TypedDict):
    """An absence no teacher had read by the school's check time: to the directors."""

    absence_id: str
    thread_id: str
    child: ChildRef
    class_id: str
    reported_at: str | None


class ConsentUpdated(TypedDict):
    """A guardian decided on a child's photos: `consent.store.child_view`."""

    child: ChildRef
    consented: bool
    guardians: list[GuardianConsent]


class Post(TypedDict):
    """post.published, .submitted, .updated, .rejected: `blog.service.post_to_api`
    as each reader sees it (photos, `review_comment`), without the comments."""

    id: str
    class_id: str
    author: Person | None
    title: str
    body: str
    status: str
    review_comment: str | None
    media: list[dict[str, Any]]
    created_at: str | None
    updated_at: str | None
    published_at: str | None
    comment_count: int


class PostDeleted(TypedDict):
    id: str
    class_id: str


class Comment(TypedDict):
    """comment.created: `blog.service.comment_to_api`."""

    id: str
    post_id: str
    author: Person | None
    body: str
    created_at: str | None


class CommentRemoved(TypedDict):
    id: str
    post_id: str


class RealisationPage(TypedDict):
    """`realisations.service.page_to_api` without `media`."""

    id: str
    kind: str
    child_id: str | None
    class_id: str
    author: Person | None
    title: str
    body: str
    created_at: str | None


class RealisationCreated(TypedDict):
    """A cahier page, without its photos (they depend on who looks)."""

    page: RealisationPage


class RealisationDeleted(TypedDict):
    id: str
    kind: str
    child_id: str | None
    class_id: str


# Each type's payload.
PAYLOADS: dict[EventType, type[Any]] = {
    EventType.THREAD_CREATED: Thread,
    EventType.THREAD_UPDATED: ThreadUpdated,
    EventType.MESSAGE_CREATED: Message,
    EventType.MESSAGE_UPDATED: Message,
    EventType.MESSAGE_RECALLED: Message,
    EventType.RECEIPT_UPDATED: ReceiptUpdated,
    EventType.ACK_CREATED: AckCreated,
    EventType.SIGNUP_UPDATED: SignupUpdated,
    EventType.ABSENCE_REPORTED: Absence,
    EventType.ABSENCE_UNSEEN: AbsenceUnseen,
    EventType.ABSENCE_CANCELLED: AbsenceCancelled,
    EventType.CONSENT_UPDATED: ConsentUpdated,
    EventType.POST_PUBLISHED: Post,
    EventType.POST_SUBMITTED: Post,
    EventType.POST_UPDATED: Post,
    EventType.POST_REJECTED: Post,
    EventType.POST_DELETED: PostDeleted,
    EventType.COMMENT_CREATED: Comment,
    EventType.COMMENT_REMOVED: CommentRemoved,
    EventType.REALISATION_CREATED: RealisationCreated,
    EventType.REALISATION_DELETED: RealisationDeleted,
}


def check_shape(type_: str, data: Any) -> None:
    """The payload has every key its type requires and no other.

    Only the top-level keys are checked. A type that is not an EventType is
    not checked: the services build only EventTypes (mypy holds them to it);
    the event log's own tests write synthetic ones ("test.event")."""
    try:
        shape = PAYLOADS[EventType(type_)]
    except ValueError:
        return
    keys = set(data)
    missing = shape.__required_keys__ - keys
    unknown = keys - shape.__required_keys__ - shape.__optional_keys__
    if missing or unknown:
        raise ValueError(f"{type_}: missing {sorted(missing)}, unknown {sorted(unknown)}")


@dataclass(frozen=True)
class NewEvent:
    """An event to append in the transaction of its change, for `recipients`."""

    type: EventType
    data: Any  # one of the payloads above (PAYLOADS[type])
    recipients: Sequence[UUID]

    def __post_init__(self) -> None:
        check_shape(self.type, self.data)
