"""GET/PUT /api/children/{id}/image-consent and GET /api/classes/{id}/image-consents."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.consent import service
from liaison.core.context import Context
from liaison.web.requests import Body, parse_body
from liaison.web.routing import route


class Decision(Body):
    granted: bool


async def child_consent(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    child_id: UUID = request.path_params["child_id"]
    if request.method == "GET":
        opened = await service.open_child(ctx, user, child_id, deciding=False)
        return JSONResponse(await service.child_view(ctx, opened))
    opened = await service.open_child(ctx, user, child_id, deciding=True)
    decision = await parse_body(request, Decision)
    return JSONResponse(await service.decide(ctx, user, opened, decision.granted))


async def class_consents(request: Request) -> Response:
    user = await require_user(request)
    children = await service.class_overview(Context.of(request), user, request.path_params["class_id"])
    return JSONResponse({"children": children})


routes = [
    route("/api/children/{child_id:uuid}/image-consent", GET=child_consent, PUT=child_consent),
    route("/api/classes/{class_id:uuid}/image-consents", GET=class_consents),
]
