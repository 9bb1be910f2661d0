"""Threads and messages over HTTP: parse, call the service, answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import Field, field_validator, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.clock import PARIS, iso
from liaison.core.context import Context
from liaison.core.errors import invalid, not_found
from liaison.core.limits import Limit, hold_back
from liaison.core.people import Role, User
from liaison.messaging import service
from liaison.messaging.policy import ThreadAction
from liaison.signups import service as signups
from liaison.web.pages import page
from liaison.web.requests import (
    Body,
    moment,
    nonblank,
    parse_body,
    path_id,
    query_cursor,
    query_int,
    read_json_object,
    storable,
    trimmed,
    validate,
)
from liaison.web.routing import route

MAX_BODY = 20_000
INBOX_DEFAULT, INBOX_MAX = 50, 200


class _Create(Body):
    subject: Annotated[str, trimmed(200)]
    body: str = Field(min_length=1, max_length=MAX_BODY)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)

    _not_blank = field_validator("subject", "body")(nonblank)
    _storable_id = field_validator("client_id")(storable)


class NewDirect(_Create):
    kind: Literal["direct"]
    child_id: str = Field(max_length=100)
    include_director: bool = False


class StaffOf(Body):
    circonscription_id: str | None = Field(default=None, max_length=100)
    school_ids: list[Annotated[str, Field(max_length=100)]] | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _one_of(self) -> StaffOf:
        if (self.circonscription_id is None) == (not self.school_ids):
            raise ValueError("Choisissez une circonscription ou une liste d'écoles.")
        return self


class Audience(Body):
    school: bool | None = None
    school_id: str | None = Field(default=None, max_length=100)  # with "school": which of the author's
    class_ids: list[str] | None = Field(default=None, max_length=100)
    rpi_id: str | None = Field(default=None, max_length=100)
    staff_of: StaffOf | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Audience:
        chosen = [bool(self.school), bool(self.class_ids), self.rpi_id is not None, self.staff_of is not None]
        if chosen.count(True) != 1:
            raise ValueError(
                "Choisissez toute l'école, une liste de classes, un RPI ou les équipes d'écoles."
            )
        if self.school_id is not None and not self.school:
            raise ValueError("L'école se choisit avec toute l'école.")
        return self


class NewAnnouncement(_Create):
    kind: Literal["announcement"]
    audience: Audience
    require_ack: bool = False
    urgent: bool = False


class Slot(Body):
    label: Annotated[str, trimmed(200)]
    capacity: int = Field(ge=1, le=1000)


class NewSignup(NewAnnouncement):
    kind: Literal["signup"]  # type: ignore[assignment]
    slots: list[Slot] = Field(min_length=1, max_length=50)
    closes_at: str | None = Field(default=None, max_length=40)


class NewMessage(Body):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)

    _not_blank = field_validator("body")(nonblank)
    _storable_id = field_validator("client_id")(storable)


class ReadUpTo(Body):
    seq: int = Field(ge=0)


def _id(value: str) -> UUID:
    """An id from a body: one that is not even well formed is unknown (404)."""
    try:
        return UUID(value)
    except ValueError:
        raise not_found() from None


def _created(thread: dict[str, Any], message: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"thread": thread, "message": message}, status_code=201)


async def _start_direct(ctx: Context, user: User, new: NewDirect) -> service.Created:
    return await service.start_direct(
        ctx, user, _id(new.child_id), new.subject, new.body, new.include_director, new.client_id
    )


def _audience_id(value: str | None, name: str, said: str) -> UUID | None:
    """An id of the audience: one not even well formed is unknown (422 on that field)."""
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise invalid({f"audience.{name}": said}) from None


def _staff_of(audience: Audience) -> service.StaffOf | None:
    staff_of = audience.staff_of
    if staff_of is None:
        return None
    return service.StaffOf(
        _audience_id(staff_of.circonscription_id, "staff_of.circonscription_id", "Circonscription inconnue."),
        tuple(
            UUID(str(_audience_id(s, "staff_of.school_ids", "École inconnue.")))
            for s in staff_of.school_ids or []
        ),
    )


async def _start_announcement(ctx: Context, user: User, new: NewAnnouncement) -> service.Created:
    audience = new.audience
    return await service.start_announcement(
        ctx, user, whole_school=bool(audience.school),
        class_ids=[_class_id(c) for c in audience.class_ids or []], subject=new.subject,
        body=new.body, require_ack=new.require_ack, urgent=new.urgent, client_id=new.client_id,
        school_id=_audience_id(audience.school_id, "school_id", "École inconnue."),
        rpi_id=_audience_id(audience.rpi_id, "rpi_id", "RPI inconnu."), staff_of=_staff_of(audience),
    )  # fmt: skip


async def _start_signup(ctx: Context, user: User, new: NewSignup) -> service.Created:
    closes_at = moment(new.closes_at, "closes_at") if new.closes_at is not None else None
    audience = new.audience
    if audience.staff_of is not None:
        raise invalid({"audience.staff_of": "Une inscription s'adresse aux familles."})
    return await signups.create(
        ctx, user, whole_school=bool(audience.school),
        class_ids=[_class_id(c) for c in audience.class_ids or []], subject=new.subject,
        body=new.body, slots=[(s.label, s.capacity) for s in new.slots], closes_at=closes_at,
        urgent=new.urgent, client_id=new.client_id,
        school_id=_audience_id(audience.school_id, "school_id", "École inconnue."),
        rpi_id=_audience_id(audience.rpi_id, "rpi_id", "RPI inconnu."),
    )  # fmt: skip


# Each kind of thread a POST /api/threads may start: its body, and who starts it.
_STARTERS: dict[str, tuple[type[Body], Callable[[Context, User, Any], Awaitable[service.Created]]]] = {
    "direct": (NewDirect, _start_direct),
    "announcement": (NewAnnouncement, _start_announcement),
    "signup": (NewSignup, _start_signup),
}
_UNKNOWN_KIND = {"kind": "Valeur attendue : direct, announcement ou signup."}


def _starter(kind: object) -> tuple[type[Body], Callable[[Context, User, Any], Awaitable[service.Created]]]:
    found = _STARTERS.get(kind) if isinstance(kind, str) else None
    if found is None:
        raise invalid(_UNKNOWN_KIND)
    return found


async def _hold_back_floods(request: Request, user: User) -> None:
    """At most so many messages (new threads included) a minute per user,
    across processes: 429 `rate_limited` beyond."""
    settings = request.app.state.settings
    family = user.role in (Role.PARENT, Role.STUDENT)
    per_minute = settings.post_limit_family_per_minute if family else settings.post_limit_staff_per_minute
    await hold_back(
        request.app.state.failure_counter,
        user.id,
        Limit("post", per_minute, 60),
        "Vous avez envoyé beaucoup de messages en peu de temps. Patientez un instant avant de réécrire.",
    )


async def create_thread(request: Request) -> Response:
    user = await require_user(request)
    await _hold_back_floods(request, user)
    data = await read_json_object(request)
    if "send_at" in data:
        return await _schedule(request, user, data, None)
    model, start = _starter(data.get("kind"))
    return _created(*await start(Context.of(request), user, validate(model, data)))


def _class_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise invalid({"audience.class_ids": "Classe inconnue."}) from None


async def list_threads(request: Request) -> Response:
    user = await require_user(request)
    limit = query_int(request, "limit", INBOX_DEFAULT, 1, INBOX_MAX)
    after = query_cursor(request)
    unread_only = request.query_params.get("unread", "").lower() in ("1", "true")
    threads, following = await service.inbox(Context.of(request), user, limit, after, unread_only)
    return JSONResponse({"threads": threads, "next": following})


async def get_thread(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    visible = await service.open_thread(ctx, user, path_id(request, "thread_id"), ThreadAction.READ)
    messages = await service.latest_messages(ctx, user, visible, 50)
    thread = await service.thread_view(ctx, user, visible)
    if thread["kind"] == "signup":
        thread["slots"] = await signups.slots_view(ctx, user, visible.thread["id"])
    if thread["kind"] in ("direct", "absence"):
        thread["seen_by"] = await service.seen_by(ctx, user, visible.thread["id"])
    return JSONResponse(
        {
            "thread": thread,
            "messages": messages,
        }
    )


async def list_messages(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    visible = await service.open_thread(ctx, user, path_id(request, "thread_id"), ThreadAction.READ)
    after_seq = query_int(request, "after_seq", 0, 0, 2**31 - 1)
    limit = query_int(request, "limit", 50, 1, 200)
    messages = await service.messages_after(ctx, user, visible, after_seq, limit)
    return JSONResponse({"messages": messages})


async def _schedule(request: Request, user: User, data: dict[str, Any], thread_id: UUID | None) -> Response:
    """Kept aside until `send_at` (checked now, sent then with the same rules)."""
    from liaison.scheduling import service as scheduling

    raw = data.pop("send_at")
    if not isinstance(raw, str):
        raise invalid({"send_at": "Date et heure attendues (RFC 3339)."})
    send_at = moment(raw, "send_at")
    scheduling.check_send_at(send_at, dt.datetime.now(dt.UTC))
    model = NewMessage if thread_id is not None else _starter(data.get("kind"))[0]
    new = validate(model, data)
    audience = getattr(new, "audience", None)
    if isinstance(audience, Audience):
        # Its ids are read again when it is sent: refuse now what is not even an id.
        _audience_id(audience.school_id, "school_id", "École inconnue.")
        _audience_id(audience.rpi_id, "rpi_id", "RPI inconnu.")
        _staff_of(audience)
    if thread_id is not None:
        await service.open_to_post(Context.of(request), user, thread_id)
    payload = {**data, "client_id": data.get("client_id") or f"scheduled:{uuid4().hex}"}
    scheduled = await scheduling.schedule(request.app.state.pool, user, payload, send_at, thread_id)
    return JSONResponse({"scheduled": scheduled}, status_code=202)


async def post_message(request: Request) -> Response:
    user = await require_user(request)
    await _hold_back_floods(request, user)
    data = await read_json_object(request)
    if "send_at" in data:
        return await _schedule(request, user, data, path_id(request, "thread_id"))
    new = validate(NewMessage, data)
    message = await service.post(
        Context.of(request), user, path_id(request, "thread_id"), new.body, new.client_id
    )
    return JSONResponse(message, status_code=201)


async def close_thread(request: Request) -> Response:
    user = await require_user(request)
    thread = await service.set_closed(Context.of(request), user, path_id(request, "thread_id"), True)
    return JSONResponse({"thread": thread})


async def reopen_thread(request: Request) -> Response:
    user = await require_user(request)
    thread = await service.set_closed(Context.of(request), user, path_id(request, "thread_id"), False)
    return JSONResponse({"thread": thread})


def _seq(request: Request) -> int:
    seq: int = request.path_params["seq"]
    return seq


async def recall_message(request: Request) -> Response:
    user = await require_user(request)
    await service.change_message(
        Context.of(request), user, path_id(request, "thread_id"), _seq(request), None
    )
    return Response(status_code=204)


async def correct_message(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, NewMessage)
    return JSONResponse(
        await service.change_message(
            Context.of(request), user, path_id(request, "thread_id"), _seq(request), new.body
        )
    )


async def reply_privately(request: Request) -> Response:
    user = await require_user(request)
    await _hold_back_floods(request, user)
    new = await parse_body(request, NewMessage)
    return _created(
        *await service.reply_privately(
            Context.of(request), user, path_id(request, "thread_id"), new.body, new.client_id
        )
    )


async def mark_read(request: Request) -> Response:
    user = await require_user(request)
    read = await parse_body(request, ReadUpTo)
    await service.mark_read(Context.of(request), user, path_id(request, "thread_id"), read.seq)
    return Response(status_code=204)


async def acknowledge(request: Request) -> Response:
    user = await require_user(request)
    acked_at = await service.ack(Context.of(request), user, path_id(request, "thread_id"))
    return JSONResponse({"acked_at": iso(acked_at)})


class PaperAck(Body):
    child_id: str = Field(max_length=100)


async def paper_ack(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, PaperAck)
    signed = await service.record_paper_ack(
        Context.of(request), user, path_id(request, "thread_id"), _id(new.child_id)
    )
    return JSONResponse(signed, status_code=201)


async def remind(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(
        await service.remind_others(Context.of(request), user, path_id(request, "thread_id")), status_code=201
    )


async def receipts(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.receipts(Context.of(request), user, path_id(request, "thread_id")))


async def paper(request: Request) -> Response:
    """A slip to hand out to each family the school must still reach: not read,
    or, when a signature is asked, not signed; never one still to be notified."""
    user = await require_user(request)
    slips = await service.paper_slips(Context.of(request), user, path_id(request, "thread_id"))
    return page(
        __file__,
        "paper.html",
        thread=slips.thread,
        author=slips.thread["author"]["display_name"],
        body=slips.first["body"],
        sent_on=slips.first["created_at"].astimezone(PARIS).strftime("%d/%m/%Y"),
        slips=[{"child": f["child"]["display_name"]} for f in slips.families],
        later=slips.later,
        later_until=slips.later_until,
    )


routes = [
    route("/api/threads", GET=list_threads, POST=create_thread),
    route("/api/threads/{thread_id:uuid}", GET=get_thread),
    route("/api/threads/{thread_id:uuid}/messages", GET=list_messages, POST=post_message),
    route("/api/threads/{thread_id:uuid}/messages/{seq:int}", DELETE=recall_message, PATCH=correct_message),
    route("/api/threads/{thread_id:uuid}/reply-privately", POST=reply_privately),
    route("/api/threads/{thread_id:uuid}/read", POST=mark_read),
    route("/api/threads/{thread_id:uuid}/close", POST=close_thread),
    route("/api/threads/{thread_id:uuid}/reopen", POST=reopen_thread),
    route("/api/threads/{thread_id:uuid}/ack", POST=acknowledge),
    route("/api/threads/{thread_id:uuid}/receipts", GET=receipts),
    route("/api/threads/{thread_id:uuid}/paper", GET=paper),
    route("/api/threads/{thread_id:uuid}/paper-acks", POST=paper_ack),
    route("/api/threads/{thread_id:uuid}/remind", POST=remind),
]
