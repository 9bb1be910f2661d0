"""Every live event, declared once: its type and its payload's shape.

An event is `{"type", "pos", "data"}` on the WebSocket and in long polling
(docs/api.md, Real time). Services build them as `NewEvent(type, data,
recipients)` inside the transaction that makes the change; the event log
(liaison/realtime/store.py) gives them positions. A payload that is an API
object (a Thread, a Message, a Post...) has the shape of the one function
that shows that object; the others are declared here as TypedDicts, and a
NewEvent whose data does not have its type's keys is refused when built, so
a drift fails the first test that makes that event. The web app reads the
same list (static/js/events.js, kept equal by tests/unit/test_events.py).
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict
from uuid import UUID


class EventType(enum.StrEnum):
    THREAD_CREATED = "thread.created"  # data: a Thread
    MESSAGE_CREATED = "message.created"  # data: a Message
    MESSAGE_UPDATED = "message.updated"  # data: the corrected Message
    MESSAGE_RECALLED = "message.recalled"  # data: the recalled Message (empty body)
    RECEIPT_UPDATED = "receipt.updated"
    ACK_CREATED = "ack.created"
    SIGNUP_UPDATED = "signup.updated"
    ABSENCE_REPORTED = "absence.reported"  # data: an Absence
    ABSENCE_UNSEEN = "absence.unseen"
    CONSENT_UPDATED = "consent.updated"  # data: a child's consent view
    POST_PUBLISHED = "post.published"  # data: a Post
    POST_SUBMITTED = "post.submitted"  # data: a Post
    POST_UPDATED = "post.updated"  # data: a Post
    POST_REJECTED = "post.rejected"  # data: a Post
    POST_DELETED = "post.deleted"
    COMMENT_CREATED = "comment.created"  # data: a Comment
    COMMENT_REMOVED = "comment.removed"
    REALISATION_CREATED = "realisation.created"
    REALISATION_DELETED = "realisation.deleted"


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
    slots: list[dict[str, Any]]
    signup: NotRequired[dict[str, Any]]  # the sign-up just made
    withdrawn: NotRequired[str]  # the sign-up just withdrawn
    promoted: NotRequired[dict[str, Any]]  # the waiting family confirmed in its place


class ChildRef(TypedDict):
    id: str
    display_name: str


class AbsenceUnseen(TypedDict):
    """An absence no teacher had read by the school's check time: to the directors."""

    absence_id: str
    thread_id: str
    child: ChildRef
    class_id: str
    reported_at: str | None


class PostDeleted(TypedDict):
    id: str
    class_id: str


class CommentRemoved(TypedDict):
    id: str
    post_id: str


class RealisationCreated(TypedDict):
    """A cahier page, without its photos (they depend on who looks)."""

    page: dict[str, Any]


class RealisationDeleted(TypedDict):
    id: str
    kind: str
    child_id: str | None
    class_id: str


# The declared payloads; the other types carry an API object.
PAYLOADS: dict[EventType, type] = {
    EventType.RECEIPT_UPDATED: ReceiptUpdated,
    EventType.ACK_CREATED: AckCreated,
    EventType.SIGNUP_UPDATED: SignupUpdated,
    EventType.ABSENCE_UNSEEN: AbsenceUnseen,
    EventType.POST_DELETED: PostDeleted,
    EventType.COMMENT_REMOVED: CommentRemoved,
    EventType.REALISATION_CREATED: RealisationCreated,
    EventType.REALISATION_DELETED: RealisationDeleted,
}


def check_shape(type_: EventType, data: Any) -> None:
    """The payload has every key its type requires and no other."""
    shape = PAYLOADS.get(type_)
    if shape is None:
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
    data: Any  # one of the TypedDicts above, or an API object's dict
    recipients: Sequence[UUID]

    def __post_init__(self) -> None:
        check_shape(EventType(self.type), self.data)
