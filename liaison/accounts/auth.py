"""Who is making this request: bearer token or session cookie, and CSRF.

Every route that needs a signed-in user calls `require_user`; it is the one
place where credentials are read.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from liaison.accounts import store, tokens
from liaison.core.errors import ApiError, ErrorCode
from liaison.core.people import User

SESSION_COOKIE = "liaison_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Session:
    user: User
    token_hash: bytes
    by_cookie: bool


def presented_token(connection: HTTPConnection) -> tuple[str, bool] | None:
    """The token and whether it came from the cookie (not the header)."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, True
    return None


async def session_for_token(connection: HTTPConnection, token: str) -> User | None:
    if len(token) > 200:
        return None
    return await store.user_for_session(connection.app.state.pool, tokens.digest(token))


async def current_session(connection: HTTPConnection) -> Session | None:
    if "liaison.session" in connection.scope:  # already looked up for this request
        cached: Session | None = connection.scope["liaison.session"]
        return cached
    session = None
    presented = presented_token(connection)
    if presented:
        token, by_cookie = presented
        user = await session_for_token(connection, token)
        if user:
            session = Session(user, tokens.digest(token), by_cookie)
    connection.scope["liaison.session"] = session
    return session


def csrf_for(connection: HTTPConnection, session: Session) -> str:
    return tokens.csrf_token(connection.app.state.settings.secret_key, session.token_hash)


async def require_session(connection: HTTPConnection) -> Session:
    session = await current_session(connection)
    if session is None:
        raise ApiError(401, ErrorCode.UNAUTHORIZED, "Vous devez vous connecter.")
    method = connection.scope.get("method", "GET")
    if session.by_cookie and method not in _SAFE_METHODS:
        sent = connection.headers.get(CSRF_HEADER, "")
        if not sent or not tokens.same(sent, csrf_for(connection, session)):
            raise ApiError(
                403,
                ErrorCode.CSRF,
                "Jeton de sécurité manquant ou invalide : rechargez la page et réessayez.",
            )
    return session


async def require_user(connection: HTTPConnection) -> User:
    return (await require_session(connection)).user
