"""The one error shape of the API: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

import logging

import asyncpg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from liaison.core.errors import ApiError, ErrorCode

log = logging.getLogger("liaison.web")


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


_HTTP_ERRORS = {
    400: (ErrorCode.BAD_REQUEST, "Requête invalide."),
    401: (ErrorCode.UNAUTHORIZED, "Vous devez vous connecter."),
    403: (ErrorCode.FORBIDDEN, "Vous n'avez pas le droit de faire cela."),
    404: (ErrorCode.NOT_FOUND, "Introuvable."),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "Cette méthode n'est pas permise ici."),
    413: (ErrorCode.TOO_LARGE, "La requête est trop volumineuse."),
    415: (ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Type de contenu non pris en charge."),
}


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_ERRORS.get(exc.status_code, (ErrorCode.BAD_REQUEST, "Requête refusée."))
    return error_response(ApiError(exc.status_code, code, message, headers=exc.headers))


# The database out of reach: refused connections (the server restarting),
# connections cut in the middle of a statement (it was killed or shut down),
# and PostgreSQL's own "cannot connect now / shutting down / too many".
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    ConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
RETRY_AFTER_SECONDS = 5


def database_unavailable() -> ApiError:
    return ApiError(
        503,
        ErrorCode.UNAVAILABLE,
        "Le service est momentanément indisponible. Réessayez dans quelques secondes.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def handle_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # A warning, not a traceback per request: an outage would flood the log.
    log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return error_response(database_unavailable())


def _cut_connection(exc: BaseException) -> bool:
    """An error raised because the connection was cut under it: asyncpg's
    InterfaceError "the underlying connection is closed" when a transaction
    ends after the server shut down, its context the lost connection."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DATABASE_UNAVAILABLE):
            return True
        if isinstance(seen, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def handle_interface_error(request: Request, exc: Exception) -> JSONResponse:
    if _cut_connection(exc):
        return await handle_database_unavailable(request, exc)
    return await handle_unexpected(request, exc)


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        ApiError(500, ErrorCode.INTERNAL, "Une erreur inattendue est survenue. Réessayez plus tard.")
    )


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    HTTPException: handle_http_exception,
    **{kind: handle_database_unavailable for kind in DATABASE_UNAVAILABLE},
    asyncpg.exceptions.InterfaceError: handle_interface_error,
    Exception: handle_unexpected,
}
