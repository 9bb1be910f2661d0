"""The adoption figures over HTTP: `GET /api/stats?scope=&from=&to=&format=`."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.clock import paris_today
from liaison.core.context import Context
from liaison.core.errors import invalid
from liaison.stats import service
from liaison.stats.policy import ScopeKind
from liaison.stats.service import Scope
from liaison.web.requests import parse_day
from liaison.web.routing import route

SCOPE_HELP = "Attendu : platform, circonscription:{id} ou school:{id}."


def _scope(raw: str | None) -> Scope | None:
    if not raw:
        return None
    kind, _, ident = raw.partition(":")
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        raise invalid({"scope": SCOPE_HELP}, "Périmètre inconnu.") from None
    if scope_kind is ScopeKind.PLATFORM:
        if ident:
            raise invalid({"scope": SCOPE_HELP}, "Périmètre inconnu.")
        return Scope(scope_kind)
    try:
        return Scope(scope_kind, UUID(ident))
    except ValueError:
        raise invalid({"scope": "Identifiant invalide. " + SCOPE_HELP}, "Périmètre inconnu.") from None


def _day(request: Request, name: str, problems: dict[str, str]) -> dt.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_day(raw)
    except ValueError as error:
        problems[name] = str(error)
        return None


async def stats(request: Request) -> Response:
    user = await require_user(request)
    scope = _scope(request.query_params.get("scope"))
    problems: dict[str, str] = {}
    first, last = _day(request, "from", problems), _day(request, "to", problems)
    fmt = request.query_params.get("format") or "json"
    if fmt not in ("json", "csv"):
        problems["format"] = "Attendu : json ou csv."
    today = paris_today()
    if not problems:
        year_start, year_end = service.school_year(today)
        if (first or year_start) > (last or year_end):
            problems["to"] = "La fin de la période précède son début."
    if problems:
        raise invalid(problems)
    answer = await service.figures(Context.of(request), user, scope, first, last, today)
    if fmt == "csv":
        return Response(
            service.to_csv(answer),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{service.csv_filename(answer)}"',
                "Cache-Control": "no-store",
            },
        )
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


routes = [route("/api/stats", GET=stats)]
