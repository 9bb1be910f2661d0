"""The cahier de réalisations over HTTP: a child's cahier (list, add a page,
printable export), class pages, one page (read, delete)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.context import Context
from liaison.core.errors import invalid
from liaison.core.people import User
from liaison.realisations import access as _access  # noqa: F401  (registers the cahier's media holder)
from liaison.realisations import policy, service
from liaison.realisations.policy import Action
from liaison.web.pages import page
from liaison.web.requests import Body, parse_body, query_cursor, query_int, storable, trimmed
from liaison.web.routing import route

MAX_TEXT = 20_000
LIST_DEFAULT, LIST_MAX = 50, 200


class NewPage(Body):
    title: Annotated[str, trimmed(200)]
    body: str = Field(default="", max_length=MAX_TEXT)
    media_ids: list[str] = Field(default_factory=list, max_length=20)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)

    _storable = field_validator("title", "body", "client_id")(storable)


def _media_ids(values: list[str]) -> list[UUID]:
    try:
        return [UUID(v) for v in values]
    except ValueError:
        raise invalid({"media_ids": "Photo inconnue."}) from None


async def _create(
    request: Request,
    user: User,
    kind: str,
    school_id: UUID,
    class_id: UUID,
    child: asyncpg.Record | None,
) -> Response:
    new = await parse_body(request, NewPage)
    view = await service.create_page(
        Context.of(request), user, school_id=school_id, kind=kind, class_id=class_id, child=child,
        title=new.title, body=new.body, media_ids=_media_ids(new.media_ids), client_id=new.client_id,
    )  # fmt: skip
    return JSONResponse(view, status_code=201)


async def cahier(request: Request) -> Response:
    user = await require_user(request)
    pool = request.app.state.pool
    if request.method == "POST":
        child = await service.open_cahier(pool, user, request.path_params["child_id"], Action.ADD_PAGE)
        kind = policy.page_kind(user, child["school_id"])
        return await _create(request, user, kind, child["school_id"], child["class_id"], child)
    child = await service.open_cahier(pool, user, request.path_params["child_id"], Action.READ)
    limit = query_int(request, "limit", LIST_DEFAULT, 1, LIST_MAX)
    pages, following = await service.cahier_page(pool, user, child, limit, query_cursor(request))
    return JSONResponse({"pages": pages, "next": following})


async def class_pages(request: Request) -> Response:
    user = await require_user(request)
    klass = await service.open_class(request.app.state.pool, user, request.path_params["class_id"])
    return await _create(request, user, "class", klass["school_id"], klass["id"], None)


async def one_page(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    page_id = request.path_params["page_id"]
    if request.method == "DELETE":
        await service.delete_page(ctx, user, page_id)
        return Response(status_code=204)
    row = await service.open_page(ctx.pool, user, page_id, Action.READ)
    return JSONResponse((await service.pages_view(ctx.pool, user, [row]))[0])


async def export(request: Request) -> Response:
    """The whole school year's cahier, to print or save as PDF from the browser."""
    user = await require_user(request)
    pool = request.app.state.pool
    child = await service.open_cahier(pool, user, request.path_params["child_id"], Action.READ)
    current = service.school_year_of(service.today())
    year = query_int(request, "year", current, 2000, current)
    shown = await service.school_year(pool, user, child, year)
    return page(__file__, "export.html", child=child, class_name=child["class_name"], **shown)


routes = [
    route("/api/children/{child_id:uuid}/realisations", GET=cahier, POST=cahier),
    route("/api/children/{child_id:uuid}/realisations/export", GET=export),
    route("/api/classes/{class_id:uuid}/realisations", POST=class_pages),
    route("/api/realisations/{page_id:uuid}", GET=one_page, DELETE=one_page),
]
