"""GET and PUT /api/schools/{school_id}/calendar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.calendar import service
from liaison.calendar.days import WEEKDAYS, Closure
from liaison.core.context import Context
from liaison.core.errors import invalid
from liaison.web.requests import Body, nonblank, parse_body, parse_day, path_id, trimmed
from liaison.web.routing import route


class NewClosure(Body):
    date: str = Field(max_length=10)
    label: Annotated[str, trimmed(100)]

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        return parse_day(value).isoformat()  # a day of a possible school year: 2000 to 2100

    _label = field_validator("label")(nonblank)


class CalendarChange(Body):
    zone: Literal["A", "B", "C"] | None = None
    week: list[str] | None = Field(default=None, max_length=7)
    closures: list[NewClosure] | None = Field(default=None, max_length=366)

    @field_validator("zone", mode="before")
    @classmethod
    def _zone(cls, value: object) -> object:
        if value is not None and value not in ("A", "B", "C"):
            raise ValueError("Zone de vacances A, B ou C.")
        return value

    @field_validator("week")
    @classmethod
    def _week(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("Choisissez au moins un jour d'école.")
        if any(day not in WEEKDAYS for day in value):
            raise ValueError("Jours attendus : mon, tue, wed, thu, fri, sat, sun.")
        if len(set(value)) != len(value):
            raise ValueError("Chaque jour une seule fois.")
        return value


async def calendar(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.read(Context.of(request), user, path_id(request, "school_id")))


async def set_calendar(request: Request) -> Response:
    user = await require_user(request)
    school_id = path_id(request, "school_id")
    ctx = Context.of(request)
    # Who may is checked before the body is read: a stranger learns nothing from a 422.
    await service.check_change(ctx, user, school_id)
    body = await parse_body(request, CalendarChange)
    closures = None
    if body.closures is not None:
        seen: dict[str, int] = {}
        for index, closure in enumerate(body.closures):
            if closure.date in seen:
                raise invalid({f"closures.{index}.date": "Cette date est déjà fermée."})
            seen[closure.date] = index
        closures = [Closure(dt.date.fromisoformat(c.date), c.label) for c in body.closures]
    answer = await service.update(ctx, user, school_id, zone=body.zone, week=body.week, closures=closures)
    return JSONResponse(answer)


routes = [
    route("/api/schools/{school_id:uuid}/calendar", GET=calendar, PUT=set_calendar),
]
