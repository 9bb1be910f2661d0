"""POST /api/absences and GET /api/classes/{id}/absences."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.absences import service
from liaison.accounts.auth import require_user
from liaison.core.clock import PARIS
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, not_found
from liaison.web.requests import Body, parse_body
from liaison.web.routing import route


class NewAbsence(Body):
    child_id: str = Field(max_length=100)
    start: str = Field(max_length=10)
    end: str = Field(max_length=10)
    part: Literal["day", "morning", "afternoon"] = "day"
    reason: Literal["illness", "medical", "family", "other"]
    note: str = Field(default="", max_length=2000)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422,
            ErrorCode.INVALID,
            "Certains champs sont invalides.",
            fields={field: "Date invalide (attendu AAAA-MM-JJ)."},
        ) from None


async def report(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, NewAbsence)
    try:
        child_id = UUID(new.child_id)
    except ValueError:
        raise not_found() from None
    if "\x00" in new.note:
        raise ApiError(
            422, ErrorCode.INVALID, "Certains champs sont invalides.", fields={"note": "Caractère interdit."}
        )
    absence, thread = await service.report(
        Context.of(request),
        user,
        child_id=child_id,
        start=_date(new.start, "start"),
        end=_date(new.end, "end"),
        part=new.part,
        reason=new.reason,
        note=new.note,
        client_id=new.client_id,
    )
    return JSONResponse({"absence": absence, "thread": thread}, status_code=201)


async def class_register(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    klass = await service.register_class(ctx, user, request.path_params["class_id"])
    raw = request.query_params.get("date")
    try:
        day = dt.date.fromisoformat(raw) if raw else dt.datetime.now(PARIS).date()  # the school's day
    except ValueError:
        raise ApiError(
            400, ErrorCode.BAD_REQUEST, "Paramètre « date » invalide (attendu AAAA-MM-JJ)."
        ) from None
    return JSONResponse(await service.day_register(ctx, klass["id"], day))


class CheckTime(Body):
    check_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


async def settings(request: Request) -> Response:
    """GET/PUT the time at which unread absences go to the director (08:20 by default)."""
    user = await require_user(request)
    school_id: UUID = request.path_params["school_id"]
    ctx = Context.of(request)
    await service.open_settings(ctx, user, school_id)
    if request.method == "PUT":
        new = await parse_body(request, CheckTime)
        await service.set_check_time(ctx, school_id, dt.time.fromisoformat(new.check_time))
    return JSONResponse({"check_time": await service.check_time(ctx, school_id)})


routes = [
    route("/api/absences", POST=report),
    route("/api/classes/{class_id:uuid}/absences", GET=class_register),
    route("/api/schools/{school_id:uuid}/absence-settings", GET=settings, PUT=settings),
]
