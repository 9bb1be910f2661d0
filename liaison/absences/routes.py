"""Absences: reports and their cancelling, the registers, the roll call, the check time."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.absences import service
from liaison.accounts.auth import require_user
from liaison.core.clock import paris_today
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.web.requests import Body, day, parse_body, path_id, query_day
from liaison.web.routing import route


class NewAbsence(Body):
    child_id: str = Field(max_length=100)
    start: str = Field(max_length=10)
    end: str = Field(max_length=10)
    part: Literal["day", "morning", "afternoon"] = "day"
    reason: Literal["illness", "medical", "family", "other"]
    note: str = Field(default="", max_length=2000)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


def _query_day(request: Request) -> dt.date:
    """`?date=`, the school's day (Paris) by default."""
    return query_day(request, "date", paris_today())


async def report(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, NewAbsence)
    try:
        child_id = UUID(new.child_id)
    except ValueError:
        raise not_found() from None
    if "\x00" in new.note:
        raise invalid({"note": "Caractère interdit."})
    absence, thread = await service.report(
        Context.of(request),
        user,
        child_id=child_id,
        start=day(new.start, "start"),
        end=day(new.end, "end"),
        part=new.part,
        reason=new.reason,
        note=new.note,
        client_id=new.client_id,
    )
    return JSONResponse({"absence": absence, "thread": thread}, status_code=201)


async def cancel(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.cancel(Context.of(request), user, path_id(request, "absence_id")))


async def class_register(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    klass = await service.register_class(ctx, user, path_id(request, "class_id"))
    return JSONResponse(await service.day_register(ctx, klass["id"], _query_day(request)))


async def school_register(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    school_id = path_id(request, "school_id")
    return JSONResponse(await service.school_register(ctx, user, school_id, _query_day(request)))


class RollCall(Body):
    date: str = Field(max_length=10)
    part: Literal["morning", "afternoon"]
    absent: list[str] = Field(max_length=200)


async def roll_call(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    class_id = path_id(request, "class_id")
    # Who may is checked before the body is read: a stranger learns nothing from a 422.
    await service.register_class(ctx, user, class_id)
    body = await parse_body(request, RollCall)
    try:
        absent = [UUID(c) for c in body.absent]
    except ValueError:
        raise invalid({"absent": "Un de ces enfants n'est pas dans cette classe."}) from None
    answer = await service.roll_call(ctx, user, class_id, day(body.date, "date"), body.part, absent)
    return JSONResponse(answer)


async def roll_call_taken(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    klass = await service.register_class(ctx, user, path_id(request, "class_id"))
    part = request.query_params.get("part", "morning")
    if part not in ("morning", "afternoon"):
        raise ApiError(400, ErrorCode.BAD_REQUEST, "Paramètre « part » invalide (morning ou afternoon).")
    return JSONResponse(await service.roll_call_of(ctx, klass["id"], _query_day(request), part))


async def thread_absence(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.of_thread(Context.of(request), user, path_id(request, "thread_id")))


class CheckTime(Body):
    check_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


async def settings(request: Request) -> Response:
    """GET/PUT the time at which unread absences go to the director (08:20 by default)."""
    user = await require_user(request)
    school_id = path_id(request, "school_id")
    ctx = Context.of(request)
    await service.open_settings(ctx, user, school_id)
    if request.method == "PUT":
        new = await parse_body(request, CheckTime)
        await service.set_check_time(ctx, school_id, dt.time.fromisoformat(new.check_time))
    return JSONResponse({"check_time": await service.check_time(ctx, school_id)})


routes = [
    route("/api/absences", POST=report),
    route("/api/absences/{absence_id:uuid}/cancel", POST=cancel),
    route("/api/classes/{class_id:uuid}/absences", GET=class_register),
    route("/api/classes/{class_id:uuid}/roll-call", GET=roll_call_taken, POST=roll_call),
    route("/api/schools/{school_id:uuid}/absences", GET=school_register),
    route("/api/threads/{thread_id:uuid}/absence", GET=thread_absence),
    route("/api/schools/{school_id:uuid}/absence-settings", GET=settings, PUT=settings),
]
