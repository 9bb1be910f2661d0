"""Push subscriptions and the VAPID key; the operator's view of written mails."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.errors import ApiError, ErrorCode, forbidden, not_found
from liaison.delivery import keys
from liaison.delivery import store as log_store
from liaison.delivery.push import EndpointRefused, check_endpoint
from liaison.web.pages import page
from liaison.web.requests import Body, Trimmed, parse_body
from liaison.web.routing import route


class Keys(Body):
    p256dh: Trimmed(200)
    auth: Trimmed(100)


class NewSubscription(Body):
    endpoint: Trimmed(2000)
    keys: Keys
    expirationTime: int | float | None = Field(default=None)


class OldSubscription(Body):
    endpoint: Trimmed(2000)


async def push_key(request: Request) -> Response:
    _, public_key = await keys.ensure(request.app.state.pool, request.app.state.settings)
    return JSONResponse({"public_key": public_key})


async def subscribe(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, NewSubscription)
    try:
        await check_endpoint(new.endpoint, request.app.state.settings.push_allow_private_endpoints)
    except EndpointRefused as refused:
        raise ApiError(422, ErrorCode.INVALID, str(refused), fields={"endpoint": str(refused)}) from None
    await log_store.subscribe(request.app.state.pool, user.id, new.endpoint, new.keys.p256dh, new.keys.auth)
    return JSONResponse({"endpoint": new.endpoint}, status_code=201)


async def unsubscribe(request: Request) -> Response:
    user = await require_user(request)
    old = await parse_body(request, OldSubscription)
    await log_store.unsubscribe(request.app.state.pool, user.id, old.endpoint)
    return Response(status_code=204)


def _mail_folder(request: Request) -> Path:
    return request.app.state.settings.data_dir / "mail"


async def _operator(request: Request) -> None:
    user = await require_user(request)
    if user.role != "admin":
        raise forbidden("Réservé à l'exploitant de la plateforme.")


async def mail_list(request: Request) -> Response:
    await _operator(request)
    folder = _mail_folder(request)
    mails = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:500] if folder.is_dir() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mails.append(
            {"name": path.name, "to": message["To"], "subject": message["Subject"], "date": message["Date"]}
        )
    return page(__file__, "operator_mail.html", mails=mails, smtp=bool(request.app.state.settings.smtp_url))


async def mail_show(request: Request) -> Response:
    await _operator(request)
    name = request.path_params["name"]
    path = _mail_folder(request) / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise not_found()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    return Response(
        f"De : {message['From']}\nÀ : {message['To']}\nObjet : {message['Subject']}\n\n"
        + (text.get_content() if text else ""),
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


routes = [
    route("/api/push/key", GET=push_key),
    route("/api/push/subscriptions", POST=subscribe, DELETE=unsubscribe),
    route("/operator/mail", GET=mail_list),
    route("/operator/mail/{name}", GET=mail_show),
]
