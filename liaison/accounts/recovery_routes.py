"""Recovering an account: a forgotten password, a new letter, "Mes appareils",
the second factor. The password sign-in itself is in routes.py."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated
from uuid import UUID

from pydantic import Field
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts import service
from liaison.accounts.auth import require_session, require_user
from liaison.accounts.signin import signed_in
from liaison.config import Settings
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User
from liaison.delivery.mail import MailError, compose, mailer_for, template_environment
from liaison.web.qr import qr_response
from liaison.web.requests import Body, parse_body, trimmed
from liaison.web.routing import route

log = logging.getLogger("liaison.accounts")
_templates = template_environment(Path(__file__).parent / "templates")


class Forgot(Body):
    login: Annotated[str, trimmed(320)]


class Reset(Body):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1000)


class Code(Body):
    code: str = Field(min_length=1, max_length=40)


class ChallengeAnswer(Body):
    challenge: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=40)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _mail_links(settings: Settings, links: list[tuple[User, str]]) -> None:
    """After the answer has gone: the time a mail takes tells nothing."""
    mailer = mailer_for(settings)
    try:
        for user, token in links:
            if not user.email:
                continue
            message = compose(
                "password_reset",
                to=user.email,
                sender=settings.mail_from,
                subject="Liaison : choisir un nouveau mot de passe",
                context={
                    "name": user.display_name,
                    "login": user.login,
                    "url": f"{settings.public_url.rstrip('/')}/#/password-reset?token={token}",
                    "minutes": service.RESET_MINUTES,
                },
                templates=_templates,
            )
            try:
                await mailer.send(message)
            except MailError as error:
                log.warning("password reset mail not sent: %s", error)
    finally:
        await mailer.close()


async def forgot_password(request: Request) -> Response:
    body = await parse_body(request, Forgot)
    ctx = Context.of(request)
    try:
        links = await service.forgot_password(ctx, body.login, _address(request))
    except service.TooManyRequests:
        raise ApiError(
            429,
            ErrorCode.TOO_MANY_ATTEMPTS,
            "Trop de demandes depuis cette adresse. Réessayez dans une heure.",
            headers={"Retry-After": str(service.RESET_WINDOW_SECONDS)},
        ) from None
    # The same answer, known login or not; the mail leaves after it.
    task = BackgroundTask(_mail_links, ctx.settings, links) if links else None
    return JSONResponse({}, status_code=202, background=task)


async def reset_password(request: Request) -> Response:
    body = await parse_body(request, Reset)
    try:
        user = await service.reset_password(Context.of(request), body.token, body.password)
    except service.UnknownCode:
        raise ApiError(
            404, ErrorCode.UNKNOWN_CODE, "Ce lien a déjà servi ou a expiré : demandez-en un nouveau."
        ) from None
    return await signed_in(request, user)


async def new_letter(request: Request) -> Response:
    user = await require_user(request)
    code = await service.new_letter(Context.of(request), user, request.path_params["user_id"])
    return JSONResponse({"activation_code": code})


async def list_sessions(request: Request) -> Response:
    session = await require_session(request)
    found = await service.sessions(Context.of(request), session.user, session.token_hash)
    return JSONResponse({"sessions": found})


async def end_session(request: Request) -> Response:
    session = await require_session(request)
    session_id: UUID = request.path_params["session_id"]
    await service.end_session(Context.of(request), session.user, session_id)
    return Response(status_code=204)


async def second_factor(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.second_factor(Context.of(request), user))


async def setup_second_factor(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.setup_second_factor(Context.of(request), user))


async def second_factor_qr(request: Request) -> Response:
    user = await require_user(request)
    uri = await service.setup_uri(Context.of(request), user)
    return qr_response(uri, "QR code de la double authentification")


async def enable_second_factor(request: Request) -> Response:
    user = await require_user(request)
    body = await parse_body(request, Code)
    codes = await service.enable_second_factor(Context.of(request), user, body.code)
    return JSONResponse({"enabled": True, "recovery_codes": codes})


async def disable_second_factor(request: Request) -> Response:
    user = await require_user(request)
    body = await parse_body(request, Code)
    await service.disable_second_factor(Context.of(request), user, body.code)
    return Response(status_code=204)


async def answer_challenge(request: Request) -> Response:
    body = await parse_body(request, ChallengeAnswer)
    answered = await service.answer_challenge(Context.of(request), body.challenge, body.code)
    if answered is None:
        raise ApiError(
            401, ErrorCode.BAD_CREDENTIALS, "Code incorrect ou expiré. Reconnectez-vous si besoin."
        )
    user, device = answered
    return await signed_in(request, user, device)


routes = [
    route("/api/password/forgot", POST=forgot_password),
    route("/api/password/reset", POST=reset_password),
    route("/api/users/{user_id:uuid}/new-letter", POST=new_letter),
    route("/api/me/sessions", GET=list_sessions),
    route("/api/me/sessions/{session_id:uuid}", DELETE=end_session),
    route("/api/me/second-factor", GET=second_factor, DELETE=disable_second_factor),
    route("/api/me/second-factor/setup", POST=setup_second_factor),
    route("/api/me/second-factor/qr", GET=second_factor_qr),
    route("/api/me/second-factor/enable", POST=enable_second_factor),
    route("/api/session/second-factor", POST=answer_challenge),
]
