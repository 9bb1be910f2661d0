"""GET/PUT /api/children/{id}/image-consent, the paper form recorded by the
staff, and the class's overview, reminder and printable forms."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.consent import service
from liaison.core.context import Context
from liaison.core.errors import invalid
from liaison.web.pages import page
from liaison.web.requests import Body, parse_body, path_id
from liaison.web.routing import route


class Decision(Body):
    granted: bool


class PaperDecision(Body):
    guardian_id: str
    granted: bool


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise invalid({field: "Identifiant inconnu."}) from None


async def child_consent(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    child_id: UUID = request.path_params["child_id"]
    if request.method == "GET":
        opened = await service.open_child(ctx, user, child_id, deciding=False)
        return JSONResponse(await service.child_view(ctx, user, opened))
    opened = await service.open_child(ctx, user, child_id, deciding=True)
    decision = await parse_body(request, Decision)
    return JSONResponse(await service.decide(ctx, user, opened, decision.granted))


async def paper_consent(request: Request) -> Response:
    user = await require_user(request)
    decision = await parse_body(request, PaperDecision)
    guardian_id = _uuid(decision.guardian_id, "guardian_id")
    view = await service.record_paper(
        Context.of(request), user, path_id(request, "child_id"), guardian_id, decision.granted
    )
    return JSONResponse(view)


async def class_consents(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.class_overview(Context.of(request), user, path_id(request, "class_id")))


async def remind(request: Request) -> Response:
    user = await require_user(request)
    answer = await service.remind(Context.of(request), user, path_id(request, "class_id"))
    return JSONResponse(answer, status_code=201)


async def forms(request: Request) -> Response:
    """The consent forms to print and hand out, one per child."""
    user = await require_user(request)
    raw = request.query_params.get("child_id")
    child_id = _uuid(raw, "child_id") if raw else None
    ctx = Context.of(request)
    found = await service.forms(ctx, user, path_id(request, "class_id"), child_id)
    return page(
        __file__,
        "consent_form.html",
        school=found.school,
        class_name=found.class_name,
        year=found.year,
        children=found.children,
        one=child_id is not None,
        app_url=f"{ctx.settings.public_url}/#/consent",
    )


routes = [
    route("/api/children/{child_id:uuid}/image-consent", GET=child_consent, PUT=child_consent),
    route("/api/children/{child_id:uuid}/image-consent/paper", POST=paper_consent),
    route("/api/classes/{class_id:uuid}/image-consents", GET=class_consents),
    route("/api/classes/{class_id:uuid}/image-consents/remind", POST=remind),
    route("/api/classes/{class_id:uuid}/image-consents/forms", GET=forms),
]
