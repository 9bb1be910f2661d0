"""GET /api/scheduled (what I wrote for later) and DELETE /api/scheduled/{id}."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.scheduling import service
from liaison.web.routing import route


async def mine(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"scheduled": await service.pending_of(request.app.state.pool, user)})


async def cancel(request: Request) -> Response:
    user = await require_user(request)
    await service.cancel(request.app.state.pool, user, request.path_params["scheduled_id"])
    return Response(status_code=204)


routes = [
    route("/api/scheduled", GET=mine),
    route("/api/scheduled/{scheduled_id:uuid}", DELETE=cancel),
]
