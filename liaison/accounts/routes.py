"""Sign in, sign out, activation, preferences."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts import recovery_routes, service
from liaison.accounts.auth import SESSION_COOKIE, require_session, require_user
from liaison.accounts.ratelimit import FailureCounter, Keyed, Limit
from liaison.accounts.signin import signed_in, signed_in_or_challenged
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User
from liaison.web.requests import Body, parse_body, trimmed
from liaison.web.routing import route

log = logging.getLogger("liaison.accounts")
T = TypeVar("T")


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


def _limits(request: Request, login: str, ip: str) -> list[Keyed]:
    """What one sign-in attempt counts against: this login from this address
    (tight), this address for any login, this login from anywhere (a much
    higher ceiling). docs/accounts-and-security.md gives the reasoning."""
    settings = request.app.state.settings
    window = settings.login_window_seconds
    return [
        (f"{login}\n{ip}", Limit("pair", settings.login_max_failures_per_pair, window)),
        (ip, Limit("ip", settings.login_max_failures_per_ip, window)),
        (login, Limit("login", settings.login_max_failures_per_login, window)),
    ]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _signed_in(request: Request, user: User) -> JSONResponse:
    return await signed_in(request, user)


async def sign_in(request: Request) -> Response:
    body = await parse_body(request, SignIn)
    login, ip = body.login.lower(), _client_ip(request)
    limits = _limits(request, login, ip)
    counter: FailureCounter = request.app.state.failure_counter
    # Counted before the (slow) check: parallel attempts cannot all slip in.
    wait = await counter.attempt(limits)
    _refuse_while(wait, "Trop de tentatives de connexion. Réessayez dans quelques minutes.")
    try:
        user = await service.check_password(Context.of(request), login, body.password)
    except BaseException:
        await counter.give_back(limits)  # not a failure: the check did not finish
        raise
    if user is None:
        log.info("sign-in failed", extra={"event": "signin_failed", "ip": ip})
        raise ApiError(401, ErrorCode.BAD_CREDENTIALS, "Identifiant ou mot de passe incorrect.")
    await counter.give_back(limits[1:])
    await counter.reset(*limits[0])
    return await signed_in_or_challenged(request, user)  # a second factor asks for its code


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


UNKNOWN_CODE_MESSAGE = "Ce code d'activation est inconnu, expiré ou déjà utilisé."


async def code_attempt(request: Request, use: Callable[[], Awaitable[T]]) -> T:
    """Use a letter's code (an activation, a letter joined to an account) under
    the limit per address. Codes are long enough not to be guessed, but a
    flood is still refused; counted before the check, like a sign-in, and
    given back unless the code is unknown (`service.UnknownCode`, or a 404
    `unknown_code` raised by `use`)."""
    settings = request.app.state.settings
    per_ip = [
        (_client_ip(request), Limit("ip", settings.login_max_failures_per_ip, settings.login_window_seconds))
    ]
    counter: FailureCounter = request.app.state.failure_counter
    wait = await counter.attempt(per_ip)
    _refuse_while(wait, "Trop de tentatives. Réessayez dans quelques minutes.")
    try:
        result = await use()
    except service.UnknownCode:
        raise ApiError(404, ErrorCode.UNKNOWN_CODE, UNKNOWN_CODE_MESSAGE) from None
    except ApiError as error:
        if error.code is not ErrorCode.UNKNOWN_CODE:
            await counter.give_back(per_ip)
        raise
    except BaseException:
        await counter.give_back(per_ip)
        raise
    await counter.give_back(per_ip)
    return result


async def activate(request: Request) -> Response:
    body = await parse_body(request, Activation)
    user = await code_attempt(
        request, lambda: service.activate(Context.of(request), body.code, body.password)
    )
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
    *recovery_routes.routes,  # a forgotten password, a new letter, devices, the second factor
]
