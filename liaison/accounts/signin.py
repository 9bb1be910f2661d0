"""Opening a session for the routes that sign someone in (the password, an
activation code, a reset link, the second factor): the token, the cookie, the
device it opens on."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from liaison.accounts import service
from liaison.accounts.auth import SESSION_COOKIE
from liaison.accounts.devices import device_label
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User


def device_of(request: Request) -> str:
    return device_label(request.headers.get("user-agent", ""))


async def signed_in(request: Request, user: User, device: str | None = None) -> JSONResponse:
    settings = request.app.state.settings
    token = await service.open_session(
        Context.of(request), user, device_of(request) if device is None else device
    )
    response = JSONResponse({"token": token, "user": user.own_api()})
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


async def signed_in_or_challenged(request: Request, user: User) -> JSONResponse:
    """After a good password: the session, or, when the account has a second
    factor, 401 `second_factor_required` with a challenge to answer at
    POST /api/session/second-factor."""
    device = device_of(request)
    challenge = await service.needs_second_factor(Context.of(request), user, device)
    if challenge is None:
        return await signed_in(request, user, device)
    raise ApiError(
        401,
        ErrorCode.SECOND_FACTOR_REQUIRED,
        "Saisissez le code à 6 chiffres de votre application d'authentification.",
        extra={"challenge": challenge},
    )
