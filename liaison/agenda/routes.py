"""The class and school agenda, and the private calendar feed."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.agenda import service
from liaison.agenda.policy import AgendaAction
from liaison.core.context import Context
from liaison.core.errors import invalid
from liaison.core.people import User
from liaison.web.qr import qr_response
from liaison.web.requests import Body, moment, parse_body, path_id, trimmed
from liaison.web.routing import route


class NewEvent(Body):
    title: Annotated[str, trimmed(200)]
    starts_at: str = Field(max_length=40)
    ends_at: str = Field(max_length=40)
    location: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)
    signup_thread_id: str | None = Field(default=None, max_length=100)


async def class_events(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    klass = await service.open_class(ctx, user, path_id(request, "class_id"), AgendaAction.READ)
    return JSONResponse({"events": await service.events(ctx, klass["school_id"], [klass["id"]])})


async def _create(request: Request, school_id: UUID, class_id: UUID | None, user: User) -> Response:
    new = await parse_body(request, NewEvent)
    starts, ends = moment(new.starts_at, "starts_at"), moment(new.ends_at, "ends_at")
    if ends < starts:
        raise invalid({"ends_at": "La fin est avant le début."})
    signup_thread = None
    if new.signup_thread_id:
        try:
            signup_thread = UUID(new.signup_thread_id)
        except ValueError:
            raise invalid({"signup_thread_id": "Inscription inconnue."}) from None
    event = await service.add_event(
        Context.of(request), user, school_id=school_id, class_id=class_id, title=new.title, starts_at=starts,
        ends_at=ends, location=new.location, description=new.description, signup_thread_id=signup_thread,
    )  # fmt: skip
    return JSONResponse(event, status_code=201)


async def add_class_event(request: Request) -> Response:
    user = await require_user(request)
    klass = await service.open_class(
        Context.of(request), user, path_id(request, "class_id"), AgendaAction.WRITE
    )
    return await _create(request, klass["school_id"], klass["id"], user)


async def school_events(request: Request) -> Response:
    user = await require_user(request)
    school_id: UUID = request.path_params["school_id"]
    if request.method == "POST":
        service.open_school(user, school_id, AgendaAction.WRITE)
        return await _create(request, school_id, None, user)
    service.open_school(user, school_id, AgendaAction.READ)
    return JSONResponse({"events": await service.events(Context.of(request), school_id, [])})


class ThreadDate(Body):
    starts_at: str = Field(max_length=40)
    ends_at: str = Field(max_length=40)
    location: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)


async def thread_date(request: Request) -> Response:
    """PUT: the date of an announcement or a sign-up, in the agenda; DELETE: no more."""
    user = await require_user(request)
    ctx = Context.of(request)
    thread_id = path_id(request, "thread_id")
    if request.method == "DELETE":
        await service.clear_thread_date(ctx, user, thread_id)
        return Response(status_code=204)
    new = await parse_body(request, ThreadDate)
    starts, ends = moment(new.starts_at, "starts_at"), moment(new.ends_at, "ends_at")
    if ends < starts:
        raise invalid({"ends_at": "La fin est avant le début."})
    events = await service.set_thread_date(
        ctx, user, thread_id, starts_at=starts, ends_at=ends, location=new.location.strip(),
        description=new.description.strip(),
    )  # fmt: skip
    return JSONResponse({"events": events})


async def my_calendar(request: Request) -> Response:
    user = await require_user(request)
    reset = request.method == "POST"
    return JSONResponse({"url": await service.feed_address(Context.of(request), user, reset)})


async def my_calendar_qr(request: Request) -> Response:
    """The feed's address as a QR code (webcal:), to scan with the phone whose
    agenda should show the school's dates."""
    user = await require_user(request)
    url = await service.feed_address(Context.of(request), user, False)
    return qr_response(webcal(url), "Adresse de votre agenda Liaison")


def webcal(url: str) -> str:
    """The same address for calendar apps: `webcal:` asks them to subscribe."""
    return "webcal:" + url.split(":", 1)[1]


async def feed(request: Request) -> Response:
    """No sign-in: the secret address is the key (calendar apps cannot sign in)."""
    token = request.path_params["token"].removesuffix(".ics")
    body = await service.feed(Context.of(request), token)
    return Response(
        body, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, max-age=300"}
    )


routes = [
    route("/api/classes/{class_id:uuid}/events", GET=class_events, POST=add_class_event),
    route("/api/schools/{school_id:uuid}/events", GET=school_events, POST=school_events),
    route("/api/me/calendar", GET=my_calendar),
    route("/api/me/calendar/reset", POST=my_calendar),
    route("/api/me/calendar/qr", GET=my_calendar_qr),
    route("/api/threads/{thread_id:uuid}/agenda", PUT=thread_date, DELETE=thread_date),
    route("/calendar/{token}", GET=feed),
]
