"""GET/PUT /api/children/{id}/image-consent and GET /api/classes/{id}/image-consents."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.consent import policy, store
from liaison.core.decisions import enforce
from liaison.core.errors import not_found
from liaison.core.events import EventType, NewEvent
from liaison.directory import store as directory
from liaison.realtime.writer import change
from liaison.web.requests import Body, parse_body
from liaison.web.routing import route


class Decision(Body):
    granted: bool


async def child_consent(request: Request) -> Response:
    user = await require_user(request)
    pool = request.app.state.pool
    child = await directory.get_child(pool, request.path_params["child_id"])
    if child is None:
        raise not_found()
    guardians = (await directory.guardians_of(pool, [child["id"]]))[child["id"]]
    is_guardian = user.id in guardians
    if request.method == "GET":
        enforce(policy.view_child(user, child["school_id"], is_guardian))
        return JSONResponse(store.child_view(child, await store.decisions(pool, child["id"])))
    enforce(policy.decide_for_child(user, child["school_id"], is_guardian))
    decision = await parse_body(request, Decision)
    async with change(pool, request.app.state.bus, child["school_id"]) as current:
        await store.decide(current.conn, child["id"], user.id, decision.granted)
        view = store.child_view(child, await store.decisions(current.conn, child["id"]))
        staff = await directory.staff_of_classes(current.conn, [child["class_id"]])
        directors = await directory.directors_of(current.conn, child["school_id"])
        current.events.append(
            NewEvent(EventType.CONSENT_UPDATED, view, list({*guardians, *staff, *directors}))
        )
    return JSONResponse(view)


async def class_consents(request: Request) -> Response:
    user = await require_user(request)
    pool = request.app.state.pool
    klass = await directory.get_class(pool, request.path_params["class_id"])
    if klass is None:
        raise not_found()
    enforce(policy.view_class(user, klass["school_id"]))
    rows = await store.of_class(pool, klass["id"])
    return JSONResponse({"children": [store.class_row_to_api(r) for r in rows]})


routes = [
    route("/api/children/{child_id:uuid}/image-consent", GET=child_consent, PUT=child_consent),
    route("/api/classes/{class_id:uuid}/image-consents", GET=class_consents),
]
