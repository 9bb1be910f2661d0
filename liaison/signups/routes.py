"""Sign-ups over HTTP: signing up and withdrawing, and the staff's list, on screen and on paper."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.clock import PARIS, utcnow
from liaison.core.context import Context
from liaison.core.errors import not_found
from liaison.signups import service
from liaison.web.pages import page
from liaison.web.requests import Body, parse_body
from liaison.web.routing import route


class NewSignup(Body):
    slot_id: str = Field(max_length=100)
    note: str = Field(default="", max_length=500)


async def sign_up(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, NewSignup)
    try:
        slot_id = UUID(new.slot_id)
    except ValueError:
        raise not_found() from None
    signup, created = await service.sign_up(
        Context.of(request), user, request.path_params["thread_id"], slot_id, new.note.replace("\x00", "")
    )
    return JSONResponse(signup, status_code=201 if created else 200)


async def withdraw(request: Request) -> Response:
    user = await require_user(request)
    await service.withdraw(
        Context.of(request), user, request.path_params["thread_id"], request.path_params["signup_id"]
    )
    return Response(status_code=204)


async def staff_view(request: Request) -> Response:
    user = await require_user(request)
    view = await service.staff_view(Context.of(request), user, request.path_params["thread_id"])
    return JSONResponse({"slots": view.slots})


async def printable(request: Request) -> Response:
    """The same list on paper: each slot's families, the waiting list, the notes."""
    user = await require_user(request)
    view = await service.staff_view(Context.of(request), user, request.path_params["thread_id"])
    return page(
        __file__,
        "signups_print.html",
        subject=view.thread["subject"],
        printed_on=utcnow().astimezone(PARIS).strftime("%d/%m/%Y à %H:%M"),
        slots=[
            {
                "label": slot["label"],
                "capacity": slot["capacity"],
                "confirmed": [_line(s, view) for s in slot["signups"] if s["status"] == "confirmed"],
                "waiting": [_line(s, view) for s in slot["signups"] if s["status"] == "waitlisted"],
            }
            for slot in view.slots
        ],
    )


def _line(signup: dict[str, Any], view: service.StaffView) -> dict[str, str]:
    return {
        "child": signup["child"]["display_name"],
        "class_name": view.class_names.get(signup["child"]["class_id"] or "", ""),
        "guardian": signup["guardian"]["display_name"] if signup["guardian"] else "",
        "note": signup["note"],
    }


routes = [
    route("/api/threads/{thread_id:uuid}/signups", GET=staff_view, POST=sign_up),
    route("/api/threads/{thread_id:uuid}/signups/print", GET=printable),
    route("/api/threads/{thread_id:uuid}/signups/{signup_id:uuid}", DELETE=withdraw),
]
