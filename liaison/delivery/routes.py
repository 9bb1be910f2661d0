"""Push subscriptions and the VAPID key; the operator's view of written mails."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.core.context import Context
from liaison.core.errors import not_found
from liaison.delivery import service
from liaison.web.pages import page, text_headers
from liaison.web.requests import Body, parse_body, trimmed
from liaison.web.routing import route


class Keys(Body):
    p256dh: Annotated[str, trimmed(200)]
    auth: Annotated[str, trimmed(100)]


class NewSubscription(Body):
    endpoint: Annotated[str, trimmed(2000)]
    keys: Keys
    expirationTime: int | float | None = Field(default=None)


class OldSubscription(Body):
    endpoint: Annotated[str, trimmed(2000)]


async def push_key(request: Request) -> Response:
    return JSONResponse({"public_key": await service.push_public_key(Context.of(request))})


async def subscribe(request: Request) -> Response:
    user = await require_user(request)
    new = await parse_body(request, NewSubscription)
    await service.subscribe(Context.of(request), user, new.endpoint, new.keys.p256dh, new.keys.auth)
    return JSONResponse({"endpoint": new.endpoint}, status_code=201)


async def unsubscribe(request: Request) -> Response:
    user = await require_user(request)
    old = await parse_body(request, OldSubscription)
    await service.unsubscribe(Context.of(request), user, old.endpoint)
    return Response(status_code=204)


def _mail_folder(request: Request) -> Path:
    folder: Path = request.app.state.settings.data_dir / "mail"
    return folder


async def _operator(request: Request) -> None:
    service.check_operator(await require_user(request))


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
        headers=text_headers(),
    )


routes = [
    route("/api/push/key", GET=push_key),
    route("/api/push/subscriptions", POST=subscribe, DELETE=unsubscribe),
    route("/operator/mail", GET=mail_list),
    route("/operator/mail/{name}", GET=mail_show),
]
