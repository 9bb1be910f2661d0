"""Search over HTTP: `GET /api/search?q=&limit=`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.context import Context
from liaison.core.errors import invalid
from liaison.search import service
from liaison.search.text import MAX_QUERY_LENGTH, clean_query
from liaison.web.requests import query_int
from liaison.web.routing import route

DEFAULT_LIMIT = 20
MAX_LIMIT = 200


def _typed(request: Request) -> str:
    typed = clean_query(request.query_params.get("q", ""))
    if not typed:
        raise invalid({"q": "Tapez un mot à chercher."}, "Que cherchez-vous ?")
    if len(typed) > MAX_QUERY_LENGTH:
        raise invalid({"q": f"{MAX_QUERY_LENGTH} caractères au plus."}, "La recherche est trop longue.")
    if "\x00" in typed:
        raise invalid({"q": "Le caractère nul (U+0000) n'est pas accepté."})
    return typed


async def search(request: Request) -> Response:
    user = await require_user(request)
    typed = _typed(request)
    limit = query_int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    results = await service.search(Context.of(request), user, typed, limit)
    return JSONResponse({"results": results})


routes = [route("/api/search", GET=search)]
