"""The class and school agenda, and the private calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import asyncpg
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.accounts.store import get_user
from liaison.agenda import service, store
from liaison.core.errors import forbidden, invalid, not_found
from liaison.core.people import User
from liaison.directory import policy as directory_policy
from liaison.directory import store as directory
from liaison.directory.policy import SchoolAction
from liaison.messaging import store as threads
from liaison.web.requests import Body, moment, parse_body, trimmed
from liaison.web.routing import route


class NewEvent(Body):
    title: Annotated[str, trimmed(200)]
    starts_at: str = Field(max_length=40)
    ends_at: str = Field(max_length=40)
    location: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)
    signup_thread_id: str | None = Field(default=None, max_length=100)


async def _visible_class(request: Request) -> tuple[User, asyncpg.Record]:
    """The class of the path, if its agenda is the user's to see: its families
    and pupils, the staff of the school, the admin; 404 for everyone else."""
    user = await require_user(request)
    pool = request.app.state.pool
    klass = await directory.get_class(pool, request.path_params["class_id"])
    visible = klass is not None and (
        user.role == "admin"
        or (user.is_staff and user.school_id == klass["school_id"])
        or klass["id"] in await service.classes_of(pool, user)
    )
    if klass is None or not visible:
        raise not_found()
    return user, klass


async def class_events(request: Request) -> Response:
    _, klass = await _visible_class(request)
    rows = await store.for_classes(request.app.state.pool, klass["school_id"], [klass["id"]])
    return JSONResponse({"events": [service.event_to_api(r) for r in rows]})


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
        linked = await threads.get_thread(request.app.state.pool, signup_thread)
        member = await threads.get_member(request.app.state.pool, signup_thread, user.id)
        if linked is None or member is None or linked["kind"] != "signup":
            raise invalid({"signup_thread_id": "Inscription inconnue."})
    row = await store.create(
        request.app.state.pool, school_id=school_id, class_id=class_id, title=new.title, starts_at=starts,
        ends_at=ends, location=new.location, description=new.description, signup_thread_id=signup_thread,
        created_by=user.id,
    )  # fmt: skip
    return JSONResponse(service.event_to_api(row), status_code=201)


async def add_class_event(request: Request) -> Response:
    user, klass = await _visible_class(request)
    taught = await directory.classes_taught(request.app.state.pool, user.id)
    if not (user.role in ("director", "admin") or klass["id"] in taught):
        raise forbidden("Seuls les enseignants de la classe et la direction écrivent dans son agenda.")
    return await _create(request, klass["school_id"], klass["id"], user)


async def school_events(request: Request) -> Response:
    user = await require_user(request)
    school_id = request.path_params["school_id"]
    if user.role != "admin" and user.school_id != school_id:
        raise not_found()
    pool = request.app.state.pool
    if request.method == "POST":
        directory_policy.enforce(
            directory_policy.school_decision(user, school_id, SchoolAction.CHANGE_SETTINGS)
        )
        return await _create(request, school_id, None, user)
    rows = await store.for_classes(pool, school_id, [])
    return JSONResponse({"events": [service.event_to_api(r) for r in rows]})


def _feed_url(request: Request, user_id: UUID, version: int) -> str:
    settings = request.app.state.settings
    return f"{settings.public_url}/calendar/{service.feed_token(settings.secret_key, user_id, version)}.ics"


async def my_calendar(request: Request) -> Response:
    user = await require_user(request)
    pool = request.app.state.pool
    if request.method == "POST":
        version = await store.reset_feed(pool, user.id)
    else:
        version = await store.feed_version(pool, user.id)
    return JSONResponse({"url": _feed_url(request, user.id, version)})


async def feed(request: Request) -> Response:
    """No sign-in: the secret address is the key (calendar apps cannot sign in)."""
    token = request.path_params["token"].removesuffix(".ics")
    pool = request.app.state.pool
    user_id = service.feed_user(token)
    user = await get_user(pool, user_id) if user_id else None
    if user is None or user.school_id is None:
        raise not_found()
    version = await store.feed_version(pool, user.id)
    if not service.feed_token_valid(request.app.state.settings.secret_key, token, user.id, version):
        raise not_found()
    classes = await service.classes_of(pool, user)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    rows = await store.for_classes(pool, user.school_id, classes, since)
    school = await directory.get_school(pool, user.school_id)
    body = service.ics(rows, request.app.state.settings.public_url, school["name"] if school else "")
    return Response(
        body, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private, max-age=300"}
    )


routes = [
    route("/api/classes/{class_id:uuid}/events", GET=class_events, POST=add_class_event),
    route("/api/schools/{school_id:uuid}/events", GET=school_events, POST=school_events),
    route("/api/me/calendar", GET=my_calendar),
    route("/api/me/calendar/reset", POST=my_calendar),
    route("/calendar/{token}", GET=feed),
]
