"""Sign in, sign out, activation, preferences."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Annotated

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts import service
from liaison.accounts.auth import SESSION_COOKIE, require_session, require_user
from liaison.accounts.ratelimit import Limit
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User
from liaison.web.requests import Body, parse_body, trimmed
from liaison.web.routing import route

log = logging.getLogger("liaison.accounts")


class SignIn(Body):
    login: Annotated[str, trimmed(200)]
    password: str = Field(min_length=1, max_length=1000)


class Activation(Body):
    code: Annotated[str, trimmed(100)]
    password: str = Field(max_length=1000)


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class QuietHours(Body):
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hour(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("Heure invalide (attendu HH:MM, par exemple 20:00).")
        return value


class PreferencesUpdate(Body):
    email: str | None = None
    push: bool | None = None
    quiet_hours: QuietHours | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and value not in ("immediate", "digest", "off"):
            raise ValueError("Valeur attendue : immediate, digest ou off.")
        return value


def _limits(request: Request) -> tuple[Limit, Limit]:
    settings = request.app.state.settings
    window = settings.login_window_seconds
    return (
        Limit("login", settings.login_max_failures_per_login, window),
        Limit("ip", settings.login_max_failures_per_ip, window),
    )


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _signed_in(request: Request, user: User) -> JSONResponse:
    settings = request.app.state.settings
    token = await service.open_session(Context.of(request), user)
    response = JSONResponse({"token": token, "user": user.to_api()})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


async def sign_in(request: Request) -> Response:
    body = await parse_body(request, SignIn)
    login, ip = body.login.lower(), _client_ip(request)
    per_login, per_ip = _limits(request)
    counter = request.app.state.failure_counter
    wait = max(await counter.retry_after(login, per_login), await counter.retry_after(ip, per_ip))
    _refuse_while(wait, "Trop de tentatives de connexion. Réessayez dans quelques minutes.")
    user = await service.check_password(Context.of(request), login, body.password)
    if user is None:
        await counter.record_failure(login, per_login)
        await counter.record_failure(ip, per_ip)
        log.info("sign-in failed", extra={"event": "signin_failed", "ip": ip})
        raise ApiError(401, ErrorCode.BAD_CREDENTIALS, "Identifiant ou mot de passe incorrect.")
    await counter.reset(login, per_login)
    return await _signed_in(request, user)


def _refuse_while(wait: int, message: str) -> None:
    """429 with Retry-After while a limit holds (`wait` seconds left, 0 when none)."""
    if wait:
        raise ApiError(429, ErrorCode.TOO_MANY_ATTEMPTS, message, headers={"Retry-After": str(wait)})


async def sign_out(request: Request) -> Response:
    session = await require_session(request)
    await service.close_session(Context.of(request), session.token_hash)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def activate(request: Request) -> Response:
    body = await parse_body(request, Activation)
    ip = _client_ip(request)
    _, per_ip = _limits(request)
    counter = request.app.state.failure_counter
    # Codes are long enough not to be guessed, but a flood is still refused.
    wait = await counter.retry_after(ip, per_ip)
    _refuse_while(wait, "Trop de tentatives. Réessayez dans quelques minutes.")
    try:
        user = await service.activate(Context.of(request), body.code, body.password)
    except service.UnknownCode:
        await counter.record_failure(ip, per_ip)
        raise ApiError(
            404, ErrorCode.UNKNOWN_CODE, "Ce code d'activation est inconnu, expiré ou déjà utilisé."
        ) from None
    return await _signed_in(request, user)


async def get_preferences(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.preferences(Context.of(request), user))


async def put_preferences(request: Request) -> Response:
    user = await require_user(request)
    update = await parse_body(request, PreferencesUpdate)
    sent = update.model_fields_set
    for name in ("email", "push"):
        if name in sent and getattr(update, name) is None:
            raise ApiError(
                422, ErrorCode.INVALID, "Certains champs sont invalides.", fields={name: "Valeur nulle."}
            )
    quiet_hours: tuple[dt.time, dt.time] | service.Keep | None = service.KEEP
    if "quiet_hours" in sent:
        quiet = update.quiet_hours
        quiet_hours = None if quiet is None else _quiet_hours(quiet)
    return JSONResponse(
        await service.change_preferences(
            Context.of(request), user, email=update.email, push=update.push, quiet_hours=quiet_hours
        )
    )


def _quiet_hours(quiet: QuietHours) -> tuple[dt.time, dt.time]:
    start, end = dt.time.fromisoformat(quiet.start), dt.time.fromisoformat(quiet.end)
    if start == end:
        raise ApiError(
            422,
            ErrorCode.INVALID,
            "Certains champs sont invalides.",
            fields={"quiet_hours": "Le début et la fin doivent être différents."},
        )
    return start, end


routes = [
    route("/api/session", POST=sign_in, DELETE=sign_out),
    route("/api/activate", POST=activate),
    route("/api/me/preferences", GET=get_preferences, PUT=put_preferences),
]
