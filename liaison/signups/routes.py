"""POST/GET /api/threads/{id}/signups and DELETE /api/threads/{id}/signups/{signup_id}."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.context import Context
from liaison.core.errors import not_found
from liaison.signups import service
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
    return JSONResponse(await service.staff_view(Context.of(request), user, request.path_params["thread_id"]))


routes = [
    route("/api/threads/{thread_id:uuid}/signups", GET=staff_view, POST=sign_up),
    route("/api/threads/{thread_id:uuid}/signups/{signup_id:uuid}", DELETE=withdraw),
]
