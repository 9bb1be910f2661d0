"""The one error shape of the API: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

import logging

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


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        ApiError(500, ErrorCode.INTERNAL, "Une erreur inattendue est survenue. Réessayez plus tard.")
    )


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
